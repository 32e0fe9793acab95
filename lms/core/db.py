"""The database object, the declarative base and column types shared by every model.

The LMS's models live on their own declarative base and metadata (``Base``), bound to no
Flask-SQLAlchemy instance. ``db`` is the one name the code uses: ``db.Model`` is that base,
and ``db.session`` / ``db.engine`` are those of the Flask-SQLAlchemy instance the current
app gave the LMS — the host application's (``LMS().init_app(host, db=host_db)``) or the
LMS's own (standalone, or a host without Flask-SQLAlchemy).
"""
from __future__ import annotations

import collections.abc
import enum
import functools
import sqlite3
from datetime import UTC, datetime
from typing import Any

import sqlalchemy
import sqlalchemy.orm
from flask import Flask, current_app
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Enum, MetaData
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session
from sqlalchemy.sql.selectable import CompoundSelect, Select
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Database:
    """``db`` for the LMS: its models' base and metadata, and the session and engine of the
    Flask-SQLAlchemy instance the current app uses for the LMS. ``db.select``, ``db.func``,
    ``db.joinedload``… are SQLAlchemy's, as on a Flask-SQLAlchemy object."""

    Model = Base
    metadata = Base.metadata

    def __init__(self) -> None:
        #: The LMS's own Flask-SQLAlchemy, for apps that give it none (standalone among them).
        self.own = SQLAlchemy(model_class=Base)

    def init_app(self, app: Flask, sqlalchemy: SQLAlchemy | None = None) -> bool:
        """Use ``sqlalchemy`` (the host's), else the app's Flask-SQLAlchemy if it has one, else
        the LMS's own; True when it is the LMS's own (its engine is then the LMS's to tune)."""
        if sqlalchemy is None:
            sqlalchemy = app.extensions.get("sqlalchemy")
        own = sqlalchemy is None
        if own:
            self.own.init_app(app)
            sqlalchemy = self.own
        app.extensions.setdefault("lms", {})["sqlalchemy"] = sqlalchemy
        return own

    @property
    def sqlalchemy(self) -> SQLAlchemy:
        return current_app.extensions["lms"]["sqlalchemy"]

    @property
    def session(self) -> scoped_session[Session]:
        return current_app.extensions["lms"]["sqlalchemy"].session

    @property
    def engine(self) -> Engine:
        return current_app.extensions["lms"]["sqlalchemy"].engine

    @property
    def engines(self) -> dict[str | None, Engine]:
        return self.sqlalchemy.engines

    def create_all(self) -> None:
        """The LMS's tables only (tests; the schema is otherwise built by its migrations)."""
        self.metadata.create_all(self.engine)

    def drop_all(self) -> None:
        self.metadata.drop_all(self.engine)

    def __getattr__(self, name: str) -> Any:
        for module in (sqlalchemy, sqlalchemy.orm):
            if hasattr(module, name):
                return getattr(module, name)
        raise AttributeError(name)


db = Database()


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every database.

    PostgreSQL keeps the zone (timestamptz); SQLite keeps naive text, so values are
    converted to UTC on the way in and marked UTC on the way out. Naive values are refused:
    a naive time is a bug waiting for a daylight-saving change.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use lms.core.time.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def value_enum(kind: type[enum.Enum], name: str) -> Enum:
    """An enum stored as its lower-case value in a VARCHAR: readable in SQL, and no native
    ENUM type to migrate when a value is added."""
    return Enum(kind, name=name, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


def json_rows(dialect: str, *columns: Any) -> Any:
    """An aggregate, as text: one JSON array holding ``[column, …]`` for each row, built by
    the database (``json_agg`` on PostgreSQL, ``json_group_array`` on SQLite), so that a page
    reads many rows as one value of one row. JSON columns come back as JSON, not as strings
    (SQLite keeps them as text: ``json()`` embeds them)."""
    if dialect == "postgresql":
        return sqlalchemy.cast(sqlalchemy.func.json_agg(sqlalchemy.func.json_build_array(*columns)), sqlalchemy.Text)
    embedded = [sqlalchemy.func.json(c) if isinstance(getattr(c, "type", None), sqlalchemy.JSON) else c
                for c in columns]
    return sqlalchemy.cast(sqlalchemy.func.json_group_array(sqlalchemy.func.json_array(*embedded)), sqlalchemy.Text)


def joined_strings(dialect: str, expression: Any) -> Any:
    """An aggregate: the values of ``expression`` joined by commas (``string_agg`` on
    PostgreSQL, ``group_concat`` on SQLite). The comma is written into the SQL: SQLAlchemy's
    ``aggregate_strings`` binds it as a value to render into the text at every execution,
    so each request would rewrite the statement before sending it."""
    comma = sqlalchemy.literal_column("','")
    if dialect == "postgresql":
        return sqlalchemy.func.string_agg(expression, comma)
    return sqlalchemy.func.group_concat(expression, comma)


def tune_engine(engine: Engine) -> None:
    """The LMS's own engine, tuned for its database: SQLite's pragmas, and on PostgreSQL
    (psycopg 3) reads outside transactions (:func:`begin_before_writes`)."""
    if engine.dialect.name == "sqlite":
        sqlalchemy.event.listen(engine, "connect", set_sqlite_pragmas)
    elif engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
        sqlalchemy.event.listen(engine, "connect", _autocommit)
        sqlalchemy.event.listen(engine, "before_cursor_execute", begin_before_writes)


def _autocommit(dbapi_connection: Any, connection_record: Any) -> None:
    dbapi_connection.autocommit = True
    dbapi_connection.cursor_factory = _lazy_description_cursor()


@functools.cache
def _lazy_description_cursor() -> type:
    """psycopg's cursor, describing its result's columns only when asked for them.

    psycopg builds a ``Column`` object for every column of every result when
    ``cursor.description`` is read, and SQLAlchemy reads it after every statement, though
    for a statement it has run before it only checks that there is one (it kept the result's
    layout from the first run): a login lookup's 29 columns cost 28 µs of 160. Here
    ``description`` is a sequence of the same ``Column`` objects, built at the first look
    inside it, from the result it was taken from."""
    import psycopg

    class _Described:  # the cursor as Column reads it, fixed to one result
        __slots__ = ("pgresult", "_cursor")

        def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
            self.pgresult, self._cursor = cursor.pgresult, cursor

        def __getattr__(self, name: str) -> Any:
            return getattr(self._cursor, name)

    class Description(collections.abc.Sequence):  # type: ignore[type-arg]
        __slots__ = ("_described", "_count", "_columns")

        def __init__(self, cursor: psycopg.Cursor[Any], count: int) -> None:
            self._described, self._count, self._columns = _Described(cursor), count, None

        def __len__(self) -> int:
            return self._count

        def __getitem__(self, index: Any) -> Any:
            if self._columns is None:
                self._columns = [psycopg.Column(self._described, i) for i in range(self._count)]  # type: ignore[arg-type]
            return self._columns[index]

        def __eq__(self, other: object) -> bool:
            return list(self) == other

        def __repr__(self) -> str:
            return repr(list(self))

    statuses = {getattr(psycopg.pq.ExecStatus, name) for name in ("TUPLES_OK", "SINGLE_TUPLE", "TUPLES_CHUNK")
                if hasattr(psycopg.pq.ExecStatus, name)}

    class LazyDescriptionCursor(psycopg.Cursor):  # type: ignore[type-arg]
        @property
        def description(self) -> Description | None:
            result = self.pgresult  # as psycopg decides whether there is a description
            if result and (result.nfields or result.status in statuses):
                return Description(self, result.nfields)
            return None

    return LazyDescriptionCursor


def begin_before_writes(conn: sqlalchemy.Connection, cursor: Any, statement: str, parameters: Any,
                        context: Any, executemany: bool) -> None:
    """On PostgreSQL a transaction starts at the first statement that is not a plain read.

    psycopg's connections are in autocommit mode, and this opens the transaction (BEGIN)
    before any write, lock (``SELECT … FOR UPDATE``), savepoint, DDL or text statement;
    ``commit()`` and ``rollback()`` end it as before. A request that only reads (nearly every
    GET) then sends no BEGIN and no ROLLBACK, and its statements stay prepared on the server:
    psycopg forgets its prepared statements at every ROLLBACK, which the pool sends when a
    connection goes back after a read in a transaction, so every page was parsed and planned
    anew.

    Reads see the same data either way: PostgreSQL's default isolation (READ COMMITTED) gives
    each statement its own snapshot inside a transaction too, and a read before the first
    write of a transaction has no writes of its own to see. Locks and writes are held and
    undone exactly as before, from the BEGIN on.
    """
    if cursor.connection.info.transaction_status != _PG_IDLE:
        return
    compiled = getattr(context, "compiled", None)
    query = getattr(compiled, "statement", None)
    if (isinstance(query, (Select, CompoundSelect)) and getattr(query, "_for_update_arg", None) is None
            and not context.execution_options.get("stream_results")):
        return
    cursor.connection.execute("BEGIN")


#: psycopg's ``pq.TransactionStatus.IDLE``: connected, no transaction open.
_PG_IDLE = 0


def set_sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Foreign keys on, and WAL so readers never wait for the one writer."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
