"""The scheduler process: APScheduler 3 with its SQLAlchemy job store on the LMS database.

Started only by ``flask lms scheduler`` (never by the web app: under gunicorn or the
reloader every worker would run every job). The process first takes the database lease
(``lms.jobs.lease``); a second process waits until the lease is free or expired. Each run of
a job is also recorded under a unique (job, slot) key, so even two processes that both
believe they hold the lease cannot run the same occurrence twice.
"""
from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask, current_app

from lms.core.db import db
from lms.core.time import utcnow
from lms.jobs import lease
from lms.jobs.models import JobRun
from lms.jobs.registry import PERIODIC_JOBS

log = logging.getLogger("lms.scheduler")

#: The app and lease holder of this scheduler process (APScheduler stores jobs as a
#: reference to ``run_job`` and the job's name, so they cannot carry the app themselves).
_process: dict[str, Any] = {}


def _slot(moment: datetime, interval: timedelta) -> datetime:
    """The start of the interval-long slot ``moment`` falls in: one run per job per slot."""
    seconds = int(interval.total_seconds()) or 1
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


def interval_of(app: Flask, name: str) -> timedelta:
    """The job's interval, or ``LMS_JOB_INTERVAL_SECONDS`` for every job when set (tests, demos)."""
    override = app.config.get("LMS_JOB_INTERVAL_SECONDS")
    return timedelta(seconds=float(override)) if override else PERIODIC_JOBS[name].interval


def run_job(name: str, holder: str | None = None, app: Flask | None = None) -> JobRun | None:
    """Run the periodic job ``name`` once, inside an app context, if this process still holds
    the lease and nobody ran this slot yet; returns the recorded run (None when skipped)."""
    app = app or _process.get("app") or current_app._get_current_object()  # type: ignore[attr-defined]
    holder = holder or _process.get("holder") or "once"
    job = PERIODIC_JOBS[name]
    with app.app_context():
        try:
            if _process.get("holder") == holder and not lease.holds(holder):
                log.warning("job %s skipped: this process no longer holds the scheduler lease", name)
                return None
            run = JobRun(job=name, due_at=_slot(utcnow(), interval_of(app, name)), holder=holder, started_at=utcnow())
            db.session.add(run)
            try:
                db.session.commit()
            except sa.exc.IntegrityError:
                db.session.rollback()
                log.info("job %s skipped: this slot already ran", name)
                return None
            run_id = run.id
            try:
                result = job.func()
                db.session.commit()
                outcome, detail = "done", "" if result is None else str(result)
            except Exception as error:  # a job's failure is recorded; the scheduler goes on
                db.session.rollback()
                log.exception("job %s failed", name)
                outcome, detail = "error", f"{type(error).__name__}: {error}"
            run = db.session.get_one(JobRun, run_id)
            run.outcome, run.detail, run.finished_at = outcome, detail[:2000], utcnow()
            db.session.commit()
            log.info("job %s: %s %s", name, outcome, detail)
            return run
        finally:
            db.session.remove()


#: After downtime a job runs once, not once per missed interval, and never twice at a time.
JOB_DEFAULTS: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}


def _store(app: Flask) -> SQLAlchemyJobStore:
    with app.app_context():
        engine = db.engine
    return SQLAlchemyJobStore(engine=engine, tablename="lms_scheduler_job")


def make_scheduler(app: Flask) -> BackgroundScheduler:
    return BackgroundScheduler(
        jobstores={"default": _store(app)}, executors={"default": ThreadPoolExecutor(2)}, timezone=UTC,
        job_defaults=JOB_DEFAULTS)


def _open_store(app: Flask) -> tuple[BackgroundScheduler, SQLAlchemyJobStore]:
    """The job store without a running scheduler (whose thread would run jobs by the wall clock)."""
    scheduler = make_scheduler(app)
    store = scheduler._jobstores["default"]
    store.start(scheduler, "default")
    return scheduler, store


def sync_jobs(app: Flask) -> list[str]:
    """Make the job store hold exactly the registered periodic jobs. Jobs already stored keep
    their next run time (a restart keeps the schedule); new ones are due at once; a changed
    interval is rescheduled; jobs no longer registered are removed. Returns what changed."""
    scheduler, store = _open_store(app)
    changes = []
    try:
        stored = {job.id: job for job in store.get_all_jobs()}
        for name in PERIODIC_JOBS:
            existing = stored.pop(name, None)
            interval = interval_of(app, name)
            trigger = IntervalTrigger(seconds=interval.total_seconds(), timezone=UTC)
            if existing is None:
                # Not started, so add_job only builds the Job (with the defaults); the store keeps it.
                store.add_job(scheduler.add_job(run_job, trigger, args=[name], id=name, name=name,
                                                next_run_time=utcnow(), **JOB_DEFAULTS))
                changes.append(f"added {name}")
            elif getattr(existing.trigger, "interval", None) != interval:
                existing.trigger, existing.next_run_time = trigger, utcnow()
                store.update_job(existing)
                changes.append(f"rescheduled {name}")
        for name in stored:
            store.remove_job(name)
            changes.append(f"removed {name}")
    finally:
        store.shutdown()
    return changes


@dataclass
class OnceReport:
    ran: list[str]
    skipped: list[str]


def run_due_once(app: Flask, holder: str) -> OnceReport:
    """Run every stored job whose time has come (by ``utcnow``), once, and move it to its next time."""
    sync_jobs(app)
    scheduler, store = _open_store(app)
    report = OnceReport([], [])
    try:
        now = utcnow()
        for job in store.get_due_jobs(now):
            run = run_job(job.id, holder, app)
            (report.ran if run is not None else report.skipped).append(job.id)
            following = job.trigger.get_next_fire_time(job.next_run_time, now)
            while following is not None and following <= now:
                following = job.trigger.get_next_fire_time(following, now)
            job.next_run_time = following
            store.update_job(job)
    finally:
        store.shutdown()
    return report


def serve(app: Flask, holder: str, stop: threading.Event, echo: Any = print) -> None:
    """The long-lived scheduler: wait for the lease, run the jobs while holding it (renewing it
    every third of its length), give it back on ``stop`` (SIGTERM, SIGINT)."""
    with app.app_context():
        every = app.config["LMS_SCHEDULER_LEASE_SECONDS"] / 3
    _process.update(app=app, holder=holder)
    waiting_said = False
    while not stop.is_set():
        with app.app_context():
            got = lease.acquire(holder)
            other = lease.current()
            other_holder = other.holder if other is not None else None
            db.session.remove()
        if not got:
            if not waiting_said:
                echo(f"Another scheduler holds the lease ({other_holder}); waiting for it.")
                waiting_said = True
            stop.wait(min(every, 5))
            continue
        waiting_said = False
        echo(f"Scheduler {holder} holds the lease; running jobs.")
        sync_jobs(app)
        scheduler = make_scheduler(app)
        scheduler.start()
        try:
            while not stop.wait(every):
                with app.app_context():
                    renewed = lease.acquire(holder)
                    db.session.remove()
                if not renewed:
                    echo("The scheduler lease was lost; stopping the jobs.")
                    break
        finally:
            scheduler.shutdown(wait=True)
    with app.app_context():
        lease.release(holder)
        db.session.remove()
    echo(f"Scheduler {holder} stopped.")


def install_stop_handlers(stop: threading.Event) -> None:
    def handler(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
