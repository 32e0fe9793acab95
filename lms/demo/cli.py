"""``flask lms demo``."""
from __future__ import annotations

import click

from lms.core.cli import command
from lms.demo.services import DemoLogin, demo_loaded, load_demo, reset_demo_passwords


def _print(logins: list[DemoLogin]) -> None:
    click.echo("Log in with:")
    for login in logins:
        click.echo(f"  {login.email:<36} {login.password:<14} {login.role}")


@command("demo")
@click.option("--reset-passwords", is_flag=True, help="Give the demo accounts new passwords and print them.")
def demo_command(reset_passwords: bool) -> None:
    """Load the demo cohort (the ITU course with 32 participants) and print its logins.

    Runs once: later runs leave what people changed alone and say so.
    """
    if reset_passwords:
        _print(reset_demo_passwords())
        return
    if demo_loaded():
        click.echo("The demo is already loaded (nothing changed). Its logins were printed when it was first "
                   "loaded;\nfor new passwords run: flask --app wsgi lms demo --reset-passwords")
        return
    cohort, logins = load_demo()
    click.echo(f"Demo cohort ready: {cohort.title} ({cohort.slug})")
    _print(logins)
