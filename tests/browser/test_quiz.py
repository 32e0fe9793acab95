"""Taking the knowledge check in a browser: with JavaScript (background saves that say
"Saved", a reload keeps every answer) and without our script ("Save and next", one question
per page)."""
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import expect

from lms.cohorts.models import Role
from lms.cohorts.services import get_cohort
from lms.core.db import db
from lms.courses.loader import load_course_file
from lms.courses.services import import_course
from lms.quizzes.models import Answer, Attempt, Quiz
from tests.browser.axe import assert_accessible
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_reschedule import _log_in, _open
from tests.conftest import enrol, make_user

COURSE = Path(__file__).resolve().parents[2] / "courses" / "itu-dpg-oss.toml"


def _world():
    import_course(load_course_file(COURSE))
    db.session.commit()
    cohort = get_cohort("itu-dpg-oss-2024")
    enrol(make_user("rahul@example.org", "Rahul Mehta", timezone="Asia/Kolkata"), cohort, Role.PARTICIPANT)
    enrol(make_user("lan@example.org", "Nguyễn Thị Lan", timezone="Asia/Ho_Chi_Minh"), cohort, Role.PARTICIPANT)
    return db.session.execute(sa.select(Quiz)).scalar_one()


def _start(page, quiz):
    _open(page, f"/cohorts/itu-dpg-oss-2024/quizzes/{quiz.id}")
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.get_by_text("Question 1 of 10")).to_be_visible()
    assert_accessible(page)


def test_with_javascript_every_answer_is_saved_in_the_background(new_page, ctx):
    quiz = _world()
    page = new_page(PHONE)
    _log_in(page, "rahul@example.org")
    _start(page, quiz)
    first = page.get_by_role("group", name="Question 1 of 10")
    first.get_by_label("It is released under an approved open licence").check()
    expect(page.locator("#save-status")).to_contain_text("Saved at")
    second = page.get_by_role("group", name="Question 2 of 10")
    second.get_by_label("Open data, open AI models, open standards and open content").check()
    expect(page.locator("#save-status")).to_contain_text("Saved at")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1  # readable at 360 px
    screenshot(page, "quiz-javascript-phone")
    page.reload()  # a reload, or the connection dropping: nothing is lost
    assert_accessible(page)
    expect(page.get_by_role("group", name="Question 1 of 10")
           .get_by_label("It is released under an approved open licence")).to_be_checked()
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 2
    page.get_by_role("button", name="Submit the quiz").click()
    expect(page.get_by_text("Your answers are submitted.")).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_text("Score: 2.00 of 10", exact=False)).to_be_visible()


def test_without_javascript_save_and_next_one_question_per_page(new_page, ctx):
    quiz = _world()
    quiz.one_per_page = True
    db.session.commit()
    page = new_page(DESKTOP)
    # Without our script (as with JavaScript off, or the file never arriving); the axe checks
    # themselves need the browser's JavaScript, so it stays on and the quiz script is refused.
    page.route("**/quiz.js", lambda route: route.abort())
    _log_in(page, "lan@example.org")
    _start(page, quiz)
    page.get_by_role("group", name="Question 1 of 10").get_by_role("radio").first.check()
    page.get_by_role("button", name="Save and next").click()
    expect(page.get_by_text("Question 2 of 10")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("group", name="Question 2 of 10").get_by_role("radio").nth(1).check()
    page.get_by_role("button", name="Save and go back").click()  # the back button of the form
    expect(page.get_by_role("group", name="Question 1 of 10").get_by_role("radio").first).to_be_checked()
    assert_accessible(page)
    page.get_by_role("button", name="Save and go to question 10").click()
    expect(page.get_by_text("Question 10 of 10")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("group", name="Question 10 of 10").get_by_role("radio").first.check()
    page.get_by_role("button", name="Submit the quiz").click()
    expect(page.get_by_text("Your answers are submitted.")).to_be_visible()
    assert_accessible(page)
    db.session.expire_all()
    attempt = db.session.execute(sa.select(Attempt)).scalar_one()
    assert attempt.submitted_by == "participant" and attempt.max_score == 10
    assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 3
