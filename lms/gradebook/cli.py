"""``flask lms import-grades COHORT FILE``."""
from __future__ import annotations

import sys

import click

from lms.cohorts.services import get_cohort
from lms.core.cli import command
from lms.core.db import db
from lms.core.errors import NotFoundError, ValidationError
from lms.gradebook.importer import import_grades


@command("import-grades")
@click.argument("cohort_slug")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--dry-run", is_flag=True, help="Check the file and count the changes, write nothing.")
def import_grades_command(cohort_slug: str, csv_file: click.utils.LazyFile, dry_run: bool) -> None:
    """Set marks from a CSV: email plus one column per component key (points, or a level
    name such as excellent). Empty cells leave marks unchanged; any problem writes nothing."""
    try:
        cohort = get_cohort(cohort_slug)
    except NotFoundError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    try:
        result = import_grades(cohort, csv_file.read(), None)
    except ValidationError as error:
        db.session.rollback()
        click.echo(f"{csv_file.name}: nothing was written; {len(error.problems)} problem(s):", err=True)
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    if dry_run:
        db.session.rollback()
        click.echo(f"{result.rows} participant(s): {result.changed} mark(s) would change; dry run, nothing written.")
        return
    click.echo(f"{result.rows} participant(s): {result.changed} mark(s) changed, {result.unchanged} already so.")
