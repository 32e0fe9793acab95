"""Quiz work for the scheduler: attempts whose time ran out are submitted with what was
saved (every minute), and participants are reminded when a quiz opens and 24 hours before
it closes (the closing reminder only to those who have not submitted)."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import sqlalchemy as sa

from lms.auth.models import User
from lms.cohorts.models import Cohort, Membership, Role
from lms.core.db import db
from lms.core.timefmt import show_moment
from lms.core.urls import external_url
from lms.jobs.models import Reminder
from lms.jobs.registry import Due, Mail, periodic_job, reminder_source
from lms.quizzes.models import Attempt, Quiz
from lms.quizzes.services import submit_overdue

#: The closing reminder goes out this long before a quiz closes.
BEFORE_CLOSING = timedelta(hours=24)


def upcoming_quiz_reminders(now: datetime, until: datetime, cohort_id: int | None) -> Iterator[Due]:
    """An "opens" reminder per participant when a quiz opens, and a "closes" one a day before
    it closes, for every quiz whose opening or closing falls in ``(now, until]``."""
    query = (sa.select(Quiz, Membership.user_id).join(Membership, Membership.cohort_id == Quiz.cohort_id)
             .where(Membership.role == Role.PARTICIPANT,
                    sa.or_(sa.and_(Quiz.opens_at > now, Quiz.opens_at <= until),
                           sa.and_(Quiz.closes_at > now, Quiz.closes_at <= until))))
    if cohort_id is not None:
        query = query.where(Quiz.cohort_id == cohort_id)
    for quiz, user_id in db.session.execute(query):
        if quiz.opens_at is not None and now < quiz.opens_at <= until:
            yield Due(key=f"quiz:{quiz.id}@{quiz.opens_at:%Y%m%dT%H%MZ}:opens:user:{user_id}", object_id=quiz.id,
                      cohort_id=quiz.cohort_id, user_id=user_id, label="opens", due_at=quiz.opens_at,
                      event_at=quiz.closes_at or quiz.opens_at + timedelta(days=365))
        if quiz.closes_at is not None and now < quiz.closes_at <= until:
            due = quiz.closes_at - BEFORE_CLOSING
            if quiz.opens_at is not None and due < quiz.opens_at:
                continue  # open for less than a day: the opening reminder says when it closes
            yield Due(key=f"quiz:{quiz.id}@{quiz.closes_at:%Y%m%dT%H%MZ}:closes:user:{user_id}", object_id=quiz.id,
                      cohort_id=quiz.cohort_id, user_id=user_id, label="closes", due_at=due,
                      event_at=quiz.closes_at)


def compose_quiz_reminder(reminder: Reminder, user: User) -> Mail | None:
    quiz = db.session.get(Quiz, reminder.object_id)
    if quiz is None:
        return None
    if reminder.label == "opens" and quiz.opens_at != reminder.due_at:
        return None  # the opening moved: a new reminder was derived for the new time
    if reminder.label == "closes" and quiz.closes_at != reminder.event_at:
        return None
    submitted = db.session.scalar(sa.select(sa.func.count(Attempt.id)).where(
        Attempt.quiz_id == quiz.id, Attempt.user_id == user.id, Attempt.submitted_at.is_not(None)))
    if reminder.label == "closes" and submitted:
        return None  # done already: nothing to remind
    cohort = db.session.get(Cohort, quiz.cohort_id)
    zone = user.timezone or "UTC"
    url = external_url("lms.quizzes.quiz_view", slug=cohort.slug, quiz_id=quiz.id)
    closes = f"It closes {show_moment(quiz.closes_at, zone)}." if quiz.closes_at else "It has no closing time."
    if reminder.label == "opens":
        subject = f"{cohort.title}: “{quiz.title}” is open"
        body = f"Hello {user.name},\n\n“{quiz.title}” is now open to take. {closes}\n\n{url}\n"
    else:
        subject = f"Reminder: {cohort.title}, “{quiz.title}” closes in 24 hours"
        body = (f"Hello {user.name},\n\nYou have not submitted “{quiz.title}” yet. {closes} Answers you saved are "
                f"kept; submit them from the quiz page:\n\n{url}\n")
    body += "\nYou can mute reminder e-mails on your account page.\n"
    return Mail(subject, body)


periodic_job("quizzes.submit-overdue", submit_overdue, minutes=1)
reminder_source("quizzes", upcoming=upcoming_quiz_reminders, compose=compose_quiz_reminder)
