"""``flask lms submit-overdue``: submit attempts whose time ran out (until the scheduler's job does)."""
from __future__ import annotations

import click

from lms.core.cli import command
from lms.quizzes.services import submit_overdue


@command("submit-overdue")
def submit_overdue_command() -> None:
    """Submit, with what was saved, every quiz attempt whose time ran out unsubmitted."""
    done = submit_overdue()
    click.echo(f"{done} overdue attempt(s) submitted.")
