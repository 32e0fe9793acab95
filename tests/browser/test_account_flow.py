"""A newcomer registers, logs out, logs back in and sees the home page, in Chromium."""
import re

from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import screenshot


def test_register_log_in_and_see_home(page):
    page.goto("/")
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Create an account").first.click()
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Full name").fill("Lucía Fernández")
    page.get_by_label("E-mail").fill("lucia.fernandez@example.org")
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


def test_registration_preselects_the_browsers_time_zone(new_page):
    page = new_page(timezone_id="Asia/Kolkata")
    page.goto("/register")
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Kolkata")
    assert_accessible(page)
