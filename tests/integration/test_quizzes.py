"""Quizzes on both databases: exactly-once submission under concurrent requests, the
server's clock, auto-submission of abandoned attempts, versioned questions, the gradebook,
and the freeze of a finalised cohort."""
from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.audit.models import AuditEvent
from lms.cohorts.models import CohortStatus, Role
from lms.cohorts.services import get_cohort
from lms.core import time as lms_time
from lms.core.db import db
from lms.core.errors import CohortFinalisedError, ValidationError
from lms.courses.loader import load_course_file
from lms.courses.services import import_course
from lms.gradebook.services import gradebook, person_grades
from lms.quizzes import editing, services
from lms.quizzes.models import Answer, Attempt, Question, Quiz, QuizGrading
from tests.conftest import enrol, make_user

COURSE = Path(__file__).resolve().parents[2] / "courses" / "itu-dpg-oss.toml"
SLUG = "itu-dpg-oss-2024"
START = lms_time.utcnow().replace(microsecond=0)


@pytest.fixture
def quiz(ctx):
    lms_time.freeze(START)
    import_course(load_course_file(COURSE))
    db.session.commit()
    cohort = get_cohort(SLUG)
    for email, name in (("amina@example.org", "Amina Diallo"), ("ivan@example.org", "Иван Петров"),
                        ("wang@example.org", "王芳"), ("amit@example.org", "अमित कुमार"),
                        ("lan@example.org", "Nguyễn Thị Lan")):
        enrol(make_user(email, name), cohort, Role.PARTICIPANT)
    return db.session.execute(sa.select(Quiz).where(Quiz.cohort_id == cohort.id)).scalar_one()


def _user(email):
    from lms.auth.models import User
    return db.session.execute(sa.select(User).where(User.email == email)).scalar_one()


def _answer_all(attempt, right=True):
    answers = {}
    for question, _ in services.attempt_questions(attempt):
        pick = question.correct[0] if right else (question.correct[0] + 1) % len(question.choices)
        answers[question.id] = [str(pick)]
    return services.save_answers(attempt, answers)


def test_the_course_file_quiz_is_copied_to_each_cohort_once(quiz):
    assert quiz.title.startswith("Pre-class knowledge check")
    assert quiz.component_key == "knowledge_check" and quiz.grading == QuizGrading.COMPLETION
    assert quiz.time_limit_minutes == 20
    assert len(services.current_questions(quiz)) == 10
    report = import_course(load_course_file(COURSE))
    assert not report.changed
    assert db.session.scalar(sa.select(sa.func.count(Quiz.id))) == 1


def test_the_knowledge_check_reaches_the_gradebook_and_a_hand_mark_overrides(quiz):
    from lms.gradebook.services import set_mark

    cohort = get_cohort(SLUG)
    amina, ivan = _user("amina@example.org"), _user("ivan@example.org")
    attempt = services.start_attempt(quiz, amina)
    _answer_all(attempt, right=False)  # completion: a submitted attempt earns full marks however it scored
    services.submit_attempt(attempt, amina)
    db.session.commit()
    row = person_grades(cohort, amina)
    scores = {c.key: c.earned for c in row.result.components}
    assert scores["knowledge_check"] == 10 and "knowledge_check" in row.computed
    assert {c.key: c.earned for c in person_grades(cohort, ivan).result.components}["knowledge_check"] is None
    book = {r.user.email: r for r in gradebook(cohort).rows}
    assert {c.key: c.earned for c in book["amina@example.org"].result.components}["knowledge_check"] == 10
    # The score policy: share right × the component's maximum.
    quiz.grading = QuizGrading.SCORE
    db.session.commit()
    assert {c.key: c.earned for c in person_grades(cohort, amina).result.components}["knowledge_check"] == 0
    set_mark(cohort, amina, "knowledge_check", "7", None)
    db.session.commit()
    assert {c.key: c.earned for c in person_grades(cohort, amina).result.components}["knowledge_check"] == 7


def test_score_policy_counts_the_share_right(quiz):
    cohort = get_cohort(SLUG)
    quiz.grading = QuizGrading.SCORE
    wang = _user("wang@example.org")
    attempt = services.start_attempt(quiz, wang)
    questions = services.attempt_questions(attempt)
    services.save_answers(attempt, {q.id: [str(q.correct[0])] for q, _ in questions[:7]})
    services.submit_attempt(attempt, wang)
    db.session.commit()
    assert (attempt.score, attempt.max_score) == (Decimal("7.0000"), 10)
    assert {c.key: c.earned for c in person_grades(cohort, wang).result.components}["knowledge_check"] == 7


def _in_threads(app, work, count):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        with app.app_context():
            try:
                barrier.wait()
                results.append(work())
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported below
                db.session.rollback()
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_concurrent_double_submit_records_exactly_once(app, quiz):
    amit = _user("amit@example.org")
    attempt = services.start_attempt(quiz, amit)
    _answer_all(attempt)
    db.session.commit()
    attempt_id, user_id = attempt.id, amit.id

    def submit():
        from lms.auth.models import User
        return services.submit_attempt(db.session.get(Attempt, attempt_id), db.session.get(User, user_id)).now

    results, errors = _in_threads(app, submit, 6)
    assert not errors, errors
    assert sorted(results) == [False] * 5 + [True]
    db.session.expire_all()
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "quiz.attempt.submit")).all()
    assert len(events) == 1 and events[0].after["by"] == "participant"
    assert db.session.get(Attempt, attempt_id).score == Decimal("10.0000")


def test_saves_racing_a_submission_either_count_in_its_score_or_are_refused(app, quiz):
    """Saves lock the attempt's row, not the cohort's: a save racing the submission of the
    same attempt lands before it (and is scored) or is refused; none lands after the score."""
    lan = _user("lan@example.org")
    attempt = services.start_attempt(quiz, lan)
    questions = [q for q, _ in services.attempt_questions(attempt)]
    db.session.commit()
    attempt_id, user_id = attempt.id, lan.id
    work = [("submit", None)] + [("save", q) for q in questions[:7]]
    turn = iter(range(len(work)))
    lock = threading.Lock()

    def race():
        from lms.auth.models import User
        with lock:
            what, question = work[next(turn)]
        mine = db.session.get(Attempt, attempt_id)
        if what == "submit":
            return what, services.submit_attempt(mine, db.session.get(User, user_id)).now
        try:
            return what, services.save_answers(mine, {question.id: [str(question.correct[0])]}).saved
        except services.AttemptClosedError:
            return what, "refused"

    results, errors = _in_threads(app, race, len(work))
    assert not errors, errors
    assert ("submit", True) in results
    saved = sum(1 for what, said in results if what == "save" and said == 1)
    refused = sum(1 for what, said in results if what == "save" and said == "refused")
    assert saved + refused == 7
    db.session.expire_all()
    done = db.session.get(Attempt, attempt_id)
    stored = db.session.scalars(sa.select(Answer).where(Answer.attempt_id == attempt_id)).all()
    assert len(stored) == saved and all(a.saved_at <= done.submitted_at for a in stored)
    assert done.score == Decimal(saved)  # every stored answer is right, and every one was scored
    assert services._score(done, current=False, write=False)[0] == saved


def test_concurrent_starts_give_one_attempt(app, quiz):
    quiz_id, user_id = quiz.id, _user("lan@example.org").id
    db.session.commit()

    def start():
        from lms.auth.models import User
        return services.start_attempt(db.session.get(Quiz, quiz_id), db.session.get(User, user_id)).id

    results, errors = _in_threads(app, start, 4)
    assert not errors, errors
    assert len(set(results)) == 1
    assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 1


def test_an_answer_after_the_limit_is_refused_and_the_saved_answers_are_kept(quiz):
    ivan = _user("ivan@example.org")
    attempt = services.start_attempt(quiz, ivan)
    questions = services.attempt_questions(attempt)
    first = questions[0][0]
    services.save_answers(attempt, {first.id: [str(first.correct[0])]})
    db.session.commit()
    lms_time.freeze(START + timedelta(minutes=20, seconds=5))  # within the grace: still accepted
    services.save_answers(attempt, {questions[1][0].id: ["0"]})
    db.session.commit()
    lms_time.freeze(START + timedelta(minutes=20, seconds=11))
    with pytest.raises(services.TimeUpError, match="Time ran out"):
        services.save_answers(attempt, {first.id: ["3"]})
    db.session.rollback()
    kept = services.questions_and_answers(attempt)[1]
    assert kept[first.id].response == [first.correct[0]] and len(kept) == 2
    done = services.submit_attempt(attempt, ivan)
    db.session.commit()
    assert done.now and done.by_timer and attempt.submitted_by == "timer"


def test_an_abandoned_attempt_is_submitted_with_what_was_saved(quiz, runner):
    lan = _user("lan@example.org")
    attempt = services.start_attempt(quiz, lan)
    _answer_all(attempt)
    db.session.commit()
    assert services.submit_overdue() == 0  # time is not up yet
    lms_time.freeze(START + timedelta(minutes=21))
    result = runner.invoke(args=["lms", "submit-overdue"])
    assert result.exit_code == 0 and "1 overdue attempt(s) submitted." in result.output
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.submitted_by == "timer" and attempt.score == Decimal("10.0000")
    assert services.submit_overdue() == 0  # once


def test_editing_an_answered_question_makes_a_version_and_keeps_old_scores(quiz):
    cohort = get_cohort(SLUG)
    quiz.grading = QuizGrading.SCORE
    amina, wang = _user("amina@example.org"), _user("wang@example.org")
    before = services.start_attempt(quiz, amina)
    _answer_all(before)
    services.submit_attempt(before, amina)
    db.session.commit()
    slot1 = db.session.execute(sa.select(Question).where(Question.quiz_id == quiz.id, Question.slot == 1)).scalar_one()
    old_id, right = slot1.id, slot1.correct[0]
    edited = editing.save_question(quiz, 1, editing.QuestionDraft(
        "single", slot1.text, "\n".join(slot1.choices), str((right + 1) % 4 + 1)), None)
    db.session.commit()
    assert edited.id != old_id and edited.version == 2
    assert db.session.get(Question, old_id).retired_at is not None
    db.session.expire_all()
    assert db.session.get(Attempt, before.id).score == Decimal("10.0000")  # unchanged
    assert {c.key: c.earned for c in person_grades(cohort, amina).result.components}["knowledge_check"] == 10
    # A new attempt gets version 2.
    after = services.start_attempt(quiz, wang)
    assert edited.id in [q.id for q, _ in services.attempt_questions(after)]
    assert old_id not in [q.id for q, _ in services.attempt_questions(after)]
    # Regrading is explicit: a preview first, then an audited change.
    preview = services.regrade_preview(quiz)
    assert [(p.user_name, p.old, p.new) for p in preview] == [("Amina Diallo", Decimal("10.0000"),
                                                               Decimal("9.0000"))]
    assert db.session.get(Attempt, before.id).score == Decimal("10.0000")
    assert services.regrade(quiz, None) == 1
    db.session.commit()
    assert db.session.get(Attempt, before.id).score == Decimal("9.0000")
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "quiz.attempt.regrade")) == 1


def test_a_question_without_answers_is_edited_in_place(quiz):
    q = services.current_questions(quiz)[0]
    edited = editing.save_question(quiz, q.slot, editing.QuestionDraft(
        "multiple", "Which are open licences?", "MIT\nGPL-3.0\nProprietary EULA", "1, 2", partial_credit=True), None)
    assert edited.id == q.id and edited.version == 1 and edited.partial_credit
    with pytest.raises(ValidationError) as error:
        editing.save_question(quiz, None, editing.QuestionDraft("single", "", "only one", "5"), None)
    assert "Write the question." in error.value.problems and len(error.value.problems) == 3


def test_a_finalised_cohort_refuses_attempts_and_saves(quiz):
    amina = _user("amina@example.org")
    attempt = services.start_attempt(quiz, amina)
    db.session.commit()
    cohort = get_cohort(SLUG)
    cohort.status = CohortStatus.FINALISED
    db.session.commit()
    with pytest.raises(CohortFinalisedError):
        services.save_answers(attempt, {})
    db.session.rollback()
    with pytest.raises(CohortFinalisedError):
        services.start_attempt(quiz, _user("ivan@example.org"))
    db.session.rollback()
    lms_time.freeze(START + timedelta(hours=1))
    assert services.submit_overdue() == 0  # waits for the cohort to be reopened


def test_reopen_needs_a_reason_and_is_audited(quiz):
    wang = _user("wang@example.org")
    attempt = services.start_attempt(quiz, wang)
    services.submit_attempt(attempt, wang)
    with pytest.raises(ValidationError, match="Say why"):
        services.reopen_attempt(attempt, None, "  ")
    services.reopen_attempt(attempt, None, "Power cut in Hà Nội")
    db.session.commit()
    assert attempt.submitted_at is None and attempt.deadline_at == START + timedelta(minutes=20)
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "quiz.attempt.reopen")).one()
    assert event.after["reason"] == "Power cut in Hà Nội"


def test_attempts_are_limited(quiz):
    amit = _user("amit@example.org")
    services.submit_attempt(services.start_attempt(quiz, amit), amit)
    with pytest.raises(ValidationError, match="used all 1 attempt"):
        services.start_attempt(quiz, amit)


def test_every_answer_is_one_row(quiz):
    amina = _user("amina@example.org")
    attempt = services.start_attempt(quiz, amina)
    first = services.attempt_questions(attempt)[0][0]
    for pick in ("0", "1", "2"):
        services.save_answers(attempt, {first.id: [pick]})
    db.session.commit()
    assert db.session.scalars(sa.select(Answer.response)).all() == [[2]]


def test_item_analysis_counts_each_submitted_answer_once_and_names_the_most_chosen_wrong_one(quiz):
    """The database groups the answers; the figures are those of one answer per participant."""
    from lms.quizzes import analysis

    short = editing.save_question(quiz, None, editing.QuestionDraft(
        "short_answer", "Who keeps the Open Source Definition?", accepted="Open Source Initiative\nOSI"), None)
    db.session.commit()
    first, untouched = services.current_questions(quiz)[:2]
    right = first.correct[0]
    wrong, other = (right + 1) % len(first.choices), (right + 2) % len(first.choices)
    plan = {"amina@example.org": (right, "osi"), "ivan@example.org": (wrong, "Linux  Foundation"),
            "wang@example.org": (wrong, "linux foundation"), "amit@example.org": (other, "Free Software Foundation"),
            "lan@example.org": (None, None)}  # submitted without answering
    for email, (pick, text) in plan.items():
        person = _user(email)
        attempt = services.start_attempt(quiz, person)
        if pick is not None:
            services.save_answers(attempt, {first.id: [str(pick)], short.id: [text]})
        services.submit_attempt(attempt, person)
    late = make_user("rania@example.org", "رانيا حداد")
    enrol(late, get_cohort(SLUG), Role.PARTICIPANT)
    under_way = services.start_attempt(quiz, late)  # not submitted: counts for nothing
    services.save_answers(under_way, {first.id: [str(other)], short.id: ["Linux Foundation"]})
    db.session.commit()
    items = {item.question.id: item for item in analysis.item_analysis(quiz)}
    one = items[first.id]
    assert (one.answered, one.share_right, one.wrong_answer, one.wrong_count) == (
        4, Decimal("0.25"), first.choices[wrong], 2)
    two = items[short.id]
    assert (two.answered, two.share_right, two.wrong_answer, two.wrong_count) == (
        4, Decimal("0.25"), "linux foundation", 2)
    three = items[untouched.id]
    assert (three.answered, three.share_right, three.wrong_answer, three.wrong_count) == (0, None, None, 0)
