"""Scheduled work: the scheduler's lease, its job store, each run of a job, and the
reminders derived from the data."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Float, ForeignKey, Integer, LargeBinary, String, Table, Text, Unicode, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import UTCDateTime, db
from lms.core.time import utcnow

#: APScheduler's SQLAlchemyJobStore table (its own layout, declared here so the migrations
#: create it and the models-vs-migrations test sees it; the job store finds it and uses it).
scheduler_jobs = Table(
    "lms_scheduler_job", db.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


class SchedulerLease(db.Model):
    """Who may run scheduled jobs now. One row per lease name; a scheduler process takes it
    when it is free or expired and renews it while it lives, so a second process waits."""

    __tablename__ = "lms_scheduler_lease"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acquired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JobRun(db.Model):
    """One run of one periodic job. ``(job, due_at)`` is unique: a scheduled occurrence runs once
    even if two processes both believe they hold the lease."""

    __tablename__ = "lms_job_run"
    __table_args__ = (UniqueConstraint("job", "due_at", name="uq_lms_job_run_job_due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(100), index=True)
    #: The occurrence: when the scheduler meant to run it.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    holder: Mapped[str] = mapped_column(String(100))
    #: running → done | error
    outcome: Mapped[str] = mapped_column(String(20), default="running")
    #: What the job returned (e.g. "3 sent, 1 to retry"), or the error.
    detail: Mapped[str | None] = mapped_column(Text)


class Reminder(db.Model):
    """One reminder to one person, derived from the data by a reminder source and kept in
    step with it (moved with its session, removed when the session is cancelled). ``key`` is
    unique, so each reminder goes out once."""

    __tablename__ = "lms_reminder"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: e.g. ``session:<uid>@20241030T1400Z:24h:user:7``: names the source, the event and its time.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    source: Mapped[str] = mapped_column(String(50))
    #: The source's object (a session id): what the message is composed from when it is due.
    object_id: Mapped[int] = mapped_column(Integer)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("lms_cohort.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    #: ``24h``, ``1h``: how long before the event.
    label: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: The event itself: a reminder not sent by then is ``missed``.
    event_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: pending → sent | muted (the person mutes reminders) | missed (the scheduler was not running)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("lms_outbox_message.id", ondelete="SET NULL"))
