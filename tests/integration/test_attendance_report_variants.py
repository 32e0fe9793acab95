"""Issue #8 at the service and command level: names in every script matched by Unicode rules
(never by an empty key) with the reason shown, and reports in the encodings, delimiters,
column names and date orders real tools write."""
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.attendance.models import NameMapping
from lms.attendance.report import read_report, read_report_bytes
from lms.attendance.services import apply_preview, preview_report
from lms.auth.models import User
from lms.cohorts.models import Role
from lms.core.db import db
from lms.core.errors import NeedsConfirmationError, ValidationError
from tests.conftest import enrol, make_user
from tests.integration.test_attendance_import import itu_cohort, session_of, statuses

DATA = Path(__file__).resolve().parents[1] / "data"
DOCUMENTED = {
    "Amina Diallo": ("present", 120), "Rahul Mehta": ("present", 113), "Lucía Fernández": ("present", 120),
    "Kwame Mensah": ("present", 115), "Nguyen Thi Lan": ("late", 40), "Otieno Wafula": ("absent", 15),
    "Grace Namukasa": ("absent", 0),
}
HEADER = '"Name (Original Name)","User Email","Join Time","Leave Time"\n'


def _row(name, email="", join="03:00 PM", leave="05:00 PM", day="10/30/2024"):
    return f'"{name}","{email}","{day} {join}","{day} {leave}"\n'


def _line(preview, name):
    return next(line for line in preview.lines if line.user.name == name)


@pytest.mark.parametrize("filename", [
    "zoom-participants-session1-semicolon.csv", "zoom-participants-session1-tab.csv",
    "zoom-participants-session1-utf16le.csv", "zoom-participants-session1-utf16be.csv",
    "zoom-participants-session1-cp1252.csv", "zoom-participants-session1-waiting-room.csv",
    "zoom-participants-session1-waiting-room-new-columns.csv",
])
def test_every_variant_gives_the_documented_statuses(ctx, filename):
    cohort = itu_cohort()
    session = session_of(cohort)
    preview = preview_report(session, read_report_bytes((DATA / filename).read_bytes()))
    assert preview.warnings == [] and preview.staff == ["Zoom Host"] and preview.unmatched == []
    apply_preview(preview, None)
    db.session.commit()
    assert statuses(session) == DOCUMENTED


def test_waiting_room_rows_change_nothing_and_are_said(ctx):
    cohort = itu_cohort()
    preview = preview_report(session_of(cohort), read_report_bytes(
        (DATA / "zoom-participants-session1-waiting-room.csv").read_bytes()))
    assert _line(preview, "Otieno Wafula").status == "absent"  # 80 minutes and "late" before the fix
    assert _line(preview, "Kwame Mensah").minutes == 115
    assert "Unknown caller" not in {u.name for u in preview.unmatched}
    assert preview.notes == ["4 waiting-room rows not counted: time in the waiting room is not time in the session."]


def test_an_ambiguous_date_is_read_in_the_order_that_fits_the_session(ctx):
    cohort = itu_cohort()
    session = session_of(cohort, 2)
    report = read_report_bytes((DATA / "zoom-participants-session2-day-first.csv").read_bytes())
    preview = preview_report(session, report)
    assert preview.report.date_order == "day-first" and preview.warnings == []
    assert preview.notes == ["The dates in this report can be read as 11 Jan 2024 (month/day/year) or as "
                             "01 Nov 2024 (day/month/year); read as day/month/year, which puts it on session 2's "
                             "date, 01 Nov 2024 (Europe/Zurich)."]
    apply_preview(preview, None)
    db.session.commit()
    assert statuses(session) == DOCUMENTED


def test_an_ambiguous_date_that_fits_neither_reading_is_refused_even_when_confirmed(ctx):
    cohort = itu_cohort()
    report = read_report_bytes((DATA / "zoom-participants-session2-day-first.csv").read_bytes())
    for other_date in (False, True):
        with pytest.raises(ValidationError) as refused:
            preview_report(session_of(cohort, 1), report, other_date=other_date)
        assert not isinstance(refused.value, NeedsConfirmationError)
        assert ("can be read as 11 Jan 2024 (month/day/year) or as 01 Nov 2024 (day/month/year); neither is "
                "session 1's date, 30 Oct 2024 (Europe/Zurich)") in str(refused.value)
        assert "Nothing was imported" in str(refused.value)


# ---- names -----------------------------------------------------------------------------------

def _cohort_with(*people):
    cohort = itu_cohort()
    for name, email in people:
        enrol(make_user(email, name), cohort, Role.PARTICIPANT)
    return cohort


def test_a_cyrillic_guest_is_not_matched_to_a_chinese_participant(ctx):
    # The bug of issue #8: both names normalised to "", so Иван was marked present as 王芳.
    cohort = _cohort_with(("王芳", "wang.fang@example.cn"))
    preview = preview_report(session_of(cohort), read_report(HEADER + _row("Иван Петров")))
    assert _line(preview, "王芳").status == "absent"
    assert [(u.name, u.minutes, u.reason) for u in preview.unmatched] == [
        ("Иван Петров", 120, "no participant has this e-mail or name")]


def test_names_in_five_scripts_match_by_name_and_say_why(ctx):
    people = [("أمينة ديالو", "amina.d@example.sn"), ("Иван Петров", "ivan@example.ru"),
              ("王芳", "wang.fang@example.cn"), ("राहुल मेहता", "rahul.m@example.in"),
              ("Nguyễn Văn Minh", "minh@example.vn")]
    cohort = _cohort_with(*people)
    report = read_report(HEADER + _row("أمينة ديالو (she/her)") + _row("ИВАН ПЕТРОВ")
                         + _row("王芳（主持人）") + _row("राहुल मेहता") + _row("Nguyen Van Minh"))
    preview = preview_report(session_of(cohort), report)
    assert preview.unmatched == []
    for name, _ in people:
        assert _line(preview, name).status == "present" and _line(preview, name).matched_by == "name"
    assert _line(preview, "Nguyễn Văn Minh").reasons == ["name “Nguyen Van Minh” = “Nguyễn Văn Minh”"]
    assert _line(preview, "王芳").reasons == ["name “王芳（主持人）” = “王芳”"]


def test_nfd_and_full_width_forms_of_a_name_match(ctx):
    import unicodedata

    cohort = _cohort_with(("Zoë Müller", "zoe@example.de"), ("Ана Јовановић", "ana@example.rs"))
    nfd = unicodedata.normalize("NFD", "Ана Јовановић")
    report = read_report(HEADER + _row("Ｚｏë　Ｍüｌｌｅｒ") + _row(nfd))
    preview = preview_report(session_of(cohort), report)
    assert preview.unmatched == []
    assert _line(preview, "Zoë Müller").status == _line(preview, "Ана Јовановић").status == "present"


def test_an_exact_name_wins_over_an_accent_folded_one(ctx):
    # Vietnamese tones tell these two people apart; the report writes one of them exactly.
    cohort = _cohort_with(("Lê Văn Lân", "lan1@example.vn"), ("Le Van Lan", "lan2@example.vn"))
    preview = preview_report(session_of(cohort), read_report(HEADER + _row("Lê Văn Lân")))
    assert _line(preview, "Lê Văn Lân").status == "present" and _line(preview, "Le Van Lan").status == "absent"


def test_a_name_two_participants_share_is_left_for_the_instructor(ctx):
    cohort = _cohort_with(("María José", "mj1@example.es"), ("Maria Jose", "mj2@example.es"))
    # Neither written exactly so, and the same once accents are folded: not guessed.
    preview = preview_report(session_of(cohort), read_report(HEADER + _row("Maria José")))
    assert [(u.name, u.reason) for u in preview.unmatched] == [
        ("Maria José", "2 participants have this name; choose who it is")]
    exact = preview_report(session_of(cohort), read_report(HEADER + _row("MARÍA JOSÉ")))
    assert exact.unmatched == [] and _line(exact, "María José").status == "present"


def test_a_name_without_letters_is_never_matched_nor_mapped(ctx):
    cohort = _cohort_with(("王芳", "wang.fang@example.cn"))
    wang = db.session.execute(sa.select(User).where(User.email == "wang.fang@example.cn")).scalar_one()
    # A mapping with an empty key, as the old normalising stored for any non-Latin name.
    db.session.add(NameMapping(cohort_id=cohort.id, normalised_name="", user_id=wang.id))
    db.session.commit()
    report = read_report(HEADER + _row("🙂🙂") + _row("(Host)") + _row("Иван Петров"))
    preview = preview_report(session_of(cohort), report, mappings={"": wang.id})
    assert _line(preview, "王芳").status == "absent"
    assert [(u.name, u.mappable) for u in preview.unmatched] == [
        ("(Host)", False), ("Иван Петров", True), ("🙂🙂", False)]
    assert "cannot be matched or mapped" in preview.unmatched[0].reason
    with pytest.raises(ValidationError):
        apply_preview(preview, None, {"": wang.id})


def test_the_reason_for_each_match_is_given(ctx):
    cohort = itu_cohort()
    text = (DATA / "zoom-participants-session1-plain.csv").read_text(encoding="utf-8-sig").replace(
        '"Kwame Mensah"', '"KM iPhone"')
    kwame = db.session.execute(sa.select(User).where(User.name == "Kwame Mensah")).scalar_one()
    preview = preview_report(session_of(cohort), read_report(text), mappings={"km iphone": kwame.id})
    assert _line(preview, "Amina Diallo").reasons == ["e-mail amina.diallo@example.org"]
    assert _line(preview, "Kwame Mensah").reasons == ["mapping chosen now “KM iPhone”"]
    apply_preview(preview, None, {"km iphone": kwame.id})
    db.session.commit()
    later = preview_report(session_of(cohort), read_report(text))
    assert _line(later, "Kwame Mensah").reasons == ["remembered mapping “KM iPhone”"]
    renamed = text.replace('"Amina Diallo","amina.diallo@example.org"', '"Amina Diallo (Ministry)",""')
    assert _line(preview_report(session_of(cohort), read_report(renamed)), "Amina Diallo").reasons == [
        "name “Amina Diallo (Ministry)” = “Amina Diallo”"]


# ---- the command -----------------------------------------------------------------------------

def _import(runner, path, session="1", *flags):
    return runner.invoke(args=["lms", "import-attendance", "itu-dpg-oss-2024", session, str(path), *flags])


def test_cli_reads_utf16_with_tabs_and_says_how_and_why(runner, ctx):
    cohort = itu_cohort()
    result = _import(runner, DATA / "zoom-participants-session1-utf16le.csv")
    assert result.exit_code == 0, result.output
    assert ("Read zoom-participants-session1-utf16le.csv: UTF-16 LE with BOM, tab-separated, dates read as "
            "month/day/year.") in result.output
    assert "[e-mail amina.diallo@example.org]" in result.output
    assert "[name “Kwame Mensah” = “Kwame Mensah”]" in result.output
    assert statuses(session_of(cohort)) == DOCUMENTED


def test_cli_says_which_date_order_it_chose(runner, ctx):
    cohort = itu_cohort()
    result = _import(runner, DATA / "zoom-participants-session2-day-first.csv", "2")
    assert result.exit_code == 0, result.output
    assert ("Note: The dates in this report can be read as 11 Jan 2024 (month/day/year) or as 01 Nov 2024"
            in result.output)
    assert ("Read zoom-participants-session2-day-first.csv: UTF-8 with BOM, comma-separated, dates read as "
            "day/month/year.") in result.output
    assert statuses(session_of(cohort, 2)) == DOCUMENTED
    refused = _import(runner, DATA / "zoom-participants-session2-day-first.csv", "1")
    assert refused.exit_code == 1 and "neither is session 1's date" in refused.output
    assert statuses(session_of(cohort, 1)) == {}


def test_cli_refuses_another_date_unless_told(runner, ctx, tmp_path):
    cohort = itu_cohort()
    path = DATA / "zoom-participants-session1.csv"
    refused = _import(runner, path, "2")
    assert refused.exit_code == 1
    assert refused.output.strip().splitlines() == [
        "Error: This report is from 30 Oct 2024, but session 2 was on 01 Nov 2024 (Europe/Zurich). Nothing was "
        "imported: check that you chose the right session and time zone, or confirm that the report is from another "
        "day. If it is the right report, run again with --other-date."]
    assert statuses(session_of(cohort, 2)) == {}
    confirmed = _import(runner, path, "2", "--other-date")
    assert confirmed.exit_code == 0, confirmed.output
    assert "Imported as you confirmed" in confirmed.output and "Saved: 7 record(s) changed." in confirmed.output


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty"),
    (bytes(range(256)) * 8, "the file is not text"),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "it looks like a spreadsheet"),
    (b"Participant;Minutes\r\nAmina;120\r\n", "the columns are Participant, Minutes"),
    (HEADER.encode() + b'"A","a@x.org","soon","later"\n', "line 2: 'soon' is not a time"),
    (HEADER.encode() + b'"' + b"A" * 200_000 + b'","a@x.org","x","y"\n', "a field is longer than"),
])
def test_cli_failures_are_one_line_without_a_traceback(runner, ctx, tmp_path, content, message):
    cohort = itu_cohort()
    path = tmp_path / "participants.csv"
    path.write_bytes(content)
    result = _import(runner, path)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: participants.csv: ") and message in lines[0]
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert statuses(session_of(cohort)) == {}
