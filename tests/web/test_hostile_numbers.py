"""SECURITY row 29: every number field of the browser forms and of import-grades, fed
hostile text, answers with a message naming the field (never a 500) and writes nothing;
a decimal comma is read as a decimal point."""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lms.attendance.models import AttendanceRecord, ParticipationMark
from lms.core.db import db
from lms.gradebook.models import Mark
from tests.conftest import csrf_token
from tests.integration.test_certificates_e2e import C, _grades_csv, _setup

HOSTILE = ["sNaN", "NaN", "-Infinity", "1e999", "²", "9" * 400, "-1"]


def _count(model):
    return db.session.execute(sa.select(sa.func.count(model.id))).scalar()


@pytest.mark.parametrize("value", HOSTILE)
def test_participation_marks_refuse_hostile_numbers(client, ctx, value):
    _, users = _setup(client)
    page = f"{C}/participation"
    who = users["top@example.org"]
    response = client.post(page, data={"csrf_token": csrf_token(client, page), f"points-{who.id}-course": value})
    assert response.status_code == 200
    assert "Nothing was saved: Participation mark for Top Marks: " in response.get_data(as_text=True)
    assert _count(ParticipationMark) == 0


@pytest.mark.parametrize("value", [*HOSTILE, "7,5", "7.5"])
def test_roll_call_minutes_refuse_hostile_numbers(client, ctx, value):
    _, users = _setup(client)
    page = f"{C}/sessions/1/attendance"
    who = users["top@example.org"]
    response = client.post(page, data={"csrf_token": csrf_token(client, page), f"status-{who.id}": "late",
                                       f"minutes-{who.id}": value})
    assert response.status_code == 200
    assert "Nothing was saved: Minutes for Top Marks: " in response.get_data(as_text=True)
    assert _count(AttendanceRecord) == 0


@pytest.mark.parametrize("value", HOSTILE)
def test_gradebook_marks_refuse_hostile_numbers(client, ctx, value):
    _, users = _setup(client)
    page = f"{C}/gradebook"
    who = users["top@example.org"]
    response = client.post(page, data={"csrf_token": csrf_token(client, page), f"mark-{who.id}-knowledge_check": value})
    assert response.status_code == 302
    assert "Nothing was saved: Top Marks, knowledge_check: " in client.get(page).get_data(as_text=True)
    assert _count(Mark) == 0


@pytest.mark.parametrize("value", HOSTILE)
def test_import_grades_refuses_hostile_numbers(client, runner, ctx, tmp_path, value):
    _setup(client)
    result = runner.invoke(args=["lms", "import-grades", "itu-dpg-oss-2024",
                                 _grades_csv(tmp_path, f"email,knowledge_check\ntop@example.org,{value}\n")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "line 2: knowledge_check: " in result.output
    assert _count(Mark) == 0


def test_decimal_comma_and_arabic_indic_digits_are_read_in_every_number_field(client, runner, ctx, tmp_path):
    _, users = _setup(client)
    top, eighty = users["top@example.org"], users["eighty@example.org"]
    page = f"{C}/participation"
    assert client.post(page, data={"csrf_token": csrf_token(client, page), f"points-{top.id}-course": "7,5",
                                   f"points-{eighty.id}-course": "١٢"}).status_code == 302
    marks = {m.user_id: m.points for m in db.session.execute(sa.select(ParticipationMark)).scalars()}
    assert marks == {top.id: Decimal("7.5"), eighty.id: Decimal(12)}
    page = f"{C}/sessions/1/attendance"
    assert client.post(page, data={"csrf_token": csrf_token(client, page), f"status-{top.id}": "late",
                                   f"minutes-{top.id}": " ٤٥ "}).status_code == 302
    assert db.session.execute(sa.select(AttendanceRecord.minutes)).scalar_one() == 45
    page = f"{C}/gradebook"
    assert client.post(page, data={"csrf_token": csrf_token(client, page),
                                   f"mark-{top.id}-knowledge_check": " 9,5 "}).status_code == 302
    result = runner.invoke(args=["lms", "import-grades", "itu-dpg-oss-2024",
                                 _grades_csv(tmp_path, 'email,knowledge_check\neighty@example.org,"8,25"\n')])
    assert result.exit_code == 0, result.output
    marks = {m.user_id: m.points for m in db.session.execute(sa.select(Mark)).scalars()}
    assert marks == {top.id: Decimal("9.5"), eighty.id: Decimal("8.25")}


def test_an_empty_number_field_still_means_no_mark(client, ctx):
    _, users = _setup(client)
    page = f"{C}/participation"
    top = users["top@example.org"]
    assert client.post(page, data={"csrf_token": csrf_token(client, page), f"points-{top.id}-course": "  "}
                       ).status_code == 302
    assert _count(ParticipationMark) == 0


def test_a_report_mapping_with_a_superscript_digit_is_ignored_not_a_500(client, ctx):
    from tests.web.test_attendance_pages import DATA, _instructor

    _instructor(client)
    text = (DATA / "zoom-participants-session1.csv").read_bytes().decode("utf-8-sig").replace(
        '"Kwame Mensah"', '"KM phone"')
    page = f"{C}/sessions/1/attendance/import"
    response = client.post(page, data={"csrf_token": csrf_token(client, page), "zone": "Europe/Zurich",
                                       "report_text": text, "map-km phone": "²", "stage": "preview"})
    assert response.status_code == 200 and "KM phone" in response.get_data(as_text=True)
