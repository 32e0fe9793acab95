"""What operators see of scheduled work: the periodic jobs with their next run, the lease,
recent runs, pending reminders and the outbox."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from lms.core.db import db
from lms.jobs import lease
from lms.jobs.models import JobRun, Reminder, SchedulerLease, scheduler_jobs
from lms.jobs.registry import PERIODIC_JOBS
from lms.notifications.delivery import outbox_counts
from lms.notifications.models import OutboxMessage


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    every: str
    #: None until a scheduler process has stored it.
    next_run: datetime | None


@dataclass(frozen=True)
class JobsOverview:
    jobs: list[ScheduledJob]
    lease: SchedulerLease | None
    runs: list[JobRun]
    reminders: dict[str, int]
    next_reminders: list[Reminder]
    outbox: dict[str, int]
    problems: list[OutboxMessage]


def _every(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def jobs_overview(runs: int = 20) -> JobsOverview:
    """Everything the staff page and ``flask lms jobs`` show, in a fixed number of queries."""
    stored = {row.id: row.next_run_time for row in db.session.execute(sa.select(scheduler_jobs))}
    jobs = [ScheduledJob(name, _every(job.interval.total_seconds()),
                         datetime.fromtimestamp(stored[name], UTC) if stored.get(name) is not None else None)
            for name, job in sorted(PERIODIC_JOBS.items())]
    recent = list(db.session.execute(sa.select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc())
                                     .limit(runs)).scalars())
    reminders = {status: count for status, count in db.session.execute(
        sa.select(Reminder.status, sa.func.count(Reminder.id)).group_by(Reminder.status))}
    upcoming = list(db.session.execute(sa.select(Reminder).where(Reminder.status == "pending")
                                       .order_by(Reminder.due_at, Reminder.id).limit(10)).scalars())
    problems = list(db.session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.status.in_(("failed", "pending", "sending")),
                                       OutboxMessage.last_error.is_not(None))
        .order_by(OutboxMessage.id.desc()).limit(20)).scalars())
    return JobsOverview(jobs, lease.current(), recent, reminders, upcoming, outbox_counts(), problems)


__all__ = ["jobs_overview", "JobsOverview"]
