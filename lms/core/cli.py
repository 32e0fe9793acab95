"""The ``flask lms …`` command group. Features add their commands in their own ``cli.py``."""
from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, BinaryIO, NoReturn

import click
from flask.cli import AppGroup

from lms.core.db import db
from lms.core.encodings import TextEncodingError, decode_text
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


def read_text_file(stream: BinaryIO, name: str) -> str:
    """The text of a file named on the command line (UTF-8, or UTF-16 with a byte-order
    mark), or exit 1 with a one-line reason."""
    try:
        return decode_text(stream.read())
    except TextEncodingError as error:
        refuse(name, [str(error)])


def refuse(name: str, problems: list[str]) -> NoReturn:
    """Roll back and exit 1: one line for one problem, else a count then each problem."""
    db.session.rollback()
    if len(problems) == 1:
        click.echo(f"Error: {name}: {problems[0]}; nothing was written.", err=True)
    else:
        click.echo(f"{name}: nothing was written; {len(problems)} problem(s):", err=True)
        for problem in problems:
            click.echo(f"  {problem}", err=True)
    sys.exit(1)


def register_commands() -> None:
    """Import every feature's commands so they attach to the group."""
    import lms.applications.cli  # noqa: F401
    import lms.attendance.cli  # noqa: F401
    import lms.certificates.cli  # noqa: F401
    import lms.cohorts.cli  # noqa: F401
    import lms.core.schema  # noqa: F401  (flask lms db …)
    import lms.courses.cli  # noqa: F401
    import lms.demo.cli  # noqa: F401
    import lms.gradebook.cli  # noqa: F401
    import lms.groups.cli  # noqa: F401
    import lms.jobs.cli  # noqa: F401
    import lms.notifications.cli  # noqa: F401
    import lms.quizzes.cli  # noqa: F401
