"""Standings kept by the cohort's grades stamp (issue #15): My grades and the gradebook reuse
what they computed while nothing that feeds a grade was written, and never show a result
older than the last write, on both databases."""
from __future__ import annotations

import inspect
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.cohorts.models import Cohort, Role
from lms.cohorts.services import get_cohort
from lms.core import time as lms_time
from lms.core.db import db
from lms.courses.loader import load_course_file
from lms.courses.services import import_course
from lms.gradebook.services import gradebook, person_grades, set_mark
from lms.quizzes import services as quizzes
from tests.conftest import enrol, make_user

COURSE = Path(__file__).resolve().parents[2] / "courses" / "itu-dpg-oss.toml"
SLUG = "itu-dpg-oss-2024"
PEOPLE = {"amina@example.org": "Amina Diallo", "ivan@example.org": "Иван Петров", "wang@example.org": "王芳",
          "amit@example.org": "अमित कुमार", "lan@example.org": "Nguyễn Thị Lan", "rania@example.org": "رانيا حداد"}


@pytest.fixture
def cohort(ctx):
    import_course(load_course_file(COURSE))
    db.session.commit()
    cohort = get_cohort(SLUG)
    for email, name in PEOPLE.items():
        enrol(make_user(email, name), cohort, Role.PARTICIPANT)
    return cohort


def _user(email):
    from lms.auth.models import User
    return db.session.execute(sa.select(User).where(User.email == email)).scalar_one()


def _earned(row, key):
    return {c.key: c.earned for c in row.result.components}[key]


def _statements(call):
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        return call(), len(seen)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)


def _reread(cohort: Cohort) -> Cohort:
    """What the next page does: read the cohort row (and its stamp) again."""
    db.session.commit()
    db.session.expire_all()
    return get_cohort(cohort.slug)


def test_kept_standings_are_reused_until_a_write_renews_the_stamp(cohort):
    amina = _user("amina@example.org")
    first, computed = _statements(lambda: person_grades(cohort, amina, kept=True))
    again, reused = _statements(lambda: person_grades(cohort, amina, kept=True))
    assert computed > 0 and reused == 0 and again == first
    stamp = cohort.grades_stamp
    set_mark(cohort, amina, "final_project", "excellent", None)
    cohort = _reread(cohort)
    assert cohort.grades_stamp != stamp
    assert _earned(person_grades(cohort, amina, kept=True), "final_project") == 60
    book = {row.user.email: row for row in gradebook(cohort, kept=True).rows}
    assert _earned(book["amina@example.org"], "final_project") == 60
    set_mark(cohort, amina, "final_project", "", None)  # cleared again
    cohort = _reread(cohort)
    assert _earned(person_grades(cohort, amina, kept=True), "final_project") is None
    assert _earned({r.user.email: r for r in gradebook(cohort, kept=True).rows}["amina@example.org"],
                   "final_project") is None


def test_a_quiz_submission_reaches_kept_standings_and_a_save_does_not_renew_the_stamp(cohort):
    lms_time.freeze(lms_time.utcnow().replace(microsecond=0))
    wang = _user("wang@example.org")
    quiz = quizzes.quizzes_of(cohort)[0]
    quiz.opens_at, quiz.closes_at = lms_time.utcnow() - timedelta(days=1), lms_time.utcnow() + timedelta(days=1)
    cohort = _reread(cohort)
    assert _earned(person_grades(cohort, wang, kept=True), "knowledge_check") is None
    attempt = quizzes.start_attempt(quizzes.quizzes_of(cohort)[0], wang)
    cohort = _reread(cohort)
    stamp = cohort.grades_stamp
    question = quizzes.attempt_questions(attempt)[0][0]
    quizzes.save_answers(attempt, {question.id: ["0"]})  # feeds no grade until submitted
    cohort = _reread(cohort)
    assert cohort.grades_stamp == stamp
    quizzes.submit_attempt(attempt, wang)
    cohort = _reread(cohort)
    assert cohort.grades_stamp != stamp
    assert _earned(person_grades(cohort, wang, kept=True), "knowledge_check") == 10  # completion policy


def test_a_session_that_begins_changes_what_is_still_reachable_without_any_write(cohort):
    first = min(s.starts_at for s in cohort.sessions)
    lms_time.freeze(first - timedelta(hours=1))
    ivan = _user("ivan@example.org")
    before = person_grades(cohort, ivan, kept=True)
    lms_time.freeze(first + timedelta(hours=3))  # held, and nobody marked Ivan present
    after, statements = _statements(lambda: person_grades(cohort, ivan, kept=True))
    assert statements > 0, "recomputed: a session is no longer ahead"
    assert after == person_grades(cohort, ivan) and after.best < before.best


def test_a_participant_added_without_the_lock_is_still_listed(cohort):
    """A belt to the braces: were a participant ever added without taking the lock, the
    gradebook computes again rather than leave them out."""
    assert len(gradebook(cohort, kept=True).rows) == len(PEOPLE)
    enrol(make_user("new@example.org", "Новый Участник"), cohort, Role.PARTICIPANT)
    cohort = _reread(cohort)
    rows = gradebook(cohort, kept=True).rows
    assert len(rows) == len(PEOPLE) + 1 and "Новый Участник" in {r.user.name for r in rows}


def test_a_cohort_keeps_one_gradebook_however_often_it_is_graded(app, cohort):
    """Each write renews the stamp; the gradebook computed after it replaces the one before,
    so memory holds one gradebook per cohort (5,000 rows each), not one per change."""
    amina = _user("amina@example.org")
    app.extensions.pop("lms_kept_standings", None)  # what earlier tests kept (ids are reused)
    for points in ("5", "10", "15"):
        set_mark(cohort, amina, "final_project", "good" if points == "10" else "", None)
        set_mark(cohort, amina, "participation", points, None)
        cohort = _reread(cohort)
        book = {row.user.email: row for row in gradebook(cohort, kept=True).rows}
        assert _earned(book["amina@example.org"], "participation") == int(points)
        person_grades(cohort, amina, kept=True)
    mine = [key for key in app.extensions["lms_kept_standings"] if key[0] == cohort.id]
    assert sorted(mine, key=str) == sorted([(cohort.id, None), (cohort.id, amina.id)], key=str)


def test_only_the_quiz_answer_save_reads_the_freeze_without_taking_the_lock():
    """Every other writer takes the cohort's lock, which renews the stamp: a kept standing
    can never outlive a write that feeds a grade."""
    import lms

    root = Path(lms.__file__).parent
    unlocked = []
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "lock=False" in text:
            unlocked += [f"{path.relative_to(root)}: {line.strip()}" for line in text.splitlines()
                         if "ensure_open(" in line and "lock=False" in line]
    assert unlocked == ['quizzes/services.py: ensure_open(db.session.get(Cohort, cohort_id), "quiz attempts", '
                        'lock=False)']
    assert "ensure_open(" in inspect.getsource(quizzes.save_answers)
