"""``flask lms enrol-csv COHORT FILE``."""
from __future__ import annotations

import sys

import click

from lms.cohorts import services
from lms.cohorts.enrol_csv import parse_enrolment_csv
from lms.core.cli import command, read_text_file, refuse
from lms.core.db import db
from lms.core.errors import NotFoundError, ValidationError


@command("enrol-csv")
@click.argument("cohort_slug")
@click.argument("csv_file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Check the file and report, then write nothing.")
def enrol_csv_command(cohort_slug: str, csv_file: click.utils.LazyFile, dry_run: bool) -> None:
    """Enrol everyone in a CSV (email,name,role[,country,organisation]) into COHORT.

    Every line is checked first; with any problem, nothing is written. People without an
    account get one, and an e-mail to set their password.
    """
    try:
        cohort = services.get_cohort(cohort_slug)
    except NotFoundError:
        click.echo(f"Error: there is no cohort {cohort_slug!r}.", err=True)
        sys.exit(1)
    text = read_text_file(csv_file, csv_file.name)
    try:
        rows = parse_enrolment_csv(text)
        results = services.enrol_people(cohort, [row.enrolment for row in rows])
    except ValidationError as error:
        refuse(csv_file.name, error.problems)
    created = sum(1 for done in results if done.created)
    if dry_run:
        db.session.rollback()
        click.echo(f"{len(results)} line(s) are fine ({created} new account(s)); dry run, nothing written.")
        return
    click.echo(f"Enrolled {len(results)} membership(s) in {cohort.slug}; {created} new account(s) "
               f"were e-mailed a link to set their password.")
