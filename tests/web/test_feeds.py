"""iCalendar feeds, read back with a real iCalendar parser."""
from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from lms.auth.models import User
from lms.cohorts.models import Role
from lms.core.db import db
from tests.conftest import enrol, login, make_cohort, make_session, make_user, post_form

C = "/cohorts/itu-dpg-oss-2024"


def _events(body: bytes):
    calendar = Calendar.from_ical(body)
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    return {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}


def test_cohort_feed_is_valid_utc_and_has_no_join_links(client, ctx):
    cohort = make_cohort()
    make_session(cohort, 1, title="Introduction", starts_at=datetime(2024, 10, 30, 14, tzinfo=UTC),
                 join_url="https://zoom.example/j/secret")
    response = client.get(f"{C}/calendar.ics")
    assert response.mimetype == "text/calendar"
    assert b"\r\n" in response.data  # RFC 5545 line ends
    events = _events(response.data)
    event = events[f"{cohort.title} — Session 1: Introduction"]
    assert event.decoded("DTSTART") == datetime(2024, 10, 30, 14, tzinfo=UTC)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=2)
    assert event["UID"] and event["DTSTAMP"] and int(event["SEQUENCE"]) == 0
    assert b"secret" not in response.data


def test_a_moved_session_keeps_its_uid_with_a_higher_sequence(client, ctx):
    cohort = make_cohort()
    make_session(cohort, 1)
    instructor = make_user("ines@example.org", "Ines")
    enrol(instructor, cohort, Role.INSTRUCTOR)
    before = next(iter(_events(client.get(f"{C}/calendar.ics").data).values()))
    login(client, "ines@example.org")
    post_form(client, f"{C}/sessions/1/edit", {"title": "Session 1", "day": "2024-10-31", "start": "15:00",
                                               "end": "17:00", "zone": "Europe/Zurich", "join_url": "", "topics": ""})
    after = next(iter(_events(client.get(f"{C}/calendar.ics").data).values()))
    assert after["UID"] == before["UID"]
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after.decoded("DTSTART") == datetime(2024, 10, 31, 14, tzinfo=UTC)
    post_form(client, f"{C}/sessions/1/cancel", {}, token_from=C)
    cancelled = next(iter(_events(client.get(f"{C}/calendar.ics").data).values()))
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) == 2


def test_personal_feed_has_all_my_cohorts_with_join_links_and_can_be_revoked(client, ctx):
    first, second = make_cohort(), make_cohort("second-cohort")
    make_session(first, 1, join_url="https://zoom.example/j/first")
    make_session(second, 1, starts_at=datetime(2025, 1, 10, 9, tzinfo=UTC))
    make_session(make_cohort("not-mine"), 1)
    pat = make_user("pat@example.org")
    enrol(pat, first, Role.PARTICIPANT)
    enrol(pat, second, Role.INSTRUCTOR)
    login(client, "pat@example.org")
    first_look = client.get("/account/calendar").get_data(as_text=True)
    assert "Make my calendar address" in first_look and 'id="feed-url"' not in first_look
    assert db.session.get(User, pat.id).calendar_token is None  # a GET changes nothing
    post_form(client, "/account/calendar", {})
    page = client.get("/account/calendar").get_data(as_text=True)
    url = page.split('id="feed-url" type="text" readonly value="')[1].split('"')[0]
    assert url.startswith("http://127.0.0.1:5000/calendar/")  # LMS_BASE_URL, not the request's host
    path = url.removeprefix("http://127.0.0.1:5000")
    anonymous = client.application.test_client()
    response = anonymous.get(path)
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    events = _events(response.data)
    assert len(events) == 2
    assert b"https://zoom.example/j/first" in response.data
    token = path.split("/calendar/")[1].removesuffix(".ics")
    assert len(token) >= 43  # 256 bits, URL-safe
    post_form(client, "/account/calendar", {})
    assert anonymous.get(path).status_code == 404
    assert client.get("/account/calendar").get_data(as_text=True).count(token) == 0


def test_personal_feed_guessing_is_throttled(client, ctx):
    statuses = {client.get(f"/calendar/guess{i}.ics").status_code for i in range(65)}
    assert statuses == {404, 429}
