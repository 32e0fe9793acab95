"""Fixtures for the host application: databases of its own (SQLite files, or with
``LMS_TEST_DATABASE_URL`` PostgreSQL databases named after it with ``_host`` / ``_host_empty``
appended, so the main suite's database is never touched). One is built once per run by the
host's `flask db upgrade` and the LMS's `flask lms db upgrade` and emptied after each test;
the schema tests get an empty one each."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import sibling_database
from tests.host_app.app import create_app, db


def host_database_url(tmp_path: Path, suffix: str) -> str:
    """An empty database."""
    url = os.environ.get("LMS_TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        return f"sqlite:///{tmp_path / 'host.sqlite3'}"
    host_url = sibling_database(url, suffix)
    engine = sa.create_engine(host_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return host_url


def table_names(app: Flask) -> set[str]:
    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names())


def build(app: Flask) -> None:
    """The host's `flask db upgrade`, and when the LMS is mounted its `flask lms db upgrade`."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    if "lms" in app.extensions:
        result = runner.invoke(args=["lms", "db", "upgrade"])
        assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def _built_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = host_database_url(tmp_path_factory.mktemp("host"), "_host")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    build(app)
    with app.app_context():
        db.engine.dispose()
    return url


def _empty_tables(app: Flask) -> None:
    from lms.core.db import db as lms_db

    with app.app_context():
        db.session.remove()
        tables = [*db.metadata.sorted_tables, *lms_db.metadata.sorted_tables]
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(lms_db.metadata.sorted_tables):
                db.session.execute(table.delete())
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
        db.session.commit()
        db.engine.dispose()


def _app(url: str, mount_lms: bool) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url}, mount_lms=mount_lms)
    yield app
    _empty_tables(app)


@pytest.fixture(params=[False, True], ids=["alone", "with-lms"])
def host_app(request: pytest.FixtureRequest, _built_url: str) -> Iterator[Flask]:
    """The host application, alone and with the LMS mounted: its own tests run on both."""
    yield from _app(_built_url, request.param)


@pytest.fixture
def mounted(_built_url: str) -> Iterator[Flask]:
    """The host application with the LMS under /learn, both schemas built."""
    yield from _app(_built_url, True)


@pytest.fixture
def empty_mounted(tmp_path: Path) -> Iterator[Flask]:
    """The host with the LMS mounted, on an empty database."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": host_database_url(tmp_path, "_host_empty")})
    yield app
    with app.app_context():
        db.engine.dispose()


def log_in(client, app: Flask, email: str) -> None:
    """Log in to the host as its own Flask-Login does (without paying for the password hash)."""
    from tests.host_app.app import User

    with app.app_context():
        user_id = db.session.execute(sa.select(User.id).where(User.email == email)).scalar_one()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = str(user_id), True
