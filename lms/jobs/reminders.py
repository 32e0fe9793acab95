"""Reminders derived from the data (``lms_reminder``) and sent once each.

``derive_reminders`` asks every reminder source what is coming and makes the pending rows
match: new reminders are added, pending ones whose event moved or went away are removed
(a moved event has new keys, as the key names the event's time). It runs in the
transaction of every change that affects reminders (a session created, moved, cancelled or
restored; people joining or leaving a cohort), and every minute in the scheduler for what
changed without telling (a quiz's opening time, the clock). ``send_due_reminders`` turns
each due reminder into an e-mail under a conditional UPDATE, so it is sent once whatever
runs at the same moment.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from lms.auth.models import User
from lms.core.db import db
from lms.core.time import utcnow
from lms.jobs.models import Reminder
from lms.jobs.registry import REMINDER_SOURCES, periodic_job
from lms.notifications.services import queue_email

log = logging.getLogger("lms.reminders")


@dataclass
class DeriveReport:
    added: int = 0
    removed: int = 0

    def __str__(self) -> str:
        return f"{self.added} reminder(s) added, {self.removed} removed"


def derive_reminders(now: datetime | None = None, cohort_id: int | None = None,
                     sources: list[str] | None = None) -> DeriveReport:
    """Make the pending reminders match what the sources want now (of one cohort, or all). Flushes."""
    now = now or utcnow()
    until = now + timedelta(seconds=current_app.config["LMS_REMINDER_HORIZON"])
    report = DeriveReport()
    for name in sources or list(REMINDER_SOURCES):
        source = REMINDER_SOURCES[name]
        wanted = {due.key: due for due in source.upcoming(now, until, cohort_id)}
        pending = db.select(Reminder).where(Reminder.source == name, Reminder.status == "pending",
                                            Reminder.event_at > now)
        if cohort_id is not None:
            pending = pending.where(Reminder.cohort_id == cohort_id)
        for reminder in db.session.execute(pending).scalars():
            if reminder.key not in wanted:
                db.session.delete(reminder)
                report.removed += 1
        known = set()
        keys = list(wanted)
        for start in range(0, len(keys), 500):
            known.update(db.session.execute(sa.select(Reminder.key).where(Reminder.key.in_(keys[start:start + 500])))
                         .scalars())
        for key, due in wanted.items():
            if key not in known:
                db.session.add(Reminder(key=key, source=name, object_id=due.object_id, cohort_id=due.cohort_id,
                                        user_id=due.user_id, label=due.label, due_at=due.due_at,
                                        event_at=due.event_at))
                report.added += 1
    db.session.flush()
    return report


@dataclass
class SendReport:
    sent: int = 0
    muted: int = 0
    missed: int = 0
    dropped: int = 0

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.muted} muted, {self.missed} missed, {self.dropped} dropped"


def _finish(reminder_id: int, status: str, outbox_id: int | None = None) -> bool:
    """Move one reminder out of ``pending``; False when someone else already did."""
    return db.session.execute(
        sa.update(Reminder).where(Reminder.id == reminder_id, Reminder.status == "pending")
        .values(status=status, done_at=utcnow(), outbox_id=outbox_id)
        .execution_options(synchronize_session=False)).rowcount == 1


def send_due_reminders(now: datetime | None = None, limit: int = 1000) -> SendReport:
    """Queue an e-mail for every reminder that is due (each once), committing each."""
    now = now or utcnow()
    report = SendReport()
    due = db.session.execute(sa.select(Reminder.id).where(Reminder.status == "pending", Reminder.due_at <= now)
                             .order_by(Reminder.due_at, Reminder.id).limit(limit)).scalars().all()
    for reminder_id in due:
        reminder = db.session.get(Reminder, reminder_id)
        if reminder is None or reminder.status != "pending":
            continue
        user = db.session.get_one(User, reminder.user_id)
        if reminder.event_at <= now:
            status = "missed"
        elif user.mute_reminders:
            status = "muted"
        else:
            status = "sent"
        if not _finish(reminder_id, status):  # taken by another run: its e-mail is its own
            db.session.rollback()
            continue
        if status == "sent":
            mail = REMINDER_SOURCES[reminder.source].compose(reminder, user) if reminder.source in REMINDER_SOURCES \
                else None
            if mail is None:
                db.session.execute(sa.update(Reminder).where(Reminder.id == reminder_id).values(status="dropped"))
                report.dropped += 1
            else:
                message = queue_email(user.email, mail.subject, mail.body, html=mail.html,
                                      attachments=mail.attachments, kind="reminder", user=user)
                db.session.execute(sa.update(Reminder).where(Reminder.id == reminder_id)
                                   .values(outbox_id=message.id))
                report.sent += 1
        else:
            setattr(report, status, getattr(report, status) + 1)
        db.session.commit()
    return report


def reminders_job() -> str:
    derived = derive_reminders()
    db.session.commit()
    return f"{derived}; {send_due_reminders()}"


def upcoming_reminders(limit: int = 50) -> list[Reminder]:
    """The next pending reminders, soonest first (for the staff page and ``flask lms jobs``)."""
    return list(db.session.execute(sa.select(Reminder).where(Reminder.status == "pending")
                                   .order_by(Reminder.due_at, Reminder.id).limit(limit)).scalars())


periodic_job("reminders", reminders_job, minutes=1)
