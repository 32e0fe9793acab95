"""``flask lms import-course FILE``."""
from __future__ import annotations

import sys

import click

from lms.core.cli import command
from lms.core.db import db
from lms.courses.loader import CourseFileError, load_course_file
from lms.courses.services import import_course


@command("import-course")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change, then write nothing.")
def import_course_command(path: str, dry_run: bool) -> None:
    """Check a course file whole, then create or update the course, its cohorts and sessions.

    A file with any problem changes nothing; every problem is listed with its place.
    """
    try:
        spec = load_course_file(path)
    except CourseFileError as error:
        if len(error.problems) == 1:
            click.echo(f"Error: {error.problems[0]}; nothing was imported.", err=True)
            sys.exit(1)
        click.echo(f"{path}: {len(error.problems)} problem(s); nothing was imported.", err=True)
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    report = import_course(spec)
    if dry_run:
        db.session.rollback()
    if not report.changed:
        click.echo(f"{spec.slug}: already up to date; nothing changed.")
        return
    verb = "would change" if dry_run else "imported"
    click.echo(f"{spec.slug}: {verb} ({len(report.changes)} change(s)):")
    for change in report.changes:
        click.echo(f"  - {change}")
