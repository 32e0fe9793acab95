"""Editing a quiz in the browser: its settings, and its questions, where a question that
somebody has answered is never changed but replaced by its next version."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from lms.audit.services import record_event
from lms.auth.models import User
from lms.cohorts.models import Cohort
from lms.cohorts.services import ensure_open
from lms.core.db import db
from lms.core.errors import NotFoundError, ValidationError
from lms.core.text import single_line_problem
from lms.core.time import utcnow
from lms.courses.spec import QUIZ_KINDS
from lms.quizzes.models import Answer, Feedback, Question, Quiz, QuizGrading


@dataclass(frozen=True)
class QuizSettings:
    title: str
    opens_at: datetime | None
    closes_at: datetime | None
    time_limit_minutes: int | None
    attempts_allowed: int
    shuffle_questions: bool
    shuffle_choices: bool
    one_per_page: bool
    feedback: str
    grading: str
    component_key: str | None


def _settings_of(quiz: Quiz) -> dict[str, Any]:
    return {"title": quiz.title, "opens_at": quiz.opens_at.isoformat() if quiz.opens_at else None,
            "closes_at": quiz.closes_at.isoformat() if quiz.closes_at else None,
            "time_limit_minutes": quiz.time_limit_minutes, "attempts_allowed": quiz.attempts_allowed,
            "shuffle_questions": quiz.shuffle_questions, "shuffle_choices": quiz.shuffle_choices,
            "one_per_page": quiz.one_per_page, "feedback": quiz.feedback.value, "grading": quiz.grading.value,
            "component_key": quiz.component_key}


def update_settings(quiz: Quiz, settings: QuizSettings, actor: User) -> bool:
    """Change the quiz's settings (they decide grades: the policy and the component);
    returns True when something changed."""
    cohort = db.session.get(Cohort, quiz.cohort_id)
    ensure_open(cohort, "its quizzes")
    problems = []
    title = settings.title.strip()
    if not title or single_line_problem(title, "The title"):
        problems.append(single_line_problem(title, "The title") or "Give the quiz a title.")
    if settings.opens_at and settings.closes_at and settings.opens_at >= settings.closes_at:
        problems.append("The quiz must close after it opens.")
    scheme = cohort.course.grading_spec
    keys = {c.key for c in scheme.components} if scheme else set()
    if settings.component_key and settings.component_key not in keys:
        problems.append(f"{settings.component_key!r} is not a grading component of this course.")
    if settings.feedback not in {f.value for f in Feedback} or settings.grading not in {g.value for g in QuizGrading}:
        problems.append("Choose when feedback is shown and how the quiz is graded.")
    if problems:
        raise ValidationError(problems)
    before = _settings_of(quiz)
    quiz.title, quiz.opens_at, quiz.closes_at = title[:300], settings.opens_at, settings.closes_at
    quiz.time_limit_minutes, quiz.attempts_allowed = settings.time_limit_minutes, settings.attempts_allowed
    quiz.shuffle_questions, quiz.shuffle_choices = settings.shuffle_questions, settings.shuffle_choices
    quiz.one_per_page, quiz.feedback = settings.one_per_page, Feedback(settings.feedback)
    quiz.grading, quiz.component_key = QuizGrading(settings.grading), settings.component_key or None
    after = _settings_of(quiz)
    if after == before:
        return False
    record_event(actor, "quiz.update", "quiz", quiz.id, cohort_id=quiz.cohort_id,
                 before={k: v for k, v in before.items() if after[k] != v},
                 after={k: v for k, v in after.items() if before[k] != v})
    db.session.flush()
    return True


@dataclass(frozen=True)
class QuestionDraft:
    kind: str
    text: str
    choices: str = ""
    correct: str = ""
    accepted: str = ""
    partial_credit: bool = False
    explanation: str = ""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def check_draft(draft: QuestionDraft) -> dict[str, Any]:
    """The question's stored fields, or :class:`ValidationError` listing every problem."""
    problems = []
    if draft.kind not in QUIZ_KINDS:
        problems.append("Choose the kind of question.")
    text = draft.text.strip()
    if not text:
        problems.append("Write the question.")
    choices: list[str] = []
    correct: list[int] = []
    accepted: list[str] = []
    if draft.kind in ("single", "multiple"):
        choices = _lines(draft.choices)
        if len(choices) < 2:
            problems.append("Give at least two choices, one per line.")
        numbers = draft.correct.replace(",", " ").split()
        if not numbers or not all(n.isascii() and n.isdigit() and 1 <= int(n) <= len(choices) for n in numbers):
            problems.append(f"Give the number of each right choice (1 to {max(len(choices), 1)}).")
        else:
            correct = sorted({int(n) - 1 for n in numbers})
            if draft.kind == "single" and len(correct) != 1:
                problems.append("A single-choice question has exactly one right choice.")
    elif draft.kind == "true_false":
        choices = ["True", "False"]
        answer = draft.correct.strip().lower()
        if answer not in ("true", "false"):
            problems.append("Say whether the statement is true or false.")
        correct = [0 if answer == "true" else 1]
    elif draft.kind == "short_answer":
        accepted = _lines(draft.accepted)
        if not accepted:
            problems.append("Give the accepted answers, one per line.")
    if problems:
        raise ValidationError(problems)
    return {"kind": draft.kind, "text": text, "choices": choices, "correct": correct, "accepted": accepted,
            "partial_credit": draft.partial_credit and draft.kind == "multiple",
            "explanation": draft.explanation.strip()}


def _current(quiz: Quiz, slot: int) -> Question:
    question = db.session.execute(sa.select(Question).where(
        Question.quiz_id == quiz.id, Question.slot == slot, Question.retired_at.is_(None))).scalar_one_or_none()
    if question is None:
        raise NotFoundError("No such question in this quiz.")
    return question


def current_question(quiz: Quiz, slot: int) -> Question:
    return _current(quiz, slot)


def _answered(question: Question) -> bool:
    found = db.session.execute(sa.select(Answer.id).where(Answer.question_id == question.id).limit(1)).first()
    return found is not None


def _state(question: Question) -> dict[str, Any]:
    return {"version": question.version, "kind": question.kind, "text": question.text, "choices": question.choices,
            "correct": question.correct, "accepted": question.accepted, "partial_credit": question.partial_credit}


def save_question(quiz: Quiz, slot: int | None, draft: QuestionDraft, actor: User) -> Question:
    """Add a question (``slot`` None) or change one. A question already answered keeps its
    row for the attempts that answered it; the change becomes its next version."""
    ensure_open(db.session.get(Cohort, quiz.cohort_id), "its quizzes")
    fields = check_draft(draft)
    if slot is None:
        last = db.session.execute(sa.select(sa.func.max(Question.slot), sa.func.max(Question.position))
                                  .where(Question.quiz_id == quiz.id)).one()
        question = Question(quiz_id=quiz.id, slot=(last[0] or 0) + 1, version=1, position=(last[1] or 0) + 1,
                            **fields)
        db.session.add(question)
        db.session.flush()
        record_event(actor, "quiz.question.add", "quiz_question", question.id, cohort_id=quiz.cohort_id,
                     after=_state(question))
        return question
    current = _current(quiz, slot)
    before = _state(current)
    if all(getattr(current, k) == v for k, v in fields.items()):
        return current
    if _answered(current):
        current.retired_at = utcnow()
        db.session.flush()
        question = Question(quiz_id=quiz.id, slot=slot, version=current.version + 1, position=current.position,
                            **fields)
        db.session.add(question)
    else:
        question = current
        for key, value in fields.items():
            setattr(question, key, value)
    db.session.flush()
    record_event(actor, "quiz.question.edit", "quiz_question", question.id, cohort_id=quiz.cohort_id,
                 before=before, after=_state(question))
    return question


def remove_question(quiz: Quiz, slot: int, actor: User) -> None:
    """Take a question out of new attempts; attempts that answered it keep it."""
    ensure_open(db.session.get(Cohort, quiz.cohort_id), "its quizzes")
    question = _current(quiz, slot)
    question.retired_at = utcnow()
    record_event(actor, "quiz.question.remove", "quiz_question", question.id, cohort_id=quiz.cohort_id,
                 before=_state(question))
    db.session.flush()
