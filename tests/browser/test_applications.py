"""Applying and selection in a browser: an applicant applies with a CV and a letter, two
reviewers score blind, the coordinator selects up to the capacity and is refused one more,
and a withdrawal offers the place to the first waitlisted applicant, who accepts it.

The cohort here has two places so the flow stays short; the 33rd refused at the ITU
capacity of 32 is proved in tests/integration/test_applications.py and, with concurrent
requests, in tests/integration/test_selection_race.py."""
from __future__ import annotations

from playwright.sync_api import expect

from lms.cohorts.models import Role
from tests.applying import PEOPLE, docx, open_cohort, pdf, submitted
from tests.browser.axe import assert_accessible
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_reschedule import _log_in, _open
from tests.conftest import enrol, make_user

C = "/cohorts/itu-dpg-oss-2024"
SCORE_KEYS = ("entry_requirements", "role_relevance", "digital_service", "motivation")


def _score(page, application_id, points):
    _open(page, f"{C}/applications/{application_id}")
    for key, value in zip(SCORE_KEYS, points, strict=True):
        page.locator(f"#score-{key}").fill(str(value))
    page.get_by_role("button", name="Save my scores").click()
    expect(page.get_by_text("Your scores for")).to_be_visible()
    assert_accessible(page)


def _decide(page, application_id, status):
    _open(page, f"{C}/applications/{application_id}")
    page.get_by_label("Decision").select_option(status)
    with page.expect_navigation():
        page.get_by_role("button", name="Save decision").click()
    assert_accessible(page)


def test_apply_review_blind_select_to_capacity_and_promote_from_the_waitlist(new_page, ctx):
    cohort = open_cohort(capacity=2, title="DPG and Open Source 2024")
    clara = make_user("clara@example.org", "Clara Coordinator", timezone="Europe/Zurich")
    ines = make_user("ines@example.org", "Инес Иванова", timezone="America/Sao_Paulo")
    enrol(clara, cohort, Role.COORDINATOR)
    enrol(ines, cohort, Role.INSTRUCTOR)
    others = {}
    for email, name, code, gender in PEOPLE[1:3]:
        others[email] = submitted(cohort, make_user(email, name, country=code, gender=gender)).id
    email, name, code, _gender = PEOPLE[0]
    make_user(email, name, timezone="Asia/Kolkata")

    # The applicant sees the window in her zone, applies, is told what is missing, then submits.
    amina = new_page(PHONE)
    _log_in(amina, email)
    _open(amina, C)
    expect(amina.get_by_text("(Asia/Kolkata)", exact=False).first).to_be_visible()
    amina.get_by_role("link", name="Apply").click()
    assert_accessible(amina)
    amina.get_by_label("Country you work in").select_option(code)
    amina.get_by_label("Gender (optional)").select_option("woman")
    amina.get_by_label("Your current position", exact=False).fill("مديرة الخدمات الرقمية")
    amina.get_by_role("button", name="Submit application").click()
    expect(amina.get_by_text("Attach your CV (PDF, DOCX or ODT).")).to_be_visible()
    expect(amina.get_by_label("Your current position", exact=False)).to_have_value("مديرة الخدمات الرقمية")
    assert_accessible(amina)
    for text in ("Do you work for the government of a developing country?",
                 "Is your English fluent enough to follow and take part in live discussions?"):
        amina.get_by_role("group", name=text).get_by_label("Yes").check()
    amina.get_by_role("group", name="Highest degree", exact=False).get_by_label("Master's degree").check()
    amina.get_by_role("group", name="Years of experience", exact=False).get_by_label("6 to 10").check()
    amina.get_by_label("Describe a digital service", exact=False).fill("بوابة الخدمات الحكومية")
    amina.get_by_label("What do you hope to apply", exact=False).fill("Open-source practice")
    amina.get_by_label("CV").set_input_files({"name": "سيرة.pdf", "mimeType": "application/pdf", "buffer": pdf()})
    amina.get_by_label("Recommendation letter", exact=False).set_input_files(
        {"name": "letter.docx", "mimeType": "application/octet-stream", "buffer": docx()})
    amina.get_by_role("button", name="Submit application").click()
    expect(amina.get_by_text("Your application is submitted.")).to_be_visible()
    expect(amina.locator("#application-status")).to_have_text("submitted")
    assert_accessible(amina)
    screenshot(amina, "application-submitted-360px")

    # Reviewers score blind: the instructor only once a coordinator makes her a reviewer.
    clara_page = new_page(DESKTOP)
    _log_in(clara_page, "clara@example.org")
    _open(clara_page, f"{C}/applications/settings")
    clara_page.get_by_role("button", name="Make a reviewer: Инес Иванова").click()
    expect(clara_page.get_by_text("Инес Иванова may now review applications.")).to_be_visible()
    assert_accessible(clara_page)
    _open(clara_page, f"{C}/applications")
    amina_row = clara_page.get_by_role("row").filter(has_text=name)
    expect(amina_row).to_contain_text("Egypt")
    amina_row.get_by_role("link", name=name).click()
    assert_accessible(clara_page)
    amina_id = int(clara_page.url.rstrip("/").rsplit("/", 1)[-1])
    expect(clara_page.get_by_role("link", name="Download the CV", exact=False)).to_be_visible()
    with clara_page.expect_download() as download:
        clara_page.get_by_role("link", name="Download the CV", exact=False).click()
    assert download.value.suggested_filename.endswith(".pdf")

    reviewer = new_page(DESKTOP)
    _log_in(reviewer, "ines@example.org")
    _open(reviewer, f"{C}/applications/{amina_id}")
    expect(reviewer.locator("#blind-note")).to_be_visible()
    _score(reviewer, amina_id, (5, 5, 4, 5))
    expect(reviewer.locator("#scores")).to_contain_text("Инес Иванова")
    expect(reviewer.locator("#scores")).not_to_contain_text("Clara")

    _score(clara_page, amina_id, (1, 1, 1, 1))
    expect(clara_page.locator("#scores")).to_contain_text("Инес Иванова")
    _open(clara_page, f"{C}/applications")
    expect(clara_page.get_by_role("row").filter(has_text=name)).to_contain_text("disagreement")
    screenshot(clara_page, "applications-review-table")

    # Select up to the capacity; one more is refused; the next goes on the waitlist.
    olga_id, wei_id = others.values()
    _decide(clara_page, amina_id, "selected")
    expect(clara_page.get_by_text("selected. An e-mail tells them.", exact=False)).to_be_visible()
    _decide(clara_page, olga_id, "selected")
    _decide(clara_page, wei_id, "selected")
    expect(clara_page.get_by_text("The cohort is full: all 2 places are taken.").first).to_be_visible()
    _decide(clara_page, wei_id, "waitlisted")
    _open(clara_page, f"{C}/applications")
    expect(clara_page.locator("#selection-figures")).to_contain_text("2 of 2 places")

    # The selected applicant gives up her place; the first waitlisted person is offered it.
    _open(amina, f"{C}/apply")
    amina.get_by_role("button", name="Withdraw my application and give up my place").click()
    expect(amina.locator("#application-status")).to_have_text("withdrawn")
    assert_accessible(amina)
    wei = new_page(PHONE)
    _log_in(wei, "wei@example.org")
    _open(wei, f"{C}/apply")
    expect(wei.get_by_role("heading", name="A place is offered to you")).to_be_visible()
    wei.get_by_role("button", name="Accept the place").click()
    expect(wei.get_by_text("You have accepted your place")).to_be_visible()
    expect(wei.locator("#application-status")).to_have_text("selected")
    assert_accessible(wei)
    _open(clara_page, f"{C}/applications?status=selected")
    expect(clara_page.locator("#applications tbody tr")).to_have_count(2)
    expect(clara_page.get_by_role("row").filter(has_text="王伟")).to_contain_text("selected")
