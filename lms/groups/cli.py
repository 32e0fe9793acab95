"""``flask lms form-groups``, ``export-groups`` and ``import-groups``."""
from __future__ import annotations

import click

from lms.cohorts.services import get_cohort
from lms.core.cli import command, read_text_file, refuse
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.groups import services


@command("form-groups")
@click.argument("cohort_slug")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=0, show_default=True,
              help="The same seed gives the same groups.")
@click.option("--dry-run", is_flag=True, help="Print the groups and their scores; save nothing.")
def form_groups_command(cohort_slug: str, seed: int, dry_run: bool) -> None:
    """Form balanced groups of COHORT's participants, print them with scores and reasons, save them."""
    cohort = get_cohort(cohort_slug)
    formation = services.propose_groups(cohort, seed)
    for number, group in enumerate(formation.groups, start=1):
        click.echo(f"Group {number} (score {group.score:.0f}): " + ", ".join(p.name for p in group.members))
        for reason in group.reasons:
            click.echo(f"  - {reason}")
    click.echo(f"Weakest group's score: {formation.weakest:.0f} (seed {seed}).")
    if dry_run:
        db.session.rollback()
        click.echo("Dry run: nothing was saved.")
        return
    services.save_formation(cohort, seed, None)
    click.echo(f"Saved {len(formation.groups)} groups in {cohort.slug}.")


@command("export-groups")
@click.argument("cohort_slug")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), required=True,
              help="The CSV file to write (group,email,name,country,time_zone).")
def export_groups_command(cohort_slug: str, output: click.utils.LazyFile) -> None:
    """Write COHORT's groups as CSV: group,email,name,country,time_zone."""
    text = services.export_groups(get_cohort(cohort_slug))
    output.write(text)
    click.echo(f"Wrote {text.count(chr(10)) - 1} member(s) to {output.name}.")


@command("import-groups")
@click.argument("cohort_slug")
@click.argument("csv_file", type=click.File("rb"))
def import_groups_command(cohort_slug: str, csv_file: click.utils.LazyFile) -> None:
    """Set COHORT's groups from a CSV in the export format; every line is checked first."""
    cohort = get_cohort(cohort_slug)
    text = read_text_file(csv_file, csv_file.name)
    try:
        made = services.import_groups(cohort, text, None)
    except ValidationError as error:
        refuse(csv_file.name, error.problems)
    click.echo(f"Set {len(made)} groups in {cohort.slug} from {csv_file.name}.")
