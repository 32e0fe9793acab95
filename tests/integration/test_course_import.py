"""``flask lms import-course``: whole-file checking, idempotent, updates what changed."""
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from lms.audit.models import AuditEvent
from lms.cohorts.models import Cohort
from lms.core.db import db
from lms.courses.models import Course
from lms.sessions.models import Material, Session

ITU = str(Path(__file__).resolve().parents[2] / "courses" / "itu-dpg-oss.toml")
ENABLER = str(Path(__file__).resolve().parents[2] / "courses" / "oss-ecosystem-enabler.toml")


def counts():
    return tuple(db.session.execute(sa.select(sa.func.count()).select_from(t)).scalar()
                 for t in (Course, Cohort, Session, Material))


def test_import_both_files_then_again_changes_nothing(runner, ctx):
    first = runner.invoke(args=["lms", "import-course", ITU])
    assert first.exit_code == 0, first.output
    assert "course itu-dpg-oss: created" in first.output
    if Path(ENABLER).exists():
        assert runner.invoke(args=["lms", "import-course", ENABLER]).exit_code == 0
    before = counts()
    snapshot = [(s.uid, s.sequence, s.starts_at) for s in db.session.execute(sa.select(Session)).scalars()]
    again = runner.invoke(args=["lms", "import-course", ITU])
    assert again.exit_code == 0 and "already up to date; nothing changed" in again.output
    assert counts() == before
    assert [(s.uid, s.sequence, s.starts_at) for s in db.session.execute(sa.select(Session)).scalars()] == snapshot


def test_the_itu_cohort_is_scheduled_in_utc(runner, ctx):
    runner.invoke(args=["lms", "import-course", ITU])
    cohort = db.session.execute(sa.select(Cohort).where(Cohort.slug == "itu-dpg-oss-2024")).scalar_one()
    assert cohort.capacity == 32 and cohort.timezone == "Europe/Zurich"
    first = next(s for s in cohort.sessions if s.number == 1)
    assert first.starts_at == datetime(2024, 10, 30, 14, 0, tzinfo=UTC)
    assert first.title == "Introduction to DPGs and OSS"
    assert {m.title for m in first.materials} == {"The Digital Public Goods Standard", "The Open Source Definition"}
    last = next(s for s in cohort.sessions if s.number == 5)
    assert (last.starts_at, last.duration_minutes) == (datetime(2024, 11, 22, 13, 0, tzinfo=UTC), 180)


def test_a_changed_file_updates_what_changed_and_keeps_calendar_uids(runner, ctx, tmp_path):
    runner.invoke(args=["lms", "import-course", ITU])
    session3 = db.session.execute(sa.select(Session).where(Session.number == 3)).scalar_one()
    uid, sequence = session3.uid, session3.sequence
    changed = Path(ITU).read_text().replace("2024-11-06T15:00:00", "2024-11-07T15:00:00").replace(
        "capacity = 32", "capacity = 30")
    path = tmp_path / "itu.toml"
    path.write_text(changed)
    result = runner.invoke(args=["lms", "import-course", str(path)])
    assert result.exit_code == 0, result.output
    assert "session 3: moved to 2024-11-07 14:00 UTC" in result.output
    assert "capacity changed" in result.output
    assert len([line for line in result.output.splitlines() if line.startswith("  - ")]) == 2
    db.session.expire_all()
    session3 = db.session.execute(sa.select(Session).where(Session.number == 3)).scalar_one()
    assert (session3.uid, session3.sequence) == (uid, sequence + 1)
    # The move is audited like one made in the browser, with no person (the command line).
    [moved] = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "session.move")).scalars().all()
    assert moved.actor_id is None and moved.object_id == str(session3.id)
    assert (moved.before["starts_at"], moved.after["starts_at"]) == ("2024-11-06T14:00:00+00:00",
                                                                     "2024-11-07T14:00:00+00:00")


def test_a_bad_file_changes_nothing_and_says_why(runner, ctx, tmp_path):
    runner.invoke(args=["lms", "import-course", ITU])
    before = counts()
    broken = Path(ITU).read_text().replace("capacity = 32", "capacity = 30").replace(
        "weight = 60", "weight = 50").replace('timezone = "Europe/Zurich"', 'timezone = "Central European Time"')
    path = tmp_path / "broken.toml"
    path.write_text(broken)
    result = runner.invoke(args=["lms", "import-course", str(path)])
    assert result.exit_code == 1
    assert "2 problem(s); nothing was imported" in result.output
    assert "weights must add up to 100, not 90" in result.output
    assert "cohorts[0].timezone" in result.output
    db.session.expire_all()
    assert counts() == before
    assert db.session.execute(sa.select(Cohort.capacity)).scalar() == 32


def test_dry_run_reports_and_writes_nothing(runner, ctx):
    result = runner.invoke(args=["lms", "import-course", "--dry-run", ITU])
    assert result.exit_code == 0 and "would change" in result.output
    assert counts() == (0, 0, 0, 0)


def test_materials_added_by_staff_survive_a_reimport(runner, ctx):
    from lms.sessions.models import MaterialKind

    runner.invoke(args=["lms", "import-course", ITU])
    session1 = db.session.execute(sa.select(Session).where(Session.number == 1)).scalar_one()
    db.session.add(Material(session=session1, title="Our slides", kind=MaterialKind.SLIDES,
                            url="https://example.org/s1.pdf", origin="staff"))
    db.session.commit()
    result = runner.invoke(args=["lms", "import-course", ITU])
    assert "nothing changed" in result.output
    assert db.session.execute(sa.select(sa.func.count(Material.id))).scalar() == 3
