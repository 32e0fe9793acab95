"""``flask lms export-applications``, ``expire-offers`` and ``purge-applications``."""
from __future__ import annotations

from pathlib import Path

import click

from lms.applications import services
from lms.applications.export import applications_table
from lms.cohorts.services import get_cohort
from lms.core.cli import command
from lms.gradebook.export import to_csv, to_xlsx


@command("export-applications")
@click.argument("cohort_slug")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              help="The file to write.")
def export_applications_command(cohort_slug: str, fmt: str, output: Path) -> None:
    """Write every submitted application of COHORT (answers, average scores, decision) as
    CSV or XLSX; cells that a spreadsheet would run as formulas are neutralised."""
    cohort = get_cohort(cohort_slug)
    table = applications_table(cohort)
    numbers = {name for name in table[0] if name.startswith("score_")}
    output.write_bytes(to_csv(table) if fmt == "csv" else to_xlsx(table, "Applications", numbers))
    click.echo(f"{len(table) - 1} application(s) written to {output}.")


@command("expire-offers")
def expire_offers_command() -> None:
    """Let waitlist offers past their time lapse and offer the places to the next in line."""
    click.echo(f"{services.expire_offers()} offer(s) expired.")


@command("purge-applications")
def purge_applications_command() -> None:
    """Delete the applications of people not selected, LMS_APPLICATION_RETENTION_DAYS after
    their cohort's applications closed."""
    click.echo(f"{services.purge_applications()} application(s) deleted.")
