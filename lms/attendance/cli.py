"""``flask lms import-attendance COHORT SESSION_NUMBER FILE``."""
from __future__ import annotations

import sys

import click

from lms.attendance.report import ReportError, read_report
from lms.attendance.services import apply_preview, preview_report
from lms.cohorts.services import get_cohort
from lms.core.cli import command
from lms.core.db import db
from lms.core.errors import NotFoundError
from lms.core.time import is_time_zone
from lms.sessions.services import get_session


@command("import-attendance")
@click.argument("cohort_slug")
@click.argument("session_number", type=int)
@click.argument("report_file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--tz", "zone", default=None, help="Zone of the report's times (default: the cohort's).")
@click.option("--dry-run", is_flag=True, help="Show what would change, write nothing.")
def import_attendance_command(cohort_slug: str, session_number: int, report_file: click.utils.LazyFile,
                              zone: str | None, dry_run: bool) -> None:
    """Set attendance for one session from a meeting participant report (Zoom CSV).

    Matches rows by e-mail, then by name, then by names mapped in the browser before.
    Participants not in the report are absent; an "excused" set by hand stays.
    """
    try:
        cohort = get_cohort(cohort_slug)
        session = get_session(cohort, session_number)
    except NotFoundError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    if zone and not is_time_zone(zone):
        click.echo(f"Error: {zone!r} is not a known time zone (e.g. Europe/Zurich).", err=True)
        sys.exit(1)
    try:
        report = read_report(report_file.read())
    except ReportError as error:
        click.echo(f"{report_file.name}: nothing was imported; {len(error.problems)} problem(s):", err=True)
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    preview = preview_report(session, report, zone)
    for warning in preview.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(f"Session {session.number} ({session.title}), times read in {preview.zone}:")
    for line in preview.lines:
        change = f"{line.before or '—'} → {line.status}" if line.changes else f"{line.status} (unchanged)"
        click.echo(f"  {line.user.name:<28} {line.minutes:>4} min  {change:<28} [{line.matched_by}]")
    if preview.staff:
        click.echo(f"Staff, not counted: {', '.join(preview.staff)}")
    if preview.unmatched:
        click.echo("Not matched to a participant (map them on the session's import page; they count as absent):")
        for entry in preview.unmatched:
            email = f" <{', '.join(entry.emails)}>" if entry.emails else ""
            click.echo(f"  {entry.name}{email}: {entry.minutes} min")
    if dry_run:
        db.session.rollback()
        click.echo(f"Dry run: {preview.change_count} record(s) would change; nothing written.")
        return
    changed = apply_preview(preview, None)  # from the command line: no person to credit
    click.echo(f"Saved: {changed} record(s) changed.")
