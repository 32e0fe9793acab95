"""A newcomer registers, logs out, logs back in and sees the home page, in Chromium."""
import re

from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import screenshot


def _emailed_link(app, address: str) -> str:
    """The path of the link in the newest e-mail to ``address`` (read from the outbox)."""
    import sqlalchemy as sa

    from lms.core.db import db
    from lms.notifications.models import OutboxMessage

    with app.app_context():
        body = db.session.execute(sa.select(OutboxMessage.body).where(OutboxMessage.recipient == address)
                                  .order_by(OutboxMessage.id.desc())).scalars().first()
    match = re.search(r"https?://[^/\s]+(/register/\S+)", body or "")
    assert match, body
    return match.group(1)


def test_register_log_in_and_see_home(page, app):
    page.goto("/")
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Create an account").first.click()
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("E-mail").fill("lucia.fernandez@example.org")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_text("e-mailed that address a link")).to_be_visible()
    assert_accessible(page)

    page.goto(_emailed_link(app, "lucia.fernandez@example.org"))
    expect(page.get_by_text("lucia.fernandez@example.org")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Full name").fill("Lucía Fernández")
    page.get_by_label("Password", exact=True).fill("pampas wind at noon")
    page.get_by_label("Repeat the password").fill("pampas wind at noon")
    page.get_by_label("Country").select_option("AR")
    page.get_by_label("Organisation").fill("Secretaría de Innovación Pública")
    page.get_by_label("Time zone").select_option("America/Argentina/Buenos_Aires")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", name="Hello, Lucía Fernández")).to_be_visible()
    expect(page.get_by_text("You are not in any cohort yet.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "dashboard-after-register")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("E-mail").fill("lucia.fernandez@example.org")
    page.get_by_label("Password").fill("wrong password here")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("do not match an account")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Password").fill("pampas wind at noon")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Hello, Lucía Fernández")).to_be_visible()
    assert_accessible(page)


def test_skip_link_is_the_first_stop_and_focus_is_visible(page):
    page.goto("/login")
    assert_accessible(page)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to main content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    screenshot(page, "login-skip-link-focused")


def test_registration_preselects_the_browsers_time_zone(new_page, app):
    from lms.auth.services import make_registration_token

    with app.app_context():
        token = make_registration_token("rahul@example.org")
    page = new_page(timezone_id="Asia/Kolkata")
    page.goto(f"/register/{token}")
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Kolkata")
    assert_accessible(page)
