"""``flask lms issue-certificates``, ``export-certificates`` and ``certificates-zip``."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from lms.certificates import services
from lms.cohorts.models import Cohort
from lms.cohorts.services import get_cohort
from lms.core.cli import command
from lms.core.errors import NotFoundError
from lms.gradebook.export import certificate_table, to_csv, to_xlsx
from lms.gradebook.services import gradebook


def _cohort(slug: str) -> Cohort:
    try:
        return get_cohort(slug)
    except NotFoundError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)


@command("issue-certificates")
@click.argument("cohort_slug")
def issue_certificates_command(cohort_slug: str) -> None:
    """Finalise COHORT (freeze marks) and issue certificates to everyone above the threshold.
    Safe to run again: nobody gets a second certificate."""
    report = services.finalise_cohort(_cohort(cohort_slug), None)
    click.echo(f"{len(report.issued)} certificate(s) issued, {report.already} already issued, "
               f"{report.not_passed} participant(s) below the threshold.")


@command("export-certificates")
@click.argument("cohort_slug")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
def export_certificates_command(cohort_slug: str, fmt: str, output: str) -> None:
    """The certificate list: email, name, points per component, total, certified, code."""
    cohort = _cohort(cohort_slug)
    table = certificate_table(gradebook(cohort), services.certificates_of(cohort))
    Path(output).write_bytes(to_csv(table) if fmt == "csv" else to_xlsx(table, cohort.slug))
    click.echo(f"Wrote {len(table) - 1} participant(s) to {output}.")


@command("certificates-zip")
@click.argument("cohort_slug")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
def certificates_zip_command(cohort_slug: str, output: str) -> None:
    """Every valid certificate of COHORT as PDFs in one ZIP file."""
    cohort = _cohort(cohort_slug)
    certificates = [c for c in services.certificates_of(cohort).values() if c.is_valid]
    if not certificates:
        click.echo(f"Error: {cohort.slug} has no valid certificates; run issue-certificates first.", err=True)
        sys.exit(1)
    with click.progressbar(length=len(certificates), label="Rendering certificates", show_pos=True) as bar:
        services.write_certificates_zip(output, certificates, progress=bar.update)
    click.echo(f"Wrote {len(certificates)} certificate(s) to {output}.")
