"""SECURITY row 29 on the command line: the importers (enrol-csv, import-grades,
import-course) answer files in the wrong encoding, binary files and broken CSV with one
line and exit status 1, never a traceback; UTF-8 with or without a byte-order mark and
UTF-16 with one are read. And names with line breaks are refused wherever they come in."""
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.auth.models import User
from lms.cohorts.models import Membership, Role
from lms.core.db import db
from lms.gradebook.models import Mark
from tests.conftest import csrf_token, enrol, login, make_cohort, make_user

ROOT = Path(__file__).resolve().parents[2]
ENROL = "email,name,role,country,organisation\nzoe@example.org,Zoé Lefèvre,participant,FR,Mairie de Besançon\n"
GRADES = "email,name,knowledge_check\nzoe@example.org,Zoé Lefèvre,9\n"
COURSE = "# Cours donné à Genève\n" + (ROOT / "courses" / "itu-dpg-oss.toml").read_text(encoding="utf-8")

BAD_FILES = {
    "latin-1": (lambda text: text.encode("latin-1", "replace"), "not UTF-8 text"),
    "windows-1252": (lambda text: text.replace("\n", "\r\n").encode("cp1252", "replace"), "not UTF-8 text"),
    "UTF-16 without a byte-order mark": (lambda text: text.encode("utf-16-le"), "binary file"),
    "binary": (lambda text: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary file"),
    "broken UTF-16": (lambda text: b"\xff\xfe" + text.encode("utf-16-le")[:-1], "not valid UTF-16"),
}
GOOD_ENCODINGS = {"UTF-8": "utf-8", "UTF-8 with a byte-order mark": "utf-8-sig",
                  "UTF-16 with a byte-order mark": "utf-16"}


def _command(kind, path):
    return {"enrol": ["lms", "enrol-csv", "itu-dpg-oss-2024", str(path)],
            "grades": ["lms", "import-grades", "itu-dpg-oss-2024", str(path)],
            "course": ["lms", "import-course", str(path)]}[kind]


def _text(kind):
    return {"enrol": ENROL, "grades": GRADES, "course": COURSE}[kind]


def _setup():
    cohort = make_cohort()
    enrol(make_user("zoe@example.org", "Zoé Lefèvre"), cohort, Role.PARTICIPANT)
    return cohort


def assert_refused_in_one_line(result, *fragments):
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.mark.parametrize("kind", ["enrol", "grades", "course"])
@pytest.mark.parametrize("encoding", sorted(BAD_FILES))
def test_row29_importers_refuse_other_encodings_and_binary_files_in_one_line(runner, ctx, tmp_path, kind, encoding):
    _setup()
    make_bytes, fragment = BAD_FILES[encoding]
    path = tmp_path / f"input.{'toml' if kind == 'course' else 'csv'}"
    path.write_bytes(make_bytes(_text(kind)))
    result = runner.invoke(args=_command(kind, path))
    assert_refused_in_one_line(result, fragment, "UTF-8", str(path))
    assert db.session.execute(sa.select(sa.func.count(Mark.id))).scalar() == 0
    assert db.session.execute(sa.select(sa.func.count(Membership.id))).scalar() == 1


@pytest.mark.parametrize("kind", ["enrol", "grades", "course"])
@pytest.mark.parametrize("encoding", sorted(GOOD_ENCODINGS))
def test_utf8_with_or_without_bom_and_utf16_with_bom_are_read(runner, ctx, tmp_path, kind, encoding):
    _setup()
    path = tmp_path / f"input.{'toml' if kind == 'course' else 'csv'}"
    path.write_bytes(_text(kind).encode(GOOD_ENCODINGS[encoding]))
    result = runner.invoke(args=_command(kind, path))
    assert result.exit_code == 0, result.output
    if kind == "enrol":
        assert "Enrolled 1 membership(s)" in result.output  # Zoé is already there: nothing new
    if kind == "grades":
        assert db.session.execute(sa.select(Mark.points)).scalar_one() == 9


@pytest.mark.parametrize("kind", ["enrol", "grades"])
def test_row29_an_oversized_cell_is_refused_in_one_line(runner, ctx, tmp_path, kind):
    _setup()
    path = tmp_path / "input.csv"
    for size in (20_000, 200_000):  # above our cap; above the csv module's own limit
        path.write_text(_text(kind).replace("zoe@example.org", "z" * size + "@example.org", 1), encoding="utf-8")
        result = runner.invoke(args=_command(kind, path))
        assert_refused_in_one_line(result, "line 2: a cell is longer than 10000 characters")


def test_import_course_without_its_course_table_ends_with_located_problems(runner, ctx, tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text(COURSE.replace("[course]\n", "", 1), encoding="utf-8")
    result = runner.invoke(args=_command("course", path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{path}:" in result.output and "course: is required" in result.output


# -- names with line breaks: CSV, the People form, registration and the profile -----------------

@pytest.mark.parametrize("name", ["Mallory\r\nBcc: victim@example.org", "Mallory\nX", "Mallory\u2028X",
                                  "Mallory\u202eX", "Mallory\tX", "Mallory\x1bX", "Mallory\x85X"])
def test_enrol_csv_refuses_control_characters_in_names_with_the_line(runner, ctx, tmp_path, name):
    _setup()
    path = tmp_path / "people.csv"
    quoted = '"' + name + '"'
    path.write_bytes(("email,name,role,country,organisation\n"
                      "ok@example.org,Fine Name,participant,,\n"
                      f"mallory@example.org,{quoted},participant,,\n"
                      "third@example.org,Third,participant,,\"Org\r\nX\"\n").encode())
    result = runner.invoke(args=_command("enrol", path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "line 3: the name must be one line of plain text" in result.output, result.output
    # Mallory's cell spans lines 3 and 4 (or not, where the break is not a line feed): the next row
    # starts on line 5 or 4, and the message says so.
    fourth = 5 if "\n" in name else 4
    assert f"line {fourth}: the organisation must be one line of plain text" in result.output, result.output
    assert db.session.execute(sa.select(sa.func.count(User.id))).scalar() == 1


def test_people_form_refuses_a_name_with_a_line_break(client, ctx):
    cohort = _setup()
    enrol(make_user("clara@example.org", "Clara Coordinator"), cohort, Role.COORDINATOR)
    login(client, "clara@example.org")
    page = "/cohorts/itu-dpg-oss-2024/people"
    response = client.post(page, data={"csrf_token": csrf_token(client, page), "email": "mallory@example.org",
                                       "name": "Mallory\r\nBcc: victim@example.org", "role": "participant"})
    assert response.status_code == 200
    assert "Nobody was added: The name for mallory@example.org must be one line" in response.get_data(as_text=True)
    assert db.session.execute(sa.select(User).where(User.email == "mallory@example.org")).scalar() is None


def _complete_registration(client, email, name):
    """The form behind the e-mailed registration link, filled in with ``name``."""
    from lms.auth.services import make_registration_token

    page = f"/register/{make_registration_token(email)}"
    return client.post(page, data={"csrf_token": csrf_token(client, page), "name": name,
                                   "password": "monsoon evening tea", "confirm": "monsoon evening tea",
                                   "country": "", "organisation": "", "timezone": "UTC"})


def test_register_and_profile_refuse_names_with_control_characters(client, ctx):
    page = _complete_registration(client, "mallory@example.org", "Mallory\u2028Bcc").get_data(as_text=True)
    assert "Name must be one line of plain text" in page
    assert db.session.execute(sa.select(User)).scalar() is None
    make_user("pat@example.org", "Pat Participant")
    login(client, "pat@example.org")
    page = client.post("/account", data={"csrf_token": csrf_token(client, "/account"), "name": "Pat",
                                         "organisation": "Evil\r\nCorp", "country": "", "timezone": "UTC"}
                       ).get_data(as_text=True)
    assert "Organisation must be one line of plain text" in page
    assert db.session.execute(sa.select(User.organisation)).scalar() is None


def test_names_that_need_joiners_are_kept(client, ctx):
    """Persian and Indic names use the zero-width non-joiner and joiner: not refused."""
    name = "مهسا\u200cرضایی"
    assert _complete_registration(client, "mahsa@example.org", name).status_code == 302
    assert db.session.execute(sa.select(User.name)).scalar_one() == name
