"""Every role's main pages pass axe-core (no serious or critical violation) at desktop width
and at 360 px, and the tables that scroll sideways on a phone can be reached by keyboard.

Each page is checked at both widths by resizing the loaded page (the markup is the same; only
the layout changes), which halves the page loads. The login page and the dashboard, which
every role passes through, are checked at both widths once (the visitor's and the
participant's tour) and at one width elsewhere.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from lms.auth.services import make_registration_token, make_reset_token
from tests.browser.axe import assert_accessible
from tests.browser.cohort_data import SLUG, load_cohort_data
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.conftest import PASSWORD

C = f"/cohorts/{SLUG}"
#: A Zoom participant report for session 4 (8 Nov 2024, 15:00 Europe/Zurich): one name
#: matched by e-mail, one by name, one that nobody is.
REPORT = (
    '"Name (Original Name)","User Email","Join Time","Leave Time","Duration (Minutes)","Guest"\n'
    '"Amina Diallo","amina.diallo@demo.example","11/08/2024 03:00:00 PM","11/08/2024 05:00:00 PM","120","No"\n'
    '"Rahul Mehta (Ministry of IT)","","11/08/2024 03:40:00 PM","11/08/2024 05:00:00 PM","80","No"\n'
    '"Unknown Caller","","11/08/2024 03:05:00 PM","11/08/2024 03:20:00 PM","15","Yes"\n'
)


@pytest.fixture
def data(ctx):
    return load_cohort_data()


def check_both_widths(page, shot: str | None = None) -> None:
    """axe at the current width, then at the other one (phone or desktop), without reloading;
    with ``shot``, a full-page screenshot at each width into test-artifacts/."""
    first = page.viewport_size
    assert_accessible(page)
    if shot:
        screenshot(page, f"{shot}-{first['width']}px")
    page.set_viewport_size(DESKTOP if first == PHONE else PHONE)
    assert_accessible(page)
    if shot:
        screenshot(page, f"{shot}-{page.viewport_size['width']}px")


def visit(page, path: str, shot: str | None = None) -> None:
    page.goto(path)
    check_both_widths(page, shot)


def log_in(page, email: str, both_widths: bool = False) -> None:
    check = check_both_widths if both_widths else assert_accessible
    page.goto("/login")
    check(page)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Hello", exact=False)).to_be_visible()
    check(page)


def assert_reachable_by_keyboard(page, region_name: str) -> None:
    """At phone width the table scrolls sideways; Tab reaches its region, which shows a focus
    outline, and the arrow keys scroll it."""
    page.set_viewport_size(PHONE)
    region = page.get_by_role("region", name=region_name)
    assert region.evaluate("el => el.scrollWidth > el.clientWidth"), f"{region_name} should scroll at 360 px"
    region.evaluate("el => { el.scrollLeft = 0; }")
    page.locator("h1").click()  # start tabbing from the top of the content
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == region_name:
            break
    else:
        pytest.fail(f"Tab never reached the scrolling region {region_name!r}")
    style = page.evaluate("(s => [s.outlineStyle, s.outlineWidth])(getComputedStyle(document.activeElement))")
    assert style == ["solid", "3px"], style
    page.keyboard.press("ArrowRight")
    expect(region).not_to_have_js_property("scrollLeft", 0)


def test_visitor_pages(new_page, data):
    page = new_page(PHONE)
    for path in ["/", "/courses/", "/courses/itu-dpg-oss", C, "/register", "/reset",
                 f"/reset/{make_reset_token(data.participant)}", f"/verify/{data.certificate_code}",
                 f"/verify/{data.revoked_code}", "/no/such/page", "/login"]:
        visit(page, path)
    page.get_by_label("E-mail").fill(data.participant.email)
    page.get_by_label("Password").fill("wrong password here")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("do not match an account")).to_be_visible()
    check_both_widths(page)
    visit(page, "/register")
    page.get_by_role("button", name="Send me a link").click()  # empty: the e-mail field's error
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    check_both_widths(page)
    visit(page, f"/register/{make_registration_token('new.person@example.org')}")
    page.get_by_role("button", name="Create account").click()  # empty: every field's error
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    check_both_widths(page)


def test_participant_pages(new_page, data):
    page = new_page(DESKTOP)
    log_in(page, data.participant.email, both_widths=True)
    for path in [C, f"{C}/sessions/1", f"{C}/my-grades", "/account", "/account/password", "/notifications",
                 "/account/calendar", f"{C}/gradebook"]:  # the last one: the 403 page
        visit(page, path)
    page.go_back()  # the calendar page again, to make the private address
    assert_accessible(page)
    page.get_by_role("button", name="Make my calendar address").click()
    expect(page.get_by_label("Your private address")).to_be_visible()
    check_both_widths(page)


def test_instructor_pages(new_page, data):
    page = new_page(PHONE)
    log_in(page, data.instructor.email)
    page.goto(C)
    assert_accessible(page)  # the visitor's and the participant's tours check it at both widths
    for path in [f"{C}/sessions/4", f"{C}/sessions/4/edit", f"{C}/sessions/4/materials/new", f"{C}/participation",
                 f"{C}/sessions/4/attendance"]:
        visit(page, path)
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance saved (")).to_be_visible()
    assert_accessible(page)
    visit(page, f"{C}/attendance", shot="attendance-overview")
    assert_reachable_by_keyboard(page, "Attendance overview")
    visit(page, f"{C}/gradebook", shot="gradebook")
    assert_reachable_by_keyboard(page, "Gradebook")
    visit(page, f"{C}/sessions/4/attendance/import")
    page.get_by_label("Report (CSV)").set_input_files(
        files=[{"name": "participants.csv", "mimeType": "text/csv", "buffer": REPORT.encode()}])
    page.get_by_role("button", name="Show what would change").click()
    expect(page.get_by_role("heading", name="Names not matched to a participant")).to_be_visible()
    check_both_widths(page)
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance imported for session 4")).to_be_visible()
    assert_accessible(page)


def test_coordinator_pages(new_page, data):
    page = new_page(DESKTOP)
    log_in(page, data.coordinator.email)
    for path in [f"{C}/people", f"{C}/certificates", f"{C}/finalise"]:
        visit(page, path)
    page.get_by_role("button", name="Finalise and issue").click()
    expect(page.get_by_text("Results frozen.")).to_be_visible()
    check_both_widths(page)  # the certificate list with codes, revoke forms and the reopen form
    visit(page, f"{C}/gradebook")  # frozen: every mark disabled
    visit(page, "/staff/jobs")  # the certificate notices wait in the outbox


def test_a_violation_fails_with_its_rule_impact_help_and_elements(page):
    page.goto("/login")
    page.evaluate("""() => document.querySelector('main').insertAdjacentHTML('beforeend',
        '<button id="nameless"></button><img src="data:,"><img src="data:,">')""")
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    message = str(failure.value)
    assert "/login at 390 px" in message
    assert "- button-name (critical): Buttons must have discernible text" in message
    assert "\n    #nameless\n" in message
    assert "- image-alt (critical): Images must have alternative text" in message
    assert message.count("\n    img:nth-child(") == 2, message


def test_every_scrolling_table_wrapper_is_a_named_keyboard_region():
    """Also for pages the tours do not reach: axe's scrollable-region-focusable, by reading the templates."""
    templates = Path(__file__).resolve().parents[2] / "templates" / "lms"
    wrappers = [(path.relative_to(templates), tag) for path in sorted(templates.rglob("*.html"))
                for tag in re.findall(r"<div[^>]*\btable-wrap\b[^>]*>", path.read_text(encoding="utf-8"))]
    assert len(wrappers) >= 10
    bad = [(str(path), tag) for path, tag in wrappers
           if not ('role="region"' in tag and 'tabindex="0"' in tag and re.search(r'aria-label(ledby)?="[^"]+"', tag))]
    assert not bad, f'each .table-wrap needs role="region", tabindex="0" and aria-label(ledby): {bad}'
