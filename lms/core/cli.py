"""The ``flask lms …`` command group. Features add their commands in their own ``cli.py``."""
from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click
from flask.cli import AppGroup

from lms.core.db import db
from lms.core.errors import LMSError

lms_cli = AppGroup("lms", help="Cohort courses: import course files, enrol people, load a demo.")


def command(name: str, **kwargs: Any) -> Callable[[Callable[..., Any]], click.Command]:
    """A ``flask lms NAME`` command that commits once at the end, or rolls back and exits 1
    with a one-line reason when a service refuses."""

    def decorate(func: Callable[..., Any]) -> click.Command:
        @wraps(func)
        def run(*args: Any, **kw: Any) -> Any:
            try:
                result = func(*args, **kw)
                db.session.commit()
                return result
            except LMSError as error:
                db.session.rollback()
                click.echo(f"Error: {error}", err=True)
                sys.exit(1)

        return lms_cli.command(name, **kwargs)(run)

    return decorate


def register_commands() -> None:
    """Import every feature's commands so they attach to the group."""
    import lms.attendance.cli  # noqa: F401
    import lms.certificates.cli  # noqa: F401
    import lms.cohorts.cli  # noqa: F401
    import lms.courses.cli  # noqa: F401
    import lms.demo.cli  # noqa: F401
    import lms.gradebook.cli  # noqa: F401
    import lms.notifications.cli  # noqa: F401
