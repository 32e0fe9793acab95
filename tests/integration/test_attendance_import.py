"""Importing meeting reports: rejoins, overlaps, guests, name-only matches, wrong columns,
wrong dates, remembered mappings; and the attendance policy's points."""
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.attendance.marks import overview
from lms.attendance.models import AttendanceRecord, AttendanceStatus, NameMapping
from lms.attendance.report import read_report
from lms.attendance.services import RollCallEntry, apply_preview, preview_report, save_roll_call
from lms.cohorts.models import Role
from lms.core.db import db
from lms.core.errors import NeedsConfirmationError
from lms.courses.loader import load_course_file
from lms.courses.services import import_course
from lms.sessions.models import Session
from tests.conftest import enrol, make_user

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
PEOPLE = [("Amina Diallo", "amina.diallo@example.org"), ("Rahul Mehta", "rahul.mehta@example.org"),
          ("Lucía Fernández", "lucia.fernandez@example.org"), ("Kwame Mensah", "kwame@example.org"),
          ("Nguyen Thi Lan", "lan.nguyen@example.org"), ("Otieno Wafula", "otieno.wafula@example.org"),
          ("Grace Namukasa", "grace@example.org")]


def itu_cohort():
    import_course(load_course_file(ROOT / "courses" / "itu-dpg-oss.toml"))
    db.session.commit()
    from lms.cohorts.services import get_cohort

    cohort = get_cohort("itu-dpg-oss-2024")
    for name, email in PEOPLE:
        enrol(make_user(email, name), cohort, Role.PARTICIPANT)
    enrol(make_user("academy-host@example.org", "Zoom Host"), cohort, Role.INSTRUCTOR)
    return cohort


def session_of(cohort, number=1) -> Session:
    return db.session.execute(sa.select(Session).where(Session.cohort_id == cohort.id,
                                                       Session.number == number)).scalar_one()


def statuses(session):
    rows = db.session.execute(sa.select(AttendanceRecord).where(AttendanceRecord.session_id == session.id)).scalars()
    return {r.user.name: (r.status.value, r.minutes) for r in rows}


def test_the_fixture_report_gives_the_documented_statuses(ctx):
    cohort = itu_cohort()
    session = session_of(cohort)
    report = read_report((DATA / "zoom-participants-session1.csv").read_text(encoding="utf-8"))
    preview = preview_report(session, report)
    assert preview.warnings == [] and preview.staff == ["Zoom Host"] and preview.unmatched == []
    apply_preview(preview, None)
    db.session.commit()
    assert statuses(session) == {
        "Amina Diallo": ("present", 120), "Rahul Mehta": ("present", 113), "Lucía Fernández": ("present", 120),
        "Kwame Mensah": ("present", 115), "Nguyen Thi Lan": ("late", 40), "Otieno Wafula": ("absent", 15),
        "Grace Namukasa": ("absent", 0),
    }
    matched = {line.user.name: line.matched_by for line in preview.lines}
    assert matched["Kwame Mensah"] == "name" and matched["Amina Diallo"] == "e-mail"


def test_importing_twice_changes_nothing_and_excused_stays(ctx):
    cohort = itu_cohort()
    session = session_of(cohort)
    from lms.auth.models import User

    grace = db.session.execute(sa.select(User).where(User.email == "grace@example.org")).scalar_one()
    otieno = db.session.execute(sa.select(User).where(User.email == "otieno.wafula@example.org")).scalar_one()
    save_roll_call(session, [RollCallEntry(grace.id, AttendanceStatus.EXCUSED, None, "Ministry meeting"),
                             RollCallEntry(otieno.id, AttendanceStatus.EXCUSED)], grace)
    db.session.commit()
    report = read_report((DATA / "zoom-participants-session1-plain.csv").read_text(encoding="utf-8"))
    apply_preview(preview_report(session, report), None)
    db.session.commit()
    assert statuses(session)["Grace Namukasa"][0] == "excused"
    assert statuses(session)["Otieno Wafula"] == ("excused", 15)
    second = preview_report(session, report)
    assert second.change_count == 0 and apply_preview(second, None) == 0


def test_unmatched_names_are_mapped_and_remembered(ctx):
    cohort = itu_cohort()
    text = (DATA / "zoom-participants-session1-plain.csv").read_text(encoding="utf-8").replace(
        '"Kwame Mensah"', '"KM iPhone"')
    session = session_of(cohort)
    preview = preview_report(session, read_report(text))
    assert [(u.name, u.minutes) for u in preview.unmatched] == [("KM iPhone", 115)]
    from lms.auth.models import User

    kwame = db.session.execute(sa.select(User).where(User.name == "Kwame Mensah")).scalar_one()
    mapping = {"km iphone": kwame.id}
    mapped = preview_report(session, read_report(text), mappings=mapping)
    apply_preview(mapped, None, mapping)
    db.session.commit()
    assert statuses(session)["Kwame Mensah"] == ("present", 115)
    assert db.session.execute(sa.select(NameMapping.normalised_name)).scalar_one() == "km iphone"
    # Session 2: the same device name is matched by the remembered mapping.
    session2 = session_of(cohort, 2)
    text2 = text.replace("10/30/2024", "11/01/2024")
    later = preview_report(session2, read_report(text2))
    assert later.unmatched == []
    assert next(line for line in later.lines if line.user.id == kwame.id).matched_by == "mapping"


def test_a_report_for_the_wrong_date_is_refused_unless_confirmed(ctx):
    cohort = itu_cohort()
    text = (DATA / "zoom-participants-session1.csv").read_text(encoding="utf-8")
    with pytest.raises(NeedsConfirmationError) as refused:
        preview_report(session_of(cohort, 2), read_report(text))
    assert "from 30 Oct 2024, but session 2 was on 01 Nov 2024 (Europe/Zurich). Nothing was imported" in str(
        refused.value)
    preview = preview_report(session_of(cohort, 2), read_report(text), other_date=True)
    assert len(preview.warnings) == 1
    assert "from 30 Oct 2024, but session 2 was on 01 Nov 2024" in preview.warnings[0]
    assert "Imported as you confirmed" in preview.warnings[0]
    assert all(line.status == "absent" for line in preview.lines)


def test_a_report_read_in_the_wrong_zone_is_warned(ctx):
    cohort = itu_cohort()
    text = (DATA / "zoom-participants-session1.csv").read_text(encoding="utf-8")
    preview = preview_report(session_of(cohort), read_report(text), zone="America/New_York")
    assert any("Check the time zone" in w for w in preview.warnings)


def test_attendance_points_follow_the_course_policy(ctx):
    cohort = itu_cohort()
    sessions = [session_of(cohort, n) for n in range(1, 6)]
    from lms.auth.models import User

    amina = db.session.execute(sa.select(User).where(User.email == "amina.diallo@example.org")).scalar_one()
    for session, status in zip(sessions, ["present", "present", "late", "absent", "excused"], strict=True):
        save_roll_call(session, [RollCallEntry(amina.id, AttendanceStatus(status))], amina)
    db.session.commit()
    row = next(r for r in overview(cohort).rows if r.user.id == amina.id)
    # pro rata, late counts fully (ITU file): 3 of 4 counted sessions of 15 points.
    assert row.attendance_points == Fraction(45, 4)
    assert row.statuses == ["present", "present", "late", "absent", "excused"]
    assert (row.attended, row.counted) == (3, 4)
    cohort.course.attendance_policy = {**cohort.course.attendance_policy, "policy": "all_or_nothing"}
    db.session.commit()
    assert next(r for r in overview(cohort).rows if r.user.id == amina.id).attendance_points == 0


def test_cli_import_dry_run_then_save(runner, ctx, tmp_path):
    cohort = itu_cohort()
    path = DATA / "zoom-participants-session1.csv"
    dry = runner.invoke(args=["lms", "import-attendance", "itu-dpg-oss-2024", "1", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Nguyen Thi Lan" in dry.output and "— → late" in dry.output and "nothing written" in dry.output
    assert statuses(session_of(cohort)) == {}
    saved = runner.invoke(args=["lms", "import-attendance", "itu-dpg-oss-2024", "1", str(path)])
    assert "Saved: 7 record(s) changed." in saved.output
    assert "Staff, not counted: Zoom Host" in saved.output


def test_cli_wrong_columns_write_nothing(runner, ctx, tmp_path):
    cohort = itu_cohort()
    bad = tmp_path / "report.csv"
    bad.write_text("Participant,Minutes\nAmina Diallo,120\n")
    result = runner.invoke(args=["lms", "import-attendance", "itu-dpg-oss-2024", "1", str(bad)])
    assert result.exit_code == 1
    assert "expected Name (Original Name), User Email, Join Time, Leave Time" in result.output
    assert statuses(session_of(cohort)) == {}
    zone = runner.invoke(args=["lms", "import-attendance", "itu-dpg-oss-2024", "1", str(bad), "--tz", "CET+1"])
    assert zone.exit_code == 1 and "not a known time zone" in zone.output


def test_times_are_read_in_the_zone_given(ctx):
    cohort = itu_cohort()
    session = session_of(cohort)
    assert session.starts_at == datetime(2024, 10, 30, 14, tzinfo=UTC)
    text = (DATA / "zoom-participants-session1-plain.csv").read_text(encoding="utf-8")
    # Read as UTC, Amina's 14:56–17:02 is 15:56–18:02 in Zurich: 64 minutes of the 15:00–17:00 session.
    preview = preview_report(session, read_report(text), zone="UTC")
    amina = next(line for line in preview.lines if line.user.name == "Amina Diallo")
    assert amina.minutes == 120 - 56  # 14:56 UTC = 15:56 Zurich; until the 17:00 Zurich end
