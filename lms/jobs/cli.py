"""``flask lms scheduler`` (the scheduler process) and ``flask lms jobs`` (what it does)."""
from __future__ import annotations

import threading

import click
from flask import current_app

from lms.core.cli import command
from lms.core.db import db
from lms.jobs import lease, runner
from lms.jobs.services import jobs_overview


@command("scheduler")
@click.option("--once", is_flag=True, help="Run every job that is due now, once, and exit (for cron and tests).")
@click.option("--wait/--no-wait", default=True, show_default=True,
              help="With --once: wait for another scheduler's lease instead of exiting at once.")
def scheduler_command(once: bool, wait: bool) -> None:
    """Run the scheduled jobs (reminders, notices, e-mail delivery) until stopped (Ctrl-C, SIGTERM).

    Run one of these beside the web workers, never inside them. A second one started by
    mistake waits until the first stops (a lease in the database)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    holder = lease.new_holder()
    db.session.remove()
    if once:
        stop = threading.Event()
        runner.install_stop_handlers(stop)
        said = False
        while not lease.acquire(holder):
            if not wait or stop.is_set():
                click.echo("Another scheduler holds the lease; nothing was run.")
                return
            if not said:
                click.echo("Another scheduler holds the lease; waiting for it.")
                said = True
            stop.wait(1)
        try:
            report = runner.run_due_once(app, holder)
        finally:
            lease.release(holder)
        click.echo(f"Ran {len(report.ran)} due job(s){': ' + ', '.join(report.ran) if report.ran else ''}"
                   f"{'; skipped ' + ', '.join(report.skipped) if report.skipped else ''}.")
        return
    stop = threading.Event()
    runner.install_stop_handlers(stop)
    runner.serve(app, holder, stop, echo=lambda text: click.echo(text))


@command("jobs")
@click.option("--runs", default=10, show_default=True, help="How many recent runs to show.")
def jobs_command(runs: int) -> None:
    """Show the scheduled jobs, the scheduler's lease, recent runs, reminders and the outbox."""
    view = jobs_overview(runs)
    if view.lease is not None and view.lease.holder:
        click.echo(f"Scheduler: {view.lease.holder}, lease until {view.lease.expires_at:%Y-%m-%d %H:%M:%S} UTC")
    else:
        click.echo("Scheduler: not running (start it with: flask --app wsgi lms scheduler)")
    click.echo("\nJobs:")
    for job in view.jobs:
        when = f"{job.next_run:%Y-%m-%d %H:%M:%S} UTC" if job.next_run else "not stored yet (no scheduler has run)"
        click.echo(f"  {job.name:<22} every {job.every:<8} next {when}")
    click.echo("\nRecent runs:")
    if not view.runs:
        click.echo("  none yet")
    for run in view.runs:
        click.echo(f"  {run.started_at:%Y-%m-%d %H:%M:%S} {run.job:<22} {run.outcome:<7} {run.detail or ''}")
    click.echo("\nReminders: " + (", ".join(f"{n} {s}" for s, n in sorted(view.reminders.items())) or "none"))
    for reminder in view.next_reminders:
        click.echo(f"  due {reminder.due_at:%Y-%m-%d %H:%M} UTC  {reminder.key}")
    click.echo("Outbox: " + ", ".join(f"{n} {s}" for s, n in view.outbox.items()))
    for message in view.problems:
        click.echo(f"  #{message.id} [{message.status}] to {message.recipient}: {message.last_error}")
