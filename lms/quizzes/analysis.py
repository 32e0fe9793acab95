"""What staff read about a quiz: every attempt, the item analysis (share right per question
and the most chosen wrong answer) with a small chart drawn on the server, and every answer
as a table for CSV/XLSX. A fixed number of queries whatever the cohort's size."""
from __future__ import annotations

import json
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
    #: A light row with the attempt's id, number, times, who submitted it and its score.
    attempt: Any | None


def attempt_rows(quiz: Quiz) -> list[AttemptRow]:
    """Every participant with each of their attempts (or none yet), by name; two queries."""
    people = db.session.execute(sa.select(User.id, User.name, User.email).join(
        Membership, Membership.user_id == User.id).where(Membership.cohort_id == quiz.cohort_id,
                                                         Membership.role == Role.PARTICIPANT)).all()
    attempts: dict[int, list[Any]] = {}
    shown = (Attempt.id, Attempt.user_id, Attempt.number, Attempt.submitted_at, Attempt.submitted_by,
             Attempt.deadline_at, Attempt.score, Attempt.max_score)
    for attempt in db.session.execute(sa.select(*shown).where(Attempt.quiz_id == quiz.id)  # light rows
                                      .order_by(Attempt.number)).all():
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
    """Per question version that submitted attempts answered, in the quiz's order. The
    database groups the answers (question, answer as given, points): a cohort of 5,000 sends
    a few rows per question, not 50,000 answers."""
    questions = {q.id: q for q in db.session.execute(sa.select(Question).where(Question.quiz_id == quiz.id)).scalars()}
    raw = sa.cast(Answer.response, sa.Text)
    answers: dict[int, list[tuple[list[Any], Decimal | None, int]]] = {}
    for question_id, text, points, count in db.session.execute(
            sa.select(Answer.question_id, raw, Answer.points, sa.func.count())
            .join(Attempt, Attempt.id == Answer.attempt_id)
            .where(Attempt.quiz_id == quiz.id, Attempt.submitted_at.is_not(None))
            .group_by(Answer.question_id, raw, Answer.points)).all():
        answers.setdefault(question_id, []).append((json.loads(text) if text else [], points, count))
    items = []
    ordered = sorted(questions.values(), key=lambda q: (q.position, q.slot, q.version))
    for number, question in enumerate(q for q in ordered if q.retired_at is None or q.id in answers):
        given = answers.get(question.id, [])
        graded = [(points, count) for _, points, count in given if points is not None]
        weight = sum(count for _, count in graded)
        share = (sum((points * count for points, count in graded), Decimal(0)) / weight).quantize(Decimal("0.01")) \
            if weight else None
        wrong: Counter[str] = Counter()
        for response, points, count in given:
            if points is not None and points < 1 and response:
                if question.kind == "short_answer":
                    wrong[normalise_text(str(response[0]))] += count
                elif question.kind != "multiple":
                    wrong[_shown(question, response)] += count
                else:
                    for index in response:
                        if index not in question.correct and isinstance(index, int) and index < len(question.choices):
                            wrong[question.choices[index]] += count
        top = wrong.most_common(1)
        items.append(Item(number + 1, question, sum(count for _, _, count in given), share,
                          top[0][0] if top else None, top[0][1] if top else 0))
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
