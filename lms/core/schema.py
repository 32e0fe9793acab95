"""The LMS's schema: ``flask lms db upgrade | downgrade | current``.

Its own Alembic history (the ``migrations/`` folder shipped with the LMS, version table
``alembic_version_lms``) on whichever database the LMS uses: a host application's ``flask db``
and its ``alembic_version`` are never touched. Standalone, ``flask db upgrade`` runs the same
migrations.
"""
from __future__ import annotations

import click
from alembic import command
from alembic.config import Config
from flask import current_app

from lms.core.cli import lms_cli


def alembic_config() -> Config:
    directory = current_app.extensions["lms"]["migrations_dir"]
    config = Config(f"{directory}/alembic.ini")
    config.set_main_option("script_location", str(directory))
    config.attributes["lms_cli"] = True  # env.py: not Flask-Migrate's options, the LMS's version table
    return config


def upgrade(revision: str = "head") -> None:
    """Bring the LMS's tables to ``revision`` (in an app context)."""
    command.upgrade(alembic_config(), revision)


def downgrade(revision: str) -> None:
    command.downgrade(alembic_config(), revision)


@lms_cli.group("db", help="The LMS's own tables (its migrations, version table alembic_version_lms).")
def db_group() -> None:
    pass


@db_group.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Create or update the LMS's tables (default: to the newest revision)."""
    upgrade(revision)


@db_group.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Take the LMS's tables back to REVISION ("base" removes them all)."""
    downgrade(revision)


@db_group.command("current")
def current_command() -> None:
    """Show the LMS's revision in the database."""
    command.current(alembic_config())
