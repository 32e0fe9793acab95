"""What the scheduler runs. A feature plugs in with one call in its ``jobs.py``:

    from lms.jobs.registry import periodic_job, reminder_source
    periodic_job("quizzes.submit-overdue", submit_overdue, minutes=1)
    reminder_source("quizzes", upcoming=quiz_reminders, compose=compose_quiz_reminder)

and its module is named in ``JOB_MODULES`` below (imported when the LMS starts).

- A **periodic job** is a function without arguments, run inside an app context every
  ``interval`` by the scheduler process, which commits after it (or rolls back when it
  raises). It must be safe to run twice. What it returns is kept as the run's detail.
- A **reminder source** says what is coming: ``upcoming(now, until, cohort_id)`` yields a
  :class:`Due` for every reminder of events starting in ``(now, until]`` (of one cohort
  when ``cohort_id`` is given); ``compose(reminder, user)`` writes the e-mail when one is due
  (a :class:`Mail`, or None when it no longer applies). Reminders are kept in step with the
  sources by ``lms.jobs.reminders.derive_reminders`` and each goes out once.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lms.auth.models import User
    from lms.jobs.models import Reminder
    from lms.notifications.services import Attachment

#: Modules whose import registers jobs and reminder sources (and connects their signal handlers).
JOB_MODULES = [
    "lms.notifications.jobs",
    "lms.jobs.reminders",
    "lms.sessions.jobs",
    "lms.certificates.jobs",
    "lms.quizzes.jobs",
    "lms.applications.jobs",
]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: Callable[[], Any]
    interval: timedelta


@dataclass(frozen=True)
class Due:
    """One reminder a source wants sent."""

    #: Unique for ever: names the source, the event *and its time*, the offset and the person,
    #: so a moved event gets new reminders and each is sent once.
    key: str
    object_id: int
    #: The cohort the event belongs to: a change in one cohort derives only its reminders again.
    cohort_id: int | None
    user_id: int
    label: str
    due_at: datetime
    event_at: datetime


@dataclass(frozen=True)
class Mail:
    subject: str
    body: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = field(default=())


@dataclass(frozen=True)
class ReminderSource:
    name: str
    upcoming: Callable[[datetime, datetime, int | None], Iterable[Due]]
    compose: Callable[[Reminder, User], Mail | None]


PERIODIC_JOBS: dict[str, PeriodicJob] = {}
REMINDER_SOURCES: dict[str, ReminderSource] = {}


def periodic_job(name: str, func: Callable[[], Any], *, minutes: float = 0, seconds: float = 0) -> PeriodicJob:
    """Run ``func`` every ``minutes``/``seconds`` in the scheduler process."""
    interval = timedelta(minutes=minutes, seconds=seconds)
    if interval <= timedelta(0):
        raise ValueError(f"job {name!r} needs a positive interval")
    job = PeriodicJob(name, func, interval)
    PERIODIC_JOBS[name] = job
    return job


def reminder_source(name: str, *, upcoming: Callable[[datetime, datetime, int | None], Iterable[Due]],
                    compose: Callable[[Reminder, User], Mail | None]) -> ReminderSource:
    """Register the reminders of one kind of event (sessions, quizzes …)."""
    source = ReminderSource(name, upcoming, compose)
    REMINDER_SOURCES[name] = source
    return source


def load_job_modules() -> None:
    for module in JOB_MODULES:
        importlib.import_module(module)
