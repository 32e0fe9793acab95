"""What staff read about a quiz: every attempt, the item analysis (share right per question
and the most chosen wrong answer) with a small chart drawn on the server, and every answer
as a table for CSV/XLSX. A fixed number of queries whatever the cohort's size."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from lms.auth.models import User
from lms.cohorts.models import Membership, Role
from lms.core.db import db
from lms.quizzes.models import Answer, Attempt, Question, Quiz
from lms.quizzes.scoring import normalise_text


@dataclass(frozen=True)
class AttemptRow:
    user: Any
    attempt: Attempt | None


def attempt_rows(quiz: Quiz) -> list[AttemptRow]:
    """Every participant with each of their attempts (or none yet), by name; two queries."""
    people = db.session.execute(sa.select(User.id, User.name, User.email).join(
        Membership, Membership.user_id == User.id).where(Membership.cohort_id == quiz.cohort_id,
                                                         Membership.role == Role.PARTICIPANT)).all()
    attempts: dict[int, list[Attempt]] = {}
    for attempt in db.session.execute(sa.select(Attempt).where(Attempt.quiz_id == quiz.id)
                                      .options(sa.orm.defer(Attempt.layout))  # not shown: JSON not parsed
                                      .order_by(Attempt.number)).scalars():
        attempts.setdefault(attempt.user_id, []).append(attempt)
    rows = []
    for person in sorted(people, key=lambda p: (p.name.casefold(), p.id)):
        rows += [AttemptRow(person, a) for a in attempts.get(person.id, [])] or [AttemptRow(person, None)]
    return rows


@dataclass(frozen=True)
class Item:
    number: int
    question: Question
    answered: int
    #: Mean share earned by the submitted answers (None: free text, or nobody answered).
    share_right: Decimal | None
    wrong_answer: str | None
    wrong_count: int


def _shown(question: Question, response: list[Any]) -> str:
    if question.kind in ("short_answer", "free_text"):
        return str(response[0]) if response else ""
    return "; ".join(question.choices[i] for i in response if isinstance(i, int) and i < len(question.choices))


def item_analysis(quiz: Quiz) -> list[Item]:
    """Per question version that submitted attempts answered, in the quiz's order."""
    questions = {q.id: q for q in db.session.execute(sa.select(Question).where(Question.quiz_id == quiz.id)).scalars()}
    answers: dict[int, list[Any]] = {}  # light rows (question_id, points, response): no ORM object per answer
    for answer in db.session.execute(sa.select(Answer.question_id, Answer.points, Answer.response).join(
            Attempt, Attempt.id == Answer.attempt_id).where(Attempt.quiz_id == quiz.id,
                                                            Attempt.submitted_at.is_not(None))).all():
        answers.setdefault(answer.question_id, []).append(answer)
    items = []
    ordered = sorted(questions.values(), key=lambda q: (q.position, q.slot, q.version))
    for number, question in enumerate(q for q in ordered if q.retired_at is None or q.id in answers):
        given = answers.get(question.id, [])
        graded = [a.points for a in given if a.points is not None]
        share = (sum(graded, Decimal(0)) / len(graded)).quantize(Decimal("0.01")) if graded else None
        wrong: Counter[str] = Counter()
        for answer in given:
            if answer.points is not None and answer.points < 1 and answer.response:
                if question.kind == "short_answer":
                    wrong[normalise_text(str(answer.response[0]))] += 1
                elif question.kind != "multiple":
                    wrong[_shown(question, answer.response)] += 1
                else:
                    for index in answer.response:
                        if index not in question.correct and isinstance(index, int) and index < len(question.choices):
                            wrong[question.choices[index]] += 1
        top = wrong.most_common(1)
        items.append(Item(number + 1, question, len(given), share, top[0][0] if top else None,
                          top[0][1] if top else 0))
    return items


@dataclass(frozen=True)
class Bar:
    y: int
    width: int
    label: str
    value: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]


def chart(items: list[Item], width: int = 300, row: int = 22) -> Chart:
    """Horizontal bars of the share right per graded question, as numbers for an inline SVG."""
    bars = []
    for item in items:
        if item.share_right is None:
            continue
        bars.append(Bar(len(bars) * row, int(item.share_right * width), f"Q{item.number}",
                        f"{int(item.share_right * 100)} %"))
    return Chart(width, max(len(bars), 1) * row, bars)


def answers_table(quiz: Quiz) -> list[list[str]]:
    """One row per saved answer: who, which attempt, which question version, the answer as
    shown, its points; then attempts with no answers still appear once."""
    rows = [["email", "name", "attempt", "submitted_at", "submitted_by", "score", "of", "question", "version",
             "question_text", "answer", "points", "saved_at"]]
    query = (sa.select(Attempt, User.email, User.name).join(User, User.id == Attempt.user_id)
             .where(Attempt.quiz_id == quiz.id).order_by(User.name, User.id, Attempt.number))
    attempts = db.session.execute(query).all()
    questions = {q.id: q for q in db.session.execute(sa.select(Question).where(Question.quiz_id == quiz.id)).scalars()}
    answers: dict[int, dict[int, Answer]] = {}
    for answer in db.session.execute(sa.select(Answer).join(Attempt, Attempt.id == Answer.attempt_id)
                                     .where(Attempt.quiz_id == quiz.id)).scalars():
        answers.setdefault(answer.attempt_id, {})[answer.question_id] = answer
    for attempt, email, name in attempts:
        head = [email, name, str(attempt.number),
                attempt.submitted_at.isoformat(timespec="seconds") if attempt.submitted_at else "",
                attempt.submitted_by or "", f"{attempt.score:.2f}" if attempt.score is not None else "",
                str(attempt.max_score) if attempt.max_score is not None else ""]
        for question_id, _ in attempt.layout:
            question = questions.get(question_id)
            answer = answers.get(attempt.id, {}).get(question_id)
            if question is None:
                continue
            rows.append([*head, str(question.slot), str(question.version), question.text,
                         _shown(question, answer.response) if answer else "",
                         f"{answer.points:.2f}" if answer and answer.points is not None else "",
                         answer.saved_at.isoformat(timespec="seconds") if answer else ""])
    return rows
