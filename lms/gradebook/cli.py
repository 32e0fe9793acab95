"""``flask lms import-grades COHORT FILE``."""
from __future__ import annotations

import sys

import click

from lms.cohorts.services import get_cohort
from lms.core.cli import command, read_text_file, refuse
from lms.core.db import db
from lms.core.errors import NotFoundError, ValidationError
from lms.gradebook.importer import import_grades


@command("import-grades")
@click.argument("cohort_slug")
@click.argument("csv_file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Check the file and count the changes, write nothing.")
def import_grades_command(cohort_slug: str, csv_file: click.utils.LazyFile, dry_run: bool) -> None:
    """Set marks from a CSV: email plus one column per component key (points, or a level
    name such as excellent). Empty cells leave marks unchanged; any problem writes nothing."""
    try:
        cohort = get_cohort(cohort_slug)
    except NotFoundError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    text = read_text_file(csv_file, csv_file.name)
    try:
        result = import_grades(cohort, text, None)
    except ValidationError as error:
        refuse(csv_file.name, error.problems)
    if dry_run:
        db.session.rollback()
        click.echo(f"{result.rows} participant(s): {result.changed} mark(s) would change; dry run, nothing written.")
        return
    click.echo(f"{result.rows} participant(s): {result.changed} mark(s) changed, {result.unchanged} already so.")
