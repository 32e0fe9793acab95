"""The scheduler: ``--once`` runs what is due, a restart keeps the schedule, it never starts
in the web app, and two real scheduler processes send each e-mail exactly once (the lease)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time as wall
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from lms.cohorts.models import Role
from lms.core import time as lms_time
from lms.core.db import db
from lms.core.time import utcnow
from lms.jobs import lease
from lms.jobs.models import JobRun, Reminder, SchedulerLease, scheduler_jobs
from lms.jobs.registry import PERIODIC_JOBS
from lms.jobs.runner import _open_store, run_due_once
from lms.notifications.models import OutboxMessage
from lms.notifications.services import queue_email
from tests.conftest import enrol, make_cohort, make_session, make_user
from tests.smtp import SMTPServer

ROOT = Path(__file__).resolve().parents[2]


def _stored() -> dict[str, float]:
    with db.engine.connect() as conn:
        return {row.id: row.next_run_time for row in conn.execute(sa.select(scheduler_jobs))}


def _runs() -> list[JobRun]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(JobRun).order_by(JobRun.started_at, JobRun.id)).scalars())


def test_once_runs_every_due_job_then_nothing_until_the_next_time(app, ctx, runner):
    result = runner.invoke(args=["lms", "scheduler", "--once"])
    assert result.exit_code == 0, result.output
    assert sorted(run.job for run in _runs()) == sorted(PERIODIC_JOBS)
    assert all(run.outcome == "done" for run in _runs())
    assert set(_stored()) == set(PERIODIC_JOBS)

    again = runner.invoke(args=["lms", "scheduler", "--once"])
    assert "Ran 0 due job(s)." in again.output
    assert len(_runs()) == len(PERIODIC_JOBS)
    assert db.session.get(SchedulerLease, "scheduler").holder is None  # given back


def test_a_restart_keeps_the_schedule_and_the_pending_work(app, ctx):
    lms_time.freeze(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
    cohort = make_cohort()
    user = make_user()
    enrol(user, cohort, Role.PARTICIPANT)
    make_session(cohort, starts_at=datetime(2025, 3, 5, 14, 0, tzinfo=UTC), updated_at=utcnow())
    queue_email(user.email, "Waiting", "body")
    db.session.commit()
    first = run_due_once(app, "first-process")
    assert sorted(first.ran) == sorted(PERIODIC_JOBS)
    schedule = _stored()
    pending = [(r.key, r.due_at) for r in db.session.execute(sa.select(Reminder)).scalars()]
    assert len(pending) == 2

    # A new process: a new APScheduler job store on the same table finds the same jobs and times.
    lms_time.freeze(datetime(2025, 3, 1, 9, 0, 30, tzinfo=UTC))
    _, store = _open_store(app)
    try:
        assert {job.id: job.next_run_time.timestamp() for job in store.get_all_jobs()} == schedule
    finally:
        store.shutdown()
    assert run_due_once(app, "second-process").ran == []
    assert _stored() == schedule
    db.session.expire_all()
    assert [(r.key, r.due_at) for r in db.session.execute(sa.select(Reminder)).scalars()] == pending
    assert db.session.execute(sa.select(OutboxMessage.status)).scalars().all() == ["pending"]  # no MAIL_SERVER here

    lms_time.freeze(datetime(2025, 3, 1, 9, 1, 30, tzinfo=UTC))
    every_minute = sorted(name for name, job in PERIODIC_JOBS.items() if job.interval <= timedelta(minutes=1))
    assert sorted(run_due_once(app, "second-process").ran) == every_minute


def test_the_web_app_starts_no_scheduler(app, client):
    before = {t.name for t in threading.enumerate()}
    client.get("/")
    client.get("/login")
    assert {t.name for t in threading.enumerate()} - before == set()
    with app.app_context():
        assert _stored() == {}
        assert db.session.execute(sa.select(SchedulerLease)).first() is None


def test_the_lease_is_held_by_one_holder_until_it_expires(app, ctx):
    lms_time.freeze(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
    assert lease.acquire("a") and lease.acquire("a")
    assert not lease.acquire("b")
    lms_time.freeze(utcnow() + timedelta(seconds=app.config["LMS_SCHEDULER_LEASE_SECONDS"] + 1))
    assert lease.acquire("b") and not lease.acquire("a")
    lease.release("b")
    assert lease.acquire("a")


def _start(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "lms", "scheduler"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_for(condition, what: str, limit: float = 60) -> None:
    deadline = wall.monotonic() + limit
    while not condition():
        assert wall.monotonic() < deadline, f"gave up waiting for {what}"
        wall.sleep(0.2)


def test_two_scheduler_processes_send_each_email_exactly_once(app):
    with app.app_context():
        now = utcnow()
        cohort = make_cohort()
        people = [make_user(f"p{i}@example.org", name) for i, name in
                  enumerate(["ليلى عبد الله", "王小明", "अनन्या शर्मा", "Юлия Иванова"])]
        for person in people:
            enrol(person, cohort, Role.PARTICIPANT)
        # Starts in 30 minutes; scheduled days ago: each member's 1-hour reminder is due.
        make_session(cohort, starts_at=now + timedelta(minutes=30), updated_at=now - timedelta(days=2),
                     join_url="https://meet.example.org/soon")
        for i in range(3):
            queue_email(f"p{i}@example.org", f"Notice {i}", "body")
        db.session.commit()
        url = db.engine.url.render_as_string(hide_password=False)
        db.session.remove()
    with SMTPServer() as smtp:
        env = {**os.environ, "LMS_ENV": "testing", "LMS_TEST_DATABASE_URL": url, "MAIL_SERVER": "127.0.0.1",
               "MAIL_PORT": str(smtp.port), "LMS_JOB_INTERVAL_SECONDS": "1", "LMS_SCHEDULER_LEASE_SECONDS": "3"}
        first, second = _start(env), _start(env)
        try:
            _wait_for(lambda: len(smtp.recorder.received) >= 7, "seven e-mails")
            with app.app_context():
                holder = lease.current().holder
                # Let both processes run on a few more seconds: nothing more may arrive.
                _wait_for(lambda: db.session.execute(sa.select(sa.func.count(JobRun.id))).scalar() >= 8, "more runs")
                db.session.remove()
            # Stop the holder: the other takes over and runs the jobs, sending nothing again.
            by_pid = {first.pid: first, second.pid: second}
            running = by_pid[int(holder.split(":")[1])]
            other = second if running is first else first
            running.send_signal(signal.SIGTERM)
            assert running.wait(30) == 0
            with app.app_context():
                def taken_over() -> bool:
                    db.session.expire_all()
                    return db.session.execute(sa.select(sa.func.count(JobRun.id)).where(
                        JobRun.holder.like(f"%:{other.pid}:%"))).scalar() >= 4
                _wait_for(taken_over, "the second scheduler to take over")
                db.session.remove()
            other.send_signal(signal.SIGTERM)
            assert other.wait(30) == 0
        finally:
            for process in (first, second):
                if process.poll() is None:
                    process.kill()
                    process.wait()
        outputs = first.stdout.read() + second.stdout.read()
        ids = smtp.recorder.message_ids()
    assert len(ids) == 7 and len(set(ids)) == 7, outputs
    assert "Another scheduler holds the lease" in outputs
    with app.app_context():
        runs = _runs()
        holders = [run.holder for run in runs]
        first_holder = holders[0]
        switch = holders.index(next(h for h in holders if h != first_holder))
        assert all(h == first_holder for h in holders[:switch])  # never side by side
        assert all(h != first_holder for h in holders[switch:])
        assert all(run.outcome == "done" for run in runs), [(r.job, r.detail) for r in runs if r.outcome != "done"]
        subjects = sorted(db.session.execute(sa.select(OutboxMessage.subject).where(
            OutboxMessage.kind == "reminder")).scalars())
        assert len(subjects) == 4 and all("starts in one hour" in s for s in subjects)
        assert all(status == "sent" for status in db.session.execute(sa.select(OutboxMessage.status)).scalars())
        db.session.remove()
