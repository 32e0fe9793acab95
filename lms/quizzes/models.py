"""Quizzes, their versioned questions, attempts and saved answers."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, db, value_enum
from lms.core.time import utcnow


class Feedback(enum.StrEnum):
    AFTER_SUBMIT = "after_submit"
    AFTER_CLOSE = "after_close"
    NEVER = "never"


class QuizGrading(enum.StrEnum):
    COMPLETION = "completion"
    SCORE = "score"


class Quiz(db.Model):
    """One quiz of one cohort (the course file's knowledge check, copied per cohort so that
    each cohort's dates and edits are its own)."""

    __tablename__ = "lms_quiz"
    __table_args__ = (UniqueConstraint("cohort_id", "key", name="uq_lms_quiz_cohort_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohort.id", ondelete="CASCADE"), index=True)
    #: Stable name within the cohort (``knowledge_check`` for the course file's quiz).
    key: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(300))
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=1)
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=False)
    shuffle_choices: Mapped[bool] = mapped_column(Boolean, default=False)
    one_per_page: Mapped[bool] = mapped_column(Boolean, default=False)
    feedback: Mapped[Feedback] = mapped_column(value_enum(Feedback, "lms_quiz_feedback"), default=Feedback.AFTER_SUBMIT)
    grading: Mapped[QuizGrading] = mapped_column(value_enum(QuizGrading, "lms_quiz_grading"),
                                                 default=QuizGrading.COMPLETION)
    #: The gradebook component the result feeds; None: the quiz is for practice only.
    component_key: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    questions: Mapped[list[Question]] = relationship(back_populates="quiz", order_by="Question.position, Question.id")


class Question(db.Model):
    """One version of one question. A question somebody has answered is never changed:
    editing it retires this row and adds the next version, so every attempt keeps the
    version it answered and its score."""

    __tablename__ = "lms_quiz_question"
    __table_args__ = (UniqueConstraint("quiz_id", "slot", "version", name="uq_lms_quiz_question_quiz_slot_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("lms_quiz.id", ondelete="CASCADE"), index=True)
    #: The question's identity across its versions.
    slot: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: single | multiple | true_false | short_answer | free_text
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Indexes of the right choices.
    correct: Mapped[list[int]] = mapped_column(JSON, default=list)
    accepted: Mapped[list[str]] = mapped_column(JSON, default=list)
    partial_credit: Mapped[bool] = mapped_column(Boolean, default=False)
    explanation: Mapped[str] = mapped_column(Text, default="")
    #: Set when a newer version replaced this one, or the question was removed.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    quiz: Mapped[Quiz] = relationship(back_populates="questions")

    @property
    def graded(self) -> bool:
        return self.kind != "free_text"


class Attempt(db.Model):
    """One participant's attempt. ``(quiz, user, number)`` is unique, so two requests at the
    same moment cannot start more attempts than allowed; ``submitted_at`` is set by one
    conditional UPDATE, so an attempt is submitted exactly once."""

    __tablename__ = "lms_quiz_attempt"
    __table_args__ = (UniqueConstraint("quiz_id", "user_id", "number", name="uq_lms_quiz_attempt_quiz_user_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("lms_quiz.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When answers stop being accepted (time limit or closing time); None: no limit.
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: participant | timer (submitted with what was saved when time ran out)
    submitted_by: Mapped[str | None] = mapped_column(String(20))
    #: Question ids in the order shown, with each question's choice order: [[id, [2, 0, 1]], …].
    layout: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: The page (question index) the participant last saw, to resume there.
    page: Mapped[int] = mapped_column(Integer, default=0)
    #: Points earned on the graded questions and how many there were; None until submitted.
    score: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    max_score: Mapped[int | None] = mapped_column(Integer)

    quiz: Mapped[Quiz] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="attempt", cascade="all, delete-orphan")


class Answer(db.Model):
    """The saved answer to one question of one attempt; saved again over itself (upsert)."""

    __tablename__ = "lms_quiz_answer"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id", name="uq_lms_quiz_answer_attempt_question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("lms_quiz_attempt.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("lms_quiz_question.id", ondelete="CASCADE"), index=True)
    #: Chosen choice indexes (as stored, not as shown), or ``[text]`` for written answers.
    response: Mapped[list[Any]] = mapped_column(JSON, default=list)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Share of the question earned (0..1) once submitted; None for free text.
    points: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))

    attempt: Mapped[Attempt] = relationship(back_populates="answers")
