"""An instructor reschedules a session; participants in two zones see the new time."""
from datetime import UTC, datetime

from playwright.sync_api import expect

from lms.cohorts.models import Role
from tests.browser.axe import assert_accessible
from tests.browser.conftest import DESKTOP, screenshot
from tests.conftest import PASSWORD, enrol, make_cohort, make_session, make_user


def _log_in(page, email):
    _open(page, "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Hello", exact=False)).to_be_visible()
    assert_accessible(page)


def _open(page, path):
    page.goto(path)
    assert_accessible(page)


def test_reschedule_and_see_the_new_time_in_two_zones(new_page, ctx):
    cohort = make_cohort(title="DPG and Open Source 2024")
    make_session(cohort, 1, title="Introduction to DPGs and OSS", starts_at=datetime(2024, 10, 30, 14, tzinfo=UTC))
    enrol(make_user("ines@example.org", "Ines Instructor", timezone="Europe/Zurich"), cohort, Role.INSTRUCTOR)
    enrol(make_user("rahul@example.org", "Rahul Mehta", timezone="Asia/Kolkata"), cohort, Role.PARTICIPANT)
    enrol(make_user("lucia@example.org", "Lucía Fernández", timezone="America/Argentina/Buenos_Aires"),
          cohort, Role.PARTICIPANT)

    instructor = new_page(DESKTOP)
    _log_in(instructor, "ines@example.org")
    _open(instructor, "/cohorts/itu-dpg-oss-2024")
    instructor.get_by_role("link", name="Edit or reschedule").click()
    expect(instructor.get_by_label("Date")).to_be_visible()
    assert_accessible(instructor)
    instructor.get_by_label("Date").fill("2024-10-31")
    instructor.get_by_label("Starts at").fill("16:00")
    instructor.get_by_label("Ends at").fill("18:00")
    instructor.get_by_role("button", name="Save session").click()
    expect(instructor.get_by_text("Session 1 rescheduled.")).to_be_visible()
    expect(instructor.get_by_text("Thu 31 Oct 2024, 16:00–18:00")).to_be_visible()
    assert_accessible(instructor)
    screenshot(instructor, "reschedule-instructor-zurich")

    rahul = new_page()
    _log_in(rahul, "rahul@example.org")
    _open(rahul, "/cohorts/itu-dpg-oss-2024")
    expect(rahul.get_by_text("Thu 31 Oct 2024, 20:30–22:30")).to_be_visible()
    expect(rahul.get_by_text("Thu 31 Oct 2024, 16:00–18:00 (Europe/Zurich)")).to_be_visible()
    screenshot(rahul, "reschedule-participant-kolkata")

    lucia = new_page(DESKTOP)
    _log_in(lucia, "lucia@example.org")
    _open(lucia, "/cohorts/itu-dpg-oss-2024")
    expect(lucia.get_by_text("Thu 31 Oct 2024, 12:00–14:00")).to_be_visible()
    expect(lucia.get_by_role("link", name="Edit or reschedule")).to_have_count(0)
