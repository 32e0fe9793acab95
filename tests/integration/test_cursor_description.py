"""On PostgreSQL the LMS's cursors describe a result's columns only when asked
(``lms.core.db._lazy_description_cursor``): a statement SQLAlchemy has run before builds no
column descriptions, and a description that is looked at is psycopg's own."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.auth.models import User
from lms.core.db import db
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the cursor is psycopg's; this run uses " + db.engine.dialect.name)


@pytest.fixture
def built(monkeypatch) -> list[int]:
    """One entry for every psycopg column description built."""
    import psycopg
    import psycopg._cursor_base

    built: list[int] = []

    class Counted(psycopg.Column):
        def __init__(self, cursor, index):
            built.append(index)
            super().__init__(cursor, index)

    monkeypatch.setattr(psycopg, "Column", Counted)
    monkeypatch.setattr(psycopg._cursor_base, "Column", Counted)  # the name psycopg's own cursor builds with
    return built


def test_a_statement_run_before_describes_no_columns(ctx, built):
    make_user(name="Оксана Петренко")
    db.session.commit()
    statement = sa.select(User).where(User.name == sa.bindparam("name"))
    for _ in range(2):  # the first run keeps the result's layout, as SQLAlchemy does
        assert db.session.execute(statement, {"name": "Оксана Петренко"}).scalar_one().name == "Оксана Петренко"
    built.clear()
    for _ in range(3):
        assert db.session.execute(statement, {"name": "Оксана Петренко"}).scalar_one().email
    assert built == []


def _described(columns):
    return [(c.name, c.type_code, c.display_size, c.internal_size, c.precision, c.scale) for c in columns]


def test_a_description_looked_at_is_psycopgs_own(ctx, built):
    import psycopg

    raw = db.session.connection().connection.dbapi_connection
    query = "SELECT 1 AS one, 'Nguyễn'::varchar(20) AS name, now() AS at"
    with raw.cursor() as cursor, psycopg.Cursor(raw) as plain:
        cursor.execute(query)
        plain.execute(query)
        assert built == []
        assert _described(cursor.description) == _described(plain.description)
        assert len(cursor.description) == 3 and cursor.description[1].name == "name"
        assert cursor.fetchone()[1] == "Nguyễn"
        for cursor_ in (cursor, plain):  # a statement without rows has no description, in both
            cursor_.execute("SET LOCAL statement_timeout = 0")
        assert cursor.description is None and plain.description is None


def test_a_description_describes_the_result_it_was_taken_from(ctx):
    raw = db.session.connection().connection.dbapi_connection
    with raw.cursor() as cursor:
        cursor.execute("SELECT 1 AS first")
        first = cursor.description
        cursor.execute("SELECT 2 AS second, 3 AS third")
        assert [c.name for c in first] == ["first"]
        assert [c.name for c in cursor.description] == ["second", "third"]
