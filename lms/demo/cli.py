"""``flask lms demo``."""
from __future__ import annotations

import click

from lms.core.cli import command
from lms.demo.services import load_demo


@command("demo")
def demo_command() -> None:
    """Load a demo cohort with people, and print their logins (new passwords each run)."""
    cohort, logins = load_demo()
    click.echo(f"Demo cohort ready: {cohort.title} ({cohort.slug})")
    click.echo("Log in with:")
    for login in logins:
        click.echo(f"  {login.email:<36} {login.password:<14} {login.role}")
