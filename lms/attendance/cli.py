"""``flask lms import-attendance COHORT SESSION_NUMBER FILE``."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from lms.attendance.report import ReportError, read_report_bytes
from lms.attendance.services import apply_preview, preview_report
from lms.cohorts.services import get_cohort
from lms.core.cli import command
from lms.core.db import db
from lms.core.errors import NeedsConfirmationError, NotFoundError
from lms.core.time import is_time_zone
from lms.sessions.services import get_session


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@command("import-attendance")
@click.argument("cohort_slug")
@click.argument("session_number", type=int)
@click.argument("report_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tz", "zone", default=None, help="Zone of the report's times (default: the cohort's).")
@click.option("--other-date", is_flag=True,
              help="Confirm that the report is for this session although its date is not the session's.")
@click.option("--dry-run", is_flag=True, help="Show what would change, write nothing.")
def import_attendance_command(cohort_slug: str, session_number: int, report_file: Path, zone: str | None,
                              other_date: bool, dry_run: bool) -> None:
    """Set attendance for one session from a meeting participant report (Zoom CSV).

    Reads UTF-8, UTF-16 (with a byte-order mark) or Windows-1252, separated by commas,
    semicolons or tabs. Matches rows by e-mail, then by name, then by names mapped in the
    browser before. Waiting-room rows are not counted. Participants not in the report are
    absent; an "excused" set by hand stays.
    """
    try:
        cohort = get_cohort(cohort_slug)
        session = get_session(cohort, session_number)
    except NotFoundError as error:
        _fail(str(error))
    if zone and not is_time_zone(zone):
        _fail(f"{zone!r} is not a known time zone (e.g. Europe/Zurich).")
    try:
        report = read_report_bytes(report_file.read_bytes())
    except OSError as error:
        _fail(f"{report_file}: cannot be read ({error.strerror or error}).")
    except ReportError as error:
        if len(error.problems) == 1:
            _fail(f"{report_file.name}: {error.problems[0]}; nothing was imported.")
        click.echo(f"Error: {report_file.name}: nothing was imported; {len(error.problems)} problems:", err=True)
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    try:
        preview = preview_report(session, report, zone, other_date=other_date)
    except NeedsConfirmationError as error:
        _fail(f"{error} If it is the right report, run again with --other-date.")
    click.echo(f"Read {report_file.name}: {(preview.report or report).describe()}.")
    for note in preview.notes:
        click.echo(f"Note: {note}")
    for warning in preview.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(f"Session {session.number} ({session.title}), times read in {preview.zone}:")
    for line in preview.lines:
        change = f"{line.before or '—'} → {line.status}" if line.changes else f"{line.status} (unchanged)"
        click.echo(f"  {line.user.name:<28} {line.minutes:>4} min  {change:<28} [{line.why}]")
    if preview.staff:
        click.echo(f"Staff, not counted: {', '.join(preview.staff)}")
    if preview.unmatched:
        click.echo("Not matched to a participant (map them on the session's import page; they count as absent):")
        for entry in preview.unmatched:
            email = f" <{', '.join(entry.emails)}>" if entry.emails else ""
            click.echo(f"  {entry.name}{email}: {entry.minutes} min ({entry.reason})")
    if dry_run:
        db.session.rollback()
        click.echo(f"Dry run: {preview.change_count} record(s) would change; nothing written.")
        return
    changed = apply_preview(preview, None)  # from the command line: no person to credit
    click.echo(f"Saved: {changed} record(s) changed.")
