"""The cohort schedule in each viewer's zone, and scheduling sessions in the browser."""
from datetime import UTC, datetime

import sqlalchemy as sa

from lms.cohorts.models import Role
from lms.core.db import db
from lms.sessions.models import Session, SessionStatus
from tests.conftest import enrol, login, make_cohort, make_session, make_user, post_form

C = "/cohorts/itu-dpg-oss-2024"
FORM = {"title": "Introduction", "day": "2024-10-30", "start": "15:00", "end": "17:00", "zone": "Europe/Zurich",
        "join_url": "https://zoom.example/j/123", "topics": "Welcome\nDefinitions"}


def _staff(ctx_world=None):
    cohort = make_cohort()
    instructor = make_user("ines@example.org", "Ines Instructor")
    enrol(instructor, cohort, Role.INSTRUCTOR)
    return cohort


def test_schedule_shows_each_viewer_their_own_zone_with_the_cohorts_beside(client, ctx):
    cohort = make_cohort()
    make_session(cohort, 1, title="Introduction to DPGs and OSS", starts_at=datetime(2024, 10, 30, 14, tzinfo=UTC))
    rahul = make_user("rahul@example.org", "Rahul Mehta", timezone="Asia/Kolkata")
    enrol(rahul, cohort, Role.PARTICIPANT)
    login(client, "rahul@example.org")
    page = client.get(C).get_data(as_text=True)
    assert "Wed 30 Oct 2024, 19:30–21:30" in page and "Asia/Kolkata" in page
    assert "Wed 30 Oct 2024, 15:00–17:00" in page and "(Europe/Zurich)" in page
    assert '<time datetime="2024-10-30T14:00Z">' in page


def test_visitors_see_the_cohort_zone_and_no_join_link(client, ctx):
    cohort = make_cohort()
    make_session(cohort, 1, join_url="https://zoom.example/j/secret")
    page = client.get(C).get_data(as_text=True)
    assert "the cohort's time zone, <strong>Europe/Zurich</strong>" in page
    session_page = client.get(f"{C}/sessions/1").get_data(as_text=True)
    assert "zoom.example/j/secret" not in session_page
    member = make_user("pat@example.org")
    enrol(member, cohort, Role.PARTICIPANT)
    login(client, "pat@example.org")
    assert "https://zoom.example/j/secret" in client.get(f"{C}/sessions/1").get_data(as_text=True)


def test_instructor_schedules_a_session_in_the_cohort_zone(client, ctx):
    _staff()
    login(client, "ines@example.org")
    response = post_form(client, f"{C}/sessions/new", FORM)
    assert response.status_code == 302, response.get_data(as_text=True)
    session = db.session.execute(sa.select(Session)).scalar_one()
    assert (session.number, session.starts_at, session.duration_minutes) == (
        1, datetime(2024, 10, 30, 14, tzinfo=UTC), 120)
    assert session.topics == ["Welcome", "Definitions"] and session.sequence == 0


def test_times_typed_in_another_zone_are_converted(client, ctx):
    _staff()
    login(client, "ines@example.org")
    post_form(client, f"{C}/sessions/new", {**FORM, "start": "19:30", "end": "21:30", "zone": "Asia/Kolkata"})
    assert db.session.execute(sa.select(Session.starts_at)).scalar_one() == datetime(2024, 10, 30, 14, tzinfo=UTC)


def test_bad_sessions_are_refused_with_reasons_and_nothing_is_lost(client, ctx):
    cohort = _staff()
    make_session(cohort, 1, starts_at=datetime(2024, 10, 30, 14, tzinfo=UTC))
    login(client, "ines@example.org")
    cases = [
        ({"end": "14:00"}, "The end must be after the start."),
        ({"join_url": "http://zoom.example/j/1"}, "must be an https:// address"),
        ({"start": "16:00", "end": "18:00"}, "overlaps session 1"),
        ({"day": "2024-03-31", "start": "02:30", "end": "04:00"}, "does not exist in Europe/Zurich"),
        ({"day": "30/10/2024"}, "Not a valid date value"),
        ({"day": "2024-10-27", "start": "02:30", "end": "02:45"}, "Give the times in UTC instead"),
    ]
    for change, message in cases:
        page = post_form(client, f"{C}/sessions/new", {**FORM, **change, "title": "Kept title"})
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and message in text, (change, message)
        assert 'value="Kept title"' in text
    assert db.session.execute(sa.select(sa.func.count(Session.id))).scalar() == 1


def test_rescheduling_keeps_the_uid_and_raises_the_sequence(client, ctx):
    cohort = _staff()
    session = make_session(cohort, 1, starts_at=datetime(2024, 10, 30, 14, tzinfo=UTC))
    uid = session.uid
    login(client, "ines@example.org")
    edit_page = client.get(f"{C}/sessions/1/edit").get_data(as_text=True)
    assert 'value="2024-10-30"' in edit_page and 'value="15:00"' in edit_page  # shown in the cohort's zone
    response = post_form(client, f"{C}/sessions/1/edit", {**FORM, "day": "2024-10-31", "start": "16:00",
                                                          "end": "18:00"})
    assert response.status_code == 302
    flash = client.get(C).get_data(as_text=True)
    assert "Session 1 rescheduled." in flash
    session = db.session.get(Session, session.id)
    assert (session.uid, session.sequence) == (uid, 1)
    assert session.starts_at == datetime(2024, 10, 31, 15, tzinfo=UTC)


def test_cancel_and_restore(client, ctx):
    cohort = _staff()
    session = make_session(cohort, 1)
    login(client, "ines@example.org")
    post_form(client, f"{C}/sessions/1/cancel", {}, token_from=C)
    session = db.session.get(Session, session.id)
    assert session.status == SessionStatus.CANCELLED and session.sequence == 1
    assert "Cancelled" in client.get(C).get_data(as_text=True)
    post_form(client, f"{C}/sessions/1/restore", {}, token_from=C)
    session = db.session.get(Session, session.id)
    assert session.status == SessionStatus.SCHEDULED and session.sequence == 2


def test_catalogue_and_course_page_from_the_course_file(client, runner, ctx):
    from pathlib import Path

    itu = Path(__file__).resolve().parents[2] / "courses" / "itu-dpg-oss.toml"
    assert runner.invoke(args=["lms", "import-course", str(itu)]).exit_code == 0
    catalogue = client.get("/courses/").get_data(as_text=True)
    assert "Digital Public Goods and Open Source" in catalogue
    course = client.get("/courses/itu-dpg-oss").get_data(as_text=True)
    assert "strictly above 80 %" in course
    assert "submission 40, good 50, excellent 60" in course
    assert "Wrapping It Up" in course and "Grasp the relationship and synergies between DPGs and OSS" in course
    cohort = client.get(C).get_data(as_text=True)
    assert cohort.count('class="session') == 5


def test_empty_catalogue_explains_how_to_add_courses(client):
    assert "import-course" in client.get("/courses/").get_data(as_text=True)


def test_the_cohort_page_reads_session_times_right_whatever_the_database_connections_zone(ctx):
    """The cohort page reads its schedule as a JSON array the database writes: PostgreSQL
    writes each moment with the connection's offset (``+05:30`` here), SQLite as naive UTC
    text. Both come back as the same UTC moment, in start order, cancelled ones marked."""
    from lms.cohorts.services import cohort_page

    cohort = make_cohort()
    make_session(cohort, 2, starts_at=datetime(2024, 11, 6, 14, 0, tzinfo=UTC), title="Политика и «право»")
    make_session(cohort, 1, starts_at=datetime(2024, 10, 30, 14, 0, 30, 250000, tzinfo=UTC), title="导论")
    db.session.execute(sa.update(Session).where(Session.number == 2).values(status=SessionStatus.CANCELLED))
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("SET TIME ZONE 'Asia/Kolkata'"))  # undone by the rollback below
    page = cohort_page("itu-dpg-oss-2024")
    db.session.rollback()
    assert [(s.number, s.title, s.starts_at, s.is_cancelled) for s in page.sessions] == [
        (1, "导论", datetime(2024, 10, 30, 14, 0, 30, 250000, tzinfo=UTC), False),
        (2, "Политика и «право»", datetime(2024, 11, 6, 14, 0, tzinfo=UTC), True)]
    assert all(s.starts_at.utcoffset().total_seconds() == 0 for s in page.sessions)
