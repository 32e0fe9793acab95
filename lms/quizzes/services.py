"""The rules of quizzes: who may start an attempt and when, saving answers (the server's
clock decides), submitting exactly once, the timer's auto-submission, scoring, reopening
and regrading. Every write that feeds a grade calls ``ensure_open`` and is audited."""
from __future__ import annotations

import functools
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.exc import IntegrityError

from lms.audit.services import record_event
from lms.auth.models import User
from lms.cohorts.models import Cohort, CohortStatus
from lms.cohorts.services import ensure_open
from lms.core.db import db, json_rows
from lms.core.errors import NotFoundError, ValidationError
from lms.core.time import utcnow
from lms.quizzes import scoring
from lms.quizzes.models import Answer, Attempt, Feedback, Question, Quiz, QuizGrading

#: Longest written answer kept (a reflection of a few pages).
MAX_ANSWER = 20_000


class TimeUpError(ValidationError):
    """An answer or a submission arrived after the attempt's time (plus the grace) ran out."""


class AttemptClosedError(ValidationError):
    """The attempt was already submitted; nothing more can be saved into it."""


def grace() -> timedelta:
    seconds = current_app.config.get("LMS_QUIZ_GRACE_SECONDS", 10) if has_app_context() else 10
    return timedelta(seconds=int(seconds))


def _dec(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.0001"))


# ---- looking things up --------------------------------------------------------------------

def quizzes_of(cohort: Cohort) -> list[Quiz]:
    return list(db.session.execute(sa.select(Quiz).where(Quiz.cohort_id == cohort.id)
                                   .order_by(Quiz.created_at, Quiz.id)).scalars())


def cohort_quizzes(slug: str, user_id: int) -> tuple[Cohort, list[Quiz], dict[int, list[Attempt]]] | None:
    """The cohort, its quizzes (oldest first) and the person's attempts at each, in one
    statement; None when there is no such cohort. (The cohort's course, which only staff
    pages use, is read if asked for.)"""
    rows = db.session.execute(_cohort_quizzes_statement(), {"slug": slug, "user_id": user_id}).all()
    if not rows:
        return None
    quizzes: dict[int, Quiz] = {}
    attempts: dict[int, list[Attempt]] = {}
    for _, quiz, attempt in rows:
        if quiz is not None:
            quizzes.setdefault(quiz.id, quiz)
            mine = attempts.setdefault(quiz.id, [])
            if attempt is not None:
                mine.append(attempt)
    return rows[0][0], list(quizzes.values()), attempts


@functools.cache
def _cohort_quizzes_statement() -> sa.Select[Any]:
    return (sa.select(Cohort, Quiz, Attempt).outerjoin(Quiz, Quiz.cohort_id == Cohort.id)
            .outerjoin(Attempt, sa.and_(Attempt.quiz_id == Quiz.id, Attempt.user_id == sa.bindparam("user_id")))
            .where(Cohort.slug == sa.bindparam("slug")).options(sa.orm.defer(Attempt.layout))
            .order_by(Quiz.created_at, Quiz.id, Attempt.number))


def quiz_in_cohort(slug: str, quiz_id: int) -> tuple[Cohort, Quiz] | None:
    """The cohort and one of its quizzes, in one statement; None when either is missing or
    the quiz is another cohort's. (The course is read if asked for, as above.)"""
    found = db.session.execute(_quiz_statement(False), {"slug": slug, "quiz_id": quiz_id}).one_or_none()
    return None if found is None else (found[0], found[1])


def quiz_page(slug: str, quiz_id: int, user_id: int) -> tuple[Cohort, Quiz, int, list[Attempt]] | None:
    """As ``quiz_in_cohort``, with how many questions a new attempt gets (counted by the
    database) and the person's attempts (as ``attempts_of``), in the same statement."""
    rows = db.session.execute(_quiz_statement(True), {"slug": slug, "quiz_id": quiz_id, "user_id": user_id}).all()
    if not rows:
        return None
    cohort, quiz, count, _ = rows[0]
    return cohort, quiz, count, [attempt for *_, attempt in rows if attempt is not None]


@functools.cache
def _quiz_statement(page: bool) -> sa.Select[Any]:
    columns: list[Any] = [Cohort, Quiz]
    if page:
        columns += [sa.select(sa.func.count(Question.id)).where(Question.quiz_id == Quiz.id,
                                                                Question.retired_at.is_(None))
                    .correlate(Quiz).scalar_subquery(), Attempt]
    query = (sa.select(*columns).join(Quiz, sa.and_(Quiz.cohort_id == Cohort.id, Quiz.id == sa.bindparam("quiz_id")))
             .where(Cohort.slug == sa.bindparam("slug")))
    if page:
        mine = sa.and_(Attempt.quiz_id == Quiz.id, Attempt.user_id == sa.bindparam("user_id"))
        query = query.outerjoin(Attempt, mine).options(sa.orm.defer(Attempt.layout)).order_by(Attempt.number)
    return query


def result_page(slug: str, quiz_id: int, attempt_id: int) -> ResultPage | None:
    """The cohort, the quiz, one of its attempts, the name of the person who made it and
    the attempt's questions with their answers (``ResultRow``), in one statement; None when
    any is missing or does not belong to the one before it."""
    found = db.session.execute(_result_page_statement(db.engine.dialect.name),
                               {"slug": slug, "quiz_id": quiz_id, "attempt_id": attempt_id}).one_or_none()
    if found is None:
        return None
    cohort, quiz, attempt, person, questions = found
    rows = _result_rows(attempt, json.loads(questions or "[]", parse_float=Decimal))
    return ResultPage(cohort, quiz, attempt, person, rows)


@functools.cache
def _result_page_statement(dialect: str) -> sa.Select[Any]:
    # The quiz's questions (every version: the attempt's layout picks its own) with this
    # attempt's answers, as one JSON array of [id, text, version, kind, choices, correct,
    # accepted, explanation, response, points]: one row to read, one string to parse.
    answered = sa.and_(Answer.question_id == Question.id, Answer.attempt_id == Attempt.id)
    rows = json_rows(dialect, Question.id, Question.text, Question.version, Question.kind, Question.choices,
                     Question.correct, Question.accepted, Question.explanation, Answer.response, Answer.points)
    questions = (sa.select(rows).select_from(Question).outerjoin(Answer, answered)
                 .where(Question.quiz_id == Quiz.id).correlate(Quiz, Attempt).scalar_subquery())
    return (sa.select(Cohort, Quiz, Attempt, User.name, questions)
            .join(Quiz, sa.and_(Quiz.cohort_id == Cohort.id, Quiz.id == sa.bindparam("quiz_id")))
            .join(Attempt, sa.and_(Attempt.quiz_id == Quiz.id, Attempt.id == sa.bindparam("attempt_id")))
            .join(User, User.id == Attempt.user_id)
            .where(Cohort.slug == sa.bindparam("slug")))


def current_questions(quiz: Quiz) -> list[Question]:
    """The questions a new attempt gets: the latest version of each, in order."""
    return list(db.session.execute(sa.select(Question).where(Question.quiz_id == quiz.id,
                                                             Question.retired_at.is_(None))
                                   .order_by(Question.position, Question.slot)).scalars())


def attempts_of(quiz: Quiz, user: User) -> list[Attempt]:
    """``user``'s attempts, as the lists show them: without each one's question order, which
    is JSON to parse and not shown (read if asked for)."""
    return list(db.session.execute(_attempts_of_statement(), {"quiz_id": quiz.id, "user_id": user.id}).scalars())


@functools.cache
def _attempts_of_statement() -> sa.Select[Any]:
    return (sa.select(Attempt).where(Attempt.quiz_id == sa.bindparam("quiz_id"),
                                     Attempt.user_id == sa.bindparam("user_id"))
            .options(sa.orm.defer(Attempt.layout)).order_by(Attempt.number))


def get_attempt(quiz: Quiz, attempt_id: int) -> Attempt:
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.quiz_id != quiz.id:
        raise NotFoundError("No such attempt.")
    return attempt


def quiz_state(quiz: Quiz, now: datetime | None = None) -> str:
    """``not_open`` | ``open`` | ``closed``."""
    now = now or utcnow()
    if quiz.opens_at and now < quiz.opens_at:
        return "not_open"
    if quiz.closes_at and now >= quiz.closes_at:
        return "closed"
    return "open"


def feedback_visible(quiz: Quiz, now: datetime | None = None) -> bool:
    """Whether participants may see their score, the explanations and the right answers."""
    if quiz.feedback == Feedback.AFTER_SUBMIT:
        return True
    if quiz.feedback == Feedback.AFTER_CLOSE:
        return quiz_state(quiz, now) == "closed"
    return False


def seconds_left(attempt: Attempt, now: datetime | None = None) -> int | None:
    if attempt.deadline_at is None:
        return None
    return max(0, int((attempt.deadline_at - (now or utcnow())).total_seconds()))


# ---- creating quizzes ---------------------------------------------------------------------

def create_quiz_from_course(cohort: Cohort, actor: User | None = None) -> Quiz | None:
    """The cohort's copy of its course file's knowledge check; the existing one when it is
    already there, None when the course has none."""
    spec = cohort.course.knowledge_check
    if not spec:
        return None
    existing = db.session.execute(sa.select(Quiz).where(Quiz.cohort_id == cohort.id,
                                                        Quiz.key == "knowledge_check")).scalar_one_or_none()
    if existing is not None:
        return existing
    component = spec.get("component", "knowledge_check")
    scheme = cohort.course.grading_spec
    if scheme is None or component not in {c.key for c in scheme.components}:
        component = None
    quiz = Quiz(cohort_id=cohort.id, key="knowledge_check", title=spec["title"],
                time_limit_minutes=spec.get("time_limit_minutes"),
                opens_at=_moment(spec.get("opens_at")), closes_at=_moment(spec.get("closes_at")),
                attempts_allowed=spec.get("attempts", 1), shuffle_questions=spec.get("shuffle_questions", False),
                shuffle_choices=spec.get("shuffle_choices", False), one_per_page=spec.get("one_per_page", False),
                feedback=Feedback(spec.get("feedback", "after_submit")),
                grading=QuizGrading(spec.get("grading", "completion")), component_key=component)
    db.session.add(quiz)
    db.session.flush()
    for position, q in enumerate(spec["questions"]):
        db.session.add(Question(quiz_id=quiz.id, slot=position + 1, version=1, position=position,
                                kind=q.get("kind", "single"), text=q["text"], choices=list(q.get("choices", [])),
                                correct=list(q.get("correct", [])), accepted=list(q.get("accepted", [])),
                                partial_credit=q.get("partial_credit", False), explanation=q.get("explanation", "")))
    record_event(actor, "quiz.create", "quiz", quiz.id, cohort_id=cohort.id,
                 after={"title": quiz.title, "questions": len(spec["questions"]), "component": component})
    db.session.flush()
    return quiz


def _moment(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


# ---- attempts -----------------------------------------------------------------------------

def open_attempt(quiz: Quiz, user: User) -> Attempt | None:
    """The attempt ``user`` has under way (not submitted), if any."""
    return db.session.execute(sa.select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id,
                                                       Attempt.submitted_at.is_(None))).scalar_one_or_none()


def start_attempt(quiz: Quiz, user: User, now: datetime | None = None) -> Attempt:
    """Resume the attempt under way, or start the next one. Two requests at once (two tabs,
    a double click) get the same attempt: the unique (quiz, user, number) decides."""
    now = now or utcnow()
    cohort = db.session.get(Cohort, quiz.cohort_id)
    ensure_open(cohort, "quiz attempts")
    current = open_attempt(quiz, user)
    if current is not None:
        return current
    state = quiz_state(quiz, now)
    if state != "open":
        raise ValidationError("This quiz is not open yet." if state == "not_open" else "This quiz has closed.")
    used = db.session.execute(sa.select(sa.func.count(Attempt.id)).where(
        Attempt.quiz_id == quiz.id, Attempt.user_id == user.id)).scalar_one()
    if used >= quiz.attempts_allowed:
        raise ValidationError(f"You have used all {quiz.attempts_allowed} attempt(s) of this quiz.")
    questions = current_questions(quiz)
    if not questions:
        raise ValidationError("This quiz has no questions yet.")
    rng = random.SystemRandom()
    if quiz.shuffle_questions:
        rng.shuffle(questions)
    layout = []
    for q in questions:
        order = list(range(len(q.choices)))
        if quiz.shuffle_choices and q.kind in ("single", "multiple"):
            rng.shuffle(order)
        layout.append([q.id, order])
    deadline = now + timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None
    if quiz.closes_at and (deadline is None or quiz.closes_at < deadline):
        deadline = quiz.closes_at
    attempt = Attempt(quiz_id=quiz.id, user_id=user.id, number=used + 1, started_at=now, deadline_at=deadline,
                      layout=layout, page=0)
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:  # the same person started it at the same moment elsewhere
        again = open_attempt(quiz, user)
        if again is None:
            raise ValidationError("This attempt was just submitted elsewhere; reload the quiz.") from None
        return again
    record_event(user, "quiz.attempt.start", "quiz_attempt", attempt.id, cohort_id=quiz.cohort_id,
                 after={"quiz_id": quiz.id, "number": attempt.number,
                        "deadline": deadline.isoformat() if deadline else None})
    return attempt


def attempt_questions(attempt: Attempt) -> list[tuple[Question, list[int]]]:
    """The attempt's questions, in the order shown, with each one's choice order; one query."""
    ids = [entry[0] for entry in attempt.layout]
    found = {q.id: q for q in db.session.execute(sa.select(Question).where(Question.id.in_(ids))).scalars()}
    return _in_layout(attempt, found)


def _in_layout(attempt: Attempt, found: dict[int, Question]) -> list[tuple[Question, list[int]]]:
    return [(found[qid], order) for qid, order in attempt.layout if qid in found]


def questions_and_answers(attempt: Attempt) -> tuple[list[tuple[Question, list[int]]], dict[int, Answer]]:
    """The attempt's questions (as ``attempt_questions``) and its saved answers by question
    id, in one query: what the take page and scoring need (the result page reads only what
    it shows: ``result_page``)."""
    ids = [entry[0] for entry in attempt.layout]
    found, answers = {}, {}
    for question, answer in db.session.execute(_questions_and_answers_statement(),
                                               {"ids": ids, "attempt_id": attempt.id}).all():
        found[question.id] = question
        if answer is not None:
            answers[question.id] = answer
    return _in_layout(attempt, found), answers


@functools.cache
def _questions_and_answers_statement() -> sa.Select[Any]:
    mine = sa.and_(Answer.question_id == Question.id, Answer.attempt_id == sa.bindparam("attempt_id"))
    return (sa.select(Question, Answer).outerjoin(Answer, mine)
            .where(Question.id.in_(sa.bindparam("ids", expanding=True))))


@dataclass(frozen=True)
class ResultRow:
    """One question of a result page, as shown: read as plain columns (no objects to build)."""

    text: str
    version: int
    graded: bool
    #: What was answered: the typed text, or the chosen choices joined by "; "; None for nothing.
    answer: str | None
    typed: bool
    points: Decimal | None
    #: "Accepted: …" (a short answer) or "Right answer: …" (the right choices).
    right: str
    explanation: str


@dataclass(frozen=True)
class ResultPage:
    cohort: Cohort
    quiz: Quiz
    attempt: Attempt
    #: The name of the person who made the attempt.
    person: str
    rows: list[ResultRow]


def _result_rows(attempt: Attempt, questions: list[list[Any]]) -> list[ResultRow]:
    """The attempt's questions in the order shown, each with its saved answer and the right
    one: what the result page shows."""
    found = {entry[0]: entry for entry in questions}
    rows = []
    for qid, _ in attempt.layout:
        if qid not in found:
            continue
        _, text, version, kind, choices, correct, accepted, explanation, response, points = found[qid]
        choices = choices or []
        typed = kind in ("short_answer", "free_text")
        answer = None
        if response:
            answer = str(response[0]) if typed else "; ".join(_choice(choices, i) for i in response)
        right = (f"Accepted: {'; '.join(accepted or [])}" if kind == "short_answer"
                 else f"Right answer: {'; '.join(_choice(choices, i) for i in correct or [])}")
        rows.append(ResultRow(text, version, kind != "free_text", answer, typed,
                              None if points is None else Decimal(points), right, explanation or ""))
    return rows


def _choice(choices: list[str], index: Any) -> str:
    return choices[index] if isinstance(index, int) and 0 <= index < len(choices) else ""


def parse_response(question: Question, values: list[str]) -> list[Any]:
    """A form's values for ``question`` as stored: choice indexes, or ``[text]``."""
    if question.kind in ("short_answer", "free_text"):
        text = (values[0] if values else "").strip()
        if len(text) > MAX_ANSWER:
            raise ValidationError(f"An answer is longer than {MAX_ANSWER} characters.")
        if question.kind == "short_answer" and ("\n" in text or "\r" in text):
            text = " ".join(text.split())
        return [text] if text else []
    chosen = []
    for value in values:
        if not value.isascii() or not value.isdigit() or int(value) >= len(question.choices):
            raise ValidationError("That choice is not one of the question's choices.")
        chosen.append(int(value))
    chosen = sorted(set(chosen))
    if question.kind != "multiple" and len(chosen) > 1:
        raise ValidationError("Choose one answer only.")
    return chosen


@dataclass(frozen=True)
class Saved:
    saved: int
    at: datetime


def save_answers(attempt: Attempt, answers: dict[int, list[str]], now: datetime | None = None,
                 page: int | None = None) -> Saved:
    """Store the answers given (question id → form values), each over its earlier answer.
    Refused with :class:`TimeUpError` after the deadline plus the grace, and with
    :class:`AttemptClosedError` once submitted; what was saved before stays saved."""
    now = now or utcnow()
    # Everything that only reads comes first: the write lock (SQLite's is the whole database)
    # is held for the three statements from the attempt's UPDATE on only.
    questions = dict(attempt_questions_by_id(attempt))
    rows = []
    for question_id, values in answers.items():
        question = questions.get(question_id)
        if question is None:
            raise ValidationError("That question is not part of this attempt.")
        rows.append({"attempt_id": attempt.id, "question_id": question_id,
                     "response": parse_response(question, values), "saved_at": now})
    if attempt.deadline_at is not None and now > attempt.deadline_at + grace():
        raise TimeUpError("Time ran out for this attempt, so this answer was not accepted. "
                          "Every answer saved before then is kept and has been submitted.")
    # Lock this attempt's row, not the cohort's, so that 500 people saving at once do not
    # queue behind each other: a submission of the same attempt (which sets submitted_at
    # under the same row lock, then scores what is saved) either comes first and this
    # UPDATE matches nothing, or waits until these answers are committed and scores them.
    keep = page is not None and 0 <= page < len(attempt.layout)
    result = db.session.execute(
        sa.update(Attempt).where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
        .values(page=page if keep else Attempt.page).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise AttemptClosedError("This attempt has been submitted; its answers can no longer change.")
    cohort_id = db.session.get(Quiz, attempt.quiz_id).cohort_id
    ensure_open(db.session.get(Cohort, cohort_id), "quiz attempts", lock=False)
    if rows:
        _upsert(rows)
    return Saved(len(rows), now)


def attempt_questions_by_id(attempt: Attempt) -> list[tuple[int, Question]]:
    return [(q.id, q) for q, _ in attempt_questions(attempt)]


def _upsert(rows: list[dict[str, Any]]) -> None:
    """INSERT … ON CONFLICT (attempt, question) DO UPDATE: never two rows for one question.
    The rows go as parameters of one statement built once per dialect, so a save compiles
    nothing."""
    dialect = db.engine.dialect.name
    statement = _UPSERTS.get(dialect)
    if statement is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
        plain = insert(Answer.__table__)
        statement = _UPSERTS[dialect] = plain.on_conflict_do_update(
            index_elements=[Answer.attempt_id, Answer.question_id],
            set_={"response": plain.excluded.response, "saved_at": plain.excluded.saved_at})
    db.session.connection().execute(statement, rows)


_UPSERTS: dict[str, Any] = {}


@dataclass(frozen=True)
class Submitted:
    #: False when the attempt had already been submitted (by another tab, the timer …).
    now: bool
    #: True when it was submitted by the timer, with what had been saved.
    by_timer: bool


def submit_attempt(attempt: Attempt, actor: User | None, now: datetime | None = None,
                   by: str = "participant") -> Submitted:
    """Submit ``attempt`` exactly once: a conditional UPDATE (``WHERE submitted_at IS NULL``)
    lets one caller win however many arrive together; the others are told it is done.
    After the deadline plus the grace the attempt is submitted as the timer would, with what
    was saved."""
    now = now or utcnow()
    quiz = db.session.get(Quiz, attempt.quiz_id)
    ensure_open(db.session.get(Cohort, quiz.cohort_id), "quiz attempts")
    if by == "participant" and attempt.deadline_at is not None and now > attempt.deadline_at + grace():
        by = "timer"
    result = db.session.execute(
        sa.update(Attempt).where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
        .values(submitted_at=now, submitted_by=by).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.refresh(attempt)
        return Submitted(False, attempt.submitted_by == "timer")
    earned, graded = _score(attempt, current=False)
    db.session.execute(sa.update(Attempt).where(Attempt.id == attempt.id)
                       .values(score=_dec(earned), max_score=graded).execution_options(synchronize_session=False))
    db.session.refresh(attempt)
    record_event(actor, "quiz.attempt.submit", "quiz_attempt", attempt.id, cohort_id=quiz.cohort_id,
                 after={"by": by, "score": str(_dec(earned)), "of": graded, "user_id": attempt.user_id})
    return Submitted(True, by == "timer")


def _score(attempt: Attempt, current: bool, write: bool = True) -> tuple[Fraction, int]:
    """Score every answer of ``attempt`` (with ``write``, storing each answer's points)
    against the version it answered, or with ``current`` against the latest version of the
    same question."""
    questions, answers = questions_and_answers(attempt)
    latest = _latest_versions(attempt.quiz_id) if current else {}
    shares = []
    for question, _ in questions:
        judge = latest.get(question.slot, question) if current else question
        answer = answers.get(question.id)
        share = scoring.score(judge.kind, judge.correct, judge.accepted, judge.partial_credit,
                              answer.response if answer else [], len(judge.choices))
        shares.append(share)
        if answer is not None and write:
            answer.points = None if share is None else _dec(share)
    return scoring.total(shares)


def _latest_versions(quiz_id: int) -> dict[int, Question]:
    rows = db.session.execute(sa.select(Question).where(Question.quiz_id == quiz_id)
                              .order_by(Question.slot, Question.version)).scalars()
    return {q.slot: q for q in rows}


def submit_overdue(now: datetime | None = None, cohort: Cohort | None = None) -> int:
    """Submit, with what was saved, every attempt whose time (plus the grace) ran out and
    that nobody submitted: the participant closed the tab or lost the connection. Safe to
    run from several places at once (each attempt is submitted once). Attempts in finalised
    cohorts wait until the cohort is reopened. Returns how many this call submitted."""
    now = now or utcnow()
    query = (sa.select(Attempt).join(Quiz, Quiz.id == Attempt.quiz_id).join(Cohort, Cohort.id == Quiz.cohort_id)
             .where(Attempt.submitted_at.is_(None), Attempt.deadline_at < now - grace(),
                    Cohort.status != CohortStatus.FINALISED))
    if cohort is not None:
        query = query.where(Quiz.cohort_id == cohort.id)
    done = 0
    for attempt in db.session.execute(query).scalars().all():
        done += submit_attempt(attempt, None, now, by="timer").now
    return done


def reopen_attempt(attempt: Attempt, actor: User, reason: str, now: datetime | None = None) -> None:
    """Let the participant continue a submitted attempt (a lost connection, an accepted
    excuse), with a reason; the answers stay, the clock restarts with the quiz's limit."""
    now = now or utcnow()
    quiz = db.session.get(Quiz, attempt.quiz_id)
    ensure_open(db.session.get(Cohort, quiz.cohort_id), "quiz attempts")
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError("Say why the attempt is reopened.")
    if attempt.submitted_at is None:
        raise ValidationError("This attempt is still under way; there is nothing to reopen.")
    before = {"submitted_at": attempt.submitted_at.isoformat(), "by": attempt.submitted_by,
              "score": str(attempt.score) if attempt.score is not None else None}
    minutes = quiz.time_limit_minutes or 60
    attempt.submitted_at = attempt.submitted_by = attempt.score = attempt.max_score = None
    attempt.deadline_at = now + timedelta(minutes=minutes)
    record_event(actor, "quiz.attempt.reopen", "quiz_attempt", attempt.id, cohort_id=quiz.cohort_id,
                 before=before, after={"reason": reason[:500], "deadline": attempt.deadline_at.isoformat()})
    db.session.flush()


# ---- regrading ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Regrade:
    attempt_id: int
    user_name: str
    old: Decimal
    new: Decimal
    of: int


def regrade_preview(quiz: Quiz) -> list[Regrade]:
    """What scoring every submitted attempt against the latest version of each question
    would change; changes nothing."""
    changes = []
    rows = db.session.execute(sa.select(Attempt, User.name).join(User, User.id == Attempt.user_id).where(
        Attempt.quiz_id == quiz.id, Attempt.submitted_at.is_not(None)).order_by(User.name, Attempt.number)).all()
    for attempt, name in rows:
        earned, graded = _score(attempt, current=True, write=False)
        if (_dec(earned), graded) != (attempt.score, attempt.max_score):
            changes.append(Regrade(attempt.id, name, attempt.score or Decimal(0), _dec(earned), graded))
    return changes


def regrade(quiz: Quiz, actor: User) -> int:
    """Apply :func:`regrade_preview`, one audit event per attempt; returns how many changed."""
    ensure_open(db.session.get(Cohort, quiz.cohort_id), "quiz attempts")
    changed = 0
    for attempt in db.session.execute(sa.select(Attempt).where(Attempt.quiz_id == quiz.id,
                                                               Attempt.submitted_at.is_not(None))).scalars().all():
        earned, graded = _score(attempt, current=True)
        if (_dec(earned), graded) == (attempt.score, attempt.max_score):
            continue
        record_event(actor, "quiz.attempt.regrade", "quiz_attempt", attempt.id, cohort_id=quiz.cohort_id,
                     before={"score": str(attempt.score), "of": attempt.max_score},
                     after={"score": str(_dec(earned)), "of": graded})
        attempt.score, attempt.max_score = _dec(earned), graded
        changed += 1
    db.session.flush()
    return changed


# ---- the gradebook ------------------------------------------------------------------------

def quiz_points(cohort: Cohort, maxima: dict[str, Fraction],
                only: User | None = None) -> dict[int, dict[str, Fraction]]:
    """user id → component key → points from submitted quiz attempts (the best attempt),
    for quizzes that feed a component; one query."""
    query = (sa.select(Attempt.user_id, Quiz.component_key, Quiz.grading, Attempt.score, Attempt.max_score)
             .join(Quiz, Quiz.id == Attempt.quiz_id)
             .where(Quiz.cohort_id == cohort.id, Quiz.component_key.is_not(None), Attempt.submitted_at.is_not(None)))
    if only is not None:
        query = query.where(Attempt.user_id == only.id)
    found: dict[int, dict[str, Fraction]] = {}
    for user_id, key, policy, earned, graded in db.session.execute(query).all():
        maximum = maxima.get(key)
        if maximum is None:
            continue
        if policy == QuizGrading.COMPLETION:
            points = maximum
        else:
            points = maximum * Fraction(earned or 0) / graded if graded else maximum
        mine = found.setdefault(user_id, {})
        mine[key] = max(mine.get(key, Fraction(0)), points)
    return found
