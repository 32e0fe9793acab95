"""Fixtures: one app per test session on SQLite (default) or PostgreSQL
(``LMS_TEST_DATABASE_URL=postgresql+psycopg://…``), the schema built by the migrations,
and every table emptied after each test."""
from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient

from lms import create_app
from lms.auth.models import User
from lms.auth.passwords import hash_password
from lms.cohorts.models import Cohort, CohortStatus, Membership, Role
from lms.core import time as lms_time
from lms.core.db import db
from lms.courses.models import Course
from lms.extensions import limiter
from lms.sessions.models import Session

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(PASSWORD)


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def database_url(tmp_dir: Any) -> str:
    url = os.environ.get("LMS_TEST_DATABASE_URL")
    if url:
        if url.startswith("postgresql"):
            _reset_postgres(url)
        return url
    return f"sqlite:///{tmp_dir / 'test.sqlite3'}"


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in a fresh context, as in production.

    Flask reuses an app context that is already pushed (the ``ctx`` fixture's), which
    would share ``g`` and the database session between the test and its requests. Running
    each request in an empty ``contextvars.Context`` gives it its own; afterwards the
    test's session forgets what it had loaded, so it reads what the request wrote.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    from flask_migrate import upgrade

    url = database_url(tmp_path_factory.mktemp("db"))
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url,
                     LMS_UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads")),
                     # e.g. redis://127.0.0.1:6379/13 (a database of its own: limiter.reset() empties it)
                     RATELIMIT_STORAGE_URI=os.environ.get("LMS_TEST_RATELIMIT_STORAGE_URI", "memory://"))
    with app.app_context():
        upgrade()
    app.test_client_class = IsolatedClient
    yield app
    with app.app_context():
        db.engine.dispose()


def empty_tables() -> None:
    tables = [t for t in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(autouse=True)
def _clean(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    lms_time.freeze(None)
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        with app.app_context():
            db.session.remove()
            empty_tables()
        limiter.reset()


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An app context for service-level tests; its session is removed afterwards."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


# ---- factories -------------------------------------------------------------------------

def make_user(email: str = "pat@example.org", name: str = "Pat Participant", **overrides: Any) -> User:
    """A user whose password is ``PASSWORD`` (hashed once per test run, for speed)."""
    user = User(email=email.lower(), name=name, password_hash=_PASSWORD_HASH, timezone="UTC")
    for key, value in overrides.items():
        setattr(user, key, value)
    db.session.add(user)
    db.session.commit()
    return user


def _itu_scheme() -> dict[str, Any]:
    """The ITU course's grading, attendance and participation settings, from its file."""
    from pathlib import Path

    from lms.courses.loader import load_course_file
    from lms.courses.serialise import to_json

    spec = load_course_file(Path(__file__).resolve().parents[1] / "courses" / "itu-dpg-oss.toml")
    return {"grading": to_json(spec.grading), "attendance_policy": to_json(spec.attendance),
            "participation_per": spec.participation_per, "provider": spec.provider, "summary": spec.summary}


def make_cohort(slug: str = "itu-dpg-oss-2024", **overrides: Any) -> Cohort:
    course = db.session.execute(sa.select(Course).where(Course.slug == "itu-dpg-oss")).scalar_one_or_none()
    if course is None:
        course = Course(slug="itu-dpg-oss", title="Digital Public Goods and Open Source", description="",
                        **_itu_scheme())
    fields: dict[str, Any] = {"title": f"Cohort {slug}", "timezone": "Europe/Zurich", "capacity": 32,
                              "status": CohortStatus.RUNNING}
    fields.update(overrides)
    cohort = Cohort(course=course, slug=slug, **fields)
    db.session.add(cohort)
    db.session.commit()
    return cohort


def make_session(cohort: Cohort, number: int | None = None, **overrides: Any) -> Session:
    """Session ``number`` of ``cohort`` (next free number), by default 30 Oct 2024 14:00 UTC + a week each."""
    from datetime import UTC, datetime, timedelta

    taken = [s.number for s in cohort.sessions]
    number = number or (max(taken) + 1 if taken else 1)
    fields: dict[str, Any] = {"title": f"Session {number}", "duration_minutes": 120,
                              "starts_at": datetime(2024, 10, 30, 14, 0, tzinfo=UTC) + timedelta(days=7 * (number - 1))}
    fields.update(overrides)
    session = Session(cohort=cohort, number=number, **fields)
    db.session.add(session)
    db.session.commit()
    return session


def enrol(user: User, cohort: Cohort, role: Role | str) -> Membership:
    membership = Membership(user=user, cohort=cohort, role=Role(role))
    db.session.add(membership)
    db.session.commit()
    return membership


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a form page."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = PASSWORD, **environ: Any) -> Any:
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       environ_base=environ)


def post_form(client: FlaskClient, path: str, data: dict[str, Any], token_from: str | None = None) -> Any:
    data = {"csrf_token": csrf_token(client, token_from or path), **data}
    return client.post(path, data=data)
