"""The scheduler's quiz work (wired when quizzes and the scheduler met): overdue attempts
submitted by the periodic job, and reminders when a quiz opens and a day before it closes,
in each participant's zone, the closing one only to those who have not submitted."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from lms.cohorts.models import Role
from lms.cohorts.services import get_cohort
from lms.core import time as lms_time
from lms.core.db import db
from lms.courses.loader import load_course_file
from lms.courses.services import import_course
from lms.jobs.models import JobRun, Reminder
from lms.jobs.registry import PERIODIC_JOBS, load_job_modules
from lms.jobs.reminders import derive_reminders, send_due_reminders
from lms.jobs.runner import run_job
from lms.notifications.models import OutboxMessage
from lms.quizzes import services
from lms.quizzes.models import Attempt, Quiz
from tests.conftest import enrol, make_user

COURSE = Path(__file__).resolve().parents[2] / "courses" / "itu-dpg-oss.toml"
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
PEOPLE = [("layla@example.org", "ليلى عبد الله", "Africa/Cairo"), ("wang@example.org", "王小明", "Asia/Shanghai"),
          ("ananya@example.org", "अनन्या शर्मा", "Asia/Kolkata"),
          ("nhung@example.org", "Nguyễn Thị Hồng Nhung", "Asia/Ho_Chi_Minh"),
          ("yulia@example.org", "Юлия Иванова", "Europe/Moscow")]


def _quiz(opens: datetime | None, closes: datetime | None) -> tuple[Quiz, list]:
    lms_time.freeze(NOW)
    import_course(load_course_file(COURSE))
    db.session.commit()
    cohort = get_cohort("itu-dpg-oss-2024")
    users = [make_user(email, name, timezone=zone) for email, name, zone in PEOPLE]
    for user in users:
        enrol(user, cohort, Role.PARTICIPANT)
    quiz = db.session.execute(sa.select(Quiz).where(Quiz.cohort_id == cohort.id)).scalar_one()
    quiz.opens_at, quiz.closes_at = opens, closes
    db.session.commit()
    return quiz, users


def _reminder_mail() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.kind == "reminder")
                                   .order_by(OutboxMessage.id)).scalars())


def test_the_scheduler_has_the_quiz_and_application_jobs(app):
    load_job_modules()
    assert {"quizzes.submit-overdue", "applications.expire-offers", "applications.purge"} <= set(PERIODIC_JOBS)


def test_the_periodic_job_submits_an_abandoned_attempt_once(app, ctx):
    quiz, users = _quiz(None, None)
    attempt = services.start_attempt(quiz, users[0])
    first = services.attempt_questions(attempt)[0][0]
    services.save_answers(attempt, {first.id: [str(first.correct[0])]})
    db.session.commit()
    lms_time.freeze(NOW + timedelta(minutes=quiz.time_limit_minutes, seconds=61))  # past the limit and the grace

    run = run_job("quizzes.submit-overdue", holder="test")
    again = run_job("quizzes.submit-overdue", holder="test")  # the same slot: not run twice

    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    runs = db.session.execute(sa.select(JobRun.detail).where(JobRun.job == "quizzes.submit-overdue")).scalars().all()
    assert run is not None and again is None and runs == ["1"]
    assert attempt.submitted_at is not None and attempt.submitted_by != "participant"
    assert services.submit_overdue() == 0


def test_quiz_reminders_go_out_once_in_each_zone_and_not_to_those_who_submitted(app, ctx):
    opens, closes = NOW + timedelta(hours=2), NOW + timedelta(days=3)
    quiz, users = _quiz(opens, closes)
    derive_reminders(sources=["quizzes"])
    db.session.commit()
    keys = db.session.execute(sa.select(Reminder.label).where(Reminder.key.like("quiz:%"))).scalars().all()
    assert sorted(keys) == ["closes"] * 5 + ["opens"] * 5

    lms_time.freeze(opens)
    assert send_due_reminders().sent == 5
    assert send_due_reminders().sent == 0
    mails = {m.recipient: m for m in _reminder_mail()}
    assert all("is open" in m.subject for m in mails.values())
    kolkata = mails["ananya@example.org"]
    assert "अनन्या शर्मा" in kolkata.body and "(Asia/Kolkata)" in kolkata.body
    assert f"/cohorts/itu-dpg-oss-2024/quizzes/{quiz.id}" in kolkata.body

    attempt = services.start_attempt(quiz, users[1])
    services.submit_attempt(attempt, users[1])
    db.session.commit()
    lms_time.freeze(closes - timedelta(hours=24))
    report = send_due_reminders()
    assert report.sent == 4  # 王小明 submitted: no closing reminder
    closing = [m for m in _reminder_mail() if "closes in 24 hours" in m.subject]
    assert sorted(m.recipient for m in closing) == sorted(e for e, _, _ in PEOPLE if e != "wang@example.org")


def test_moving_a_quiz_moves_its_reminders(app, ctx):
    quiz, _ = _quiz(NOW + timedelta(hours=2), NOW + timedelta(days=3))
    derive_reminders(sources=["quizzes"])
    db.session.commit()
    quiz.opens_at = NOW + timedelta(hours=5)
    db.session.commit()
    derive_reminders(sources=["quizzes"])
    db.session.commit()
    pending = db.session.execute(sa.select(Reminder.due_at).where(
        Reminder.label == "opens", Reminder.status == "pending")).scalars().all()
    assert len(pending) == 5 and {p.replace(tzinfo=UTC) if p.tzinfo is None else p for p in pending} == {
        NOW + timedelta(hours=5)}
