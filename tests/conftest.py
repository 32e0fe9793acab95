"""Fixtures: one app per test session on SQLite (default) or PostgreSQL
(``LMS_TEST_DATABASE_URL=postgresql+psycopg://…``), the schema built by the migrations,
and every table emptied after each test."""
from __future__ import annotations

import contextvars
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

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


def sibling_database(url: str, suffix: str) -> str:
    """The PostgreSQL database named like ``url``'s with ``suffix`` appended, on the same
    server, created when missing; its URL."""
    parsed = make_url(url)
    name = f"{parsed.database}{suffix}"
    server = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def worker_url(url: str, worker: str) -> str:
    """The PostgreSQL database of one pytest-xdist worker: the URL's with ``_<worker>``
    appended (``test`` → ``test_gw0``), created when missing. The host application's
    databases are named after it in turn (``test_gw0_host``…), so no two workers share one."""
    return sibling_database(url, f"_{worker}")


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist (``make test`` runs ``pytest -n auto``) each worker is a process
    with a database of its own: SQLite files are already apart (each worker has its own
    temporary directory); on PostgreSQL the worker's ``LMS_TEST_DATABASE_URL`` names its own
    database, so every fixture and subprocess that reads the variable finds the worker's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("LMS_TEST_DATABASE_URL", "")
    if worker and url.startswith("postgresql") and not os.environ.get("LMS_TEST_WORKER_DATABASE"):
        os.environ["LMS_TEST_DATABASE_URL"] = worker_url(url, worker)
        os.environ["LMS_TEST_WORKER_DATABASE"] = worker


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


#: The sequences owned by the tables' columns (serial and identity), found once per database.
_OWNED_SEQUENCES: dict[str, list[str]] = {}


def _owned_sequences(names: list[str]) -> list[str]:
    key = db.engine.url.render_as_string(hide_password=False)
    if key not in _OWNED_SEQUENCES:
        _OWNED_SEQUENCES[key] = list(db.session.execute(sa.text(
            "SELECT s.seqrelid::regclass::text FROM pg_sequence s"
            " JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid AND d.deptype IN ('a', 'i')"
            " JOIN pg_class t ON t.oid = d.refobjid WHERE t.relname = ANY(:names) ORDER BY 1"),
            {"names": names}).scalars())
    return _OWNED_SEQUENCES[key]


def empty_tables() -> None:
    """Every table emptied and, on PostgreSQL, every id sequence back at its start, as
    ``TRUNCATE … RESTART IDENTITY`` would leave them. DELETE, not TRUNCATE: a test leaves a
    handful of rows, and TRUNCATE gives each of the tables new files on disk, which took
    ~0.2–0.4 s after every test (minutes over the suite) where the DELETEs take ~10 ms."""
    tables = [t for t in db.metadata.sorted_tables]
    for table in reversed(tables):
        db.session.execute(table.delete())
    if db.engine.dialect.name == "postgresql":
        sequences = _owned_sequences([t.name for t in tables])
        db.session.execute(sa.text("SELECT setval(s.seqrelid, s.seqstart, false) FROM pg_sequence s"
                                   " WHERE s.seqrelid = ANY(CAST(:sequences AS regclass[]))"),
                           {"sequences": sequences})
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


@lru_cache(maxsize=1)
def _itu_spec() -> Any:
    from pathlib import Path

    from lms.courses.loader import load_course_file

    return load_course_file(Path(__file__).resolve().parents[1] / "courses" / "itu-dpg-oss.toml")


def _itu_scheme() -> dict[str, Any]:
    """The ITU course's grading, attendance and participation settings, from its file (read once per run)."""
    from lms.courses.serialise import to_json

    spec = _itu_spec()
    return {"grading": to_json(spec.grading), "attendance_policy": to_json(spec.attendance),
            "participation_per": spec.participation_per, "provider": spec.provider, "summary": spec.summary,
            "group_min": spec.group_min, "group_max": spec.group_max, "project": to_json(spec.project)}


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


def log_in_as(client: FlaskClient, user_id: int) -> None:
    """Log a user in as the login view does (a server-side session whose token is the
    cookie's user id) without posting the form, so tests that only need "someone logged in"
    do not pay for a scrypt check each. The login form itself is tested on its own."""
    from lms.auth.services import start_session

    token = start_session(db.session.get(User, user_id))
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = token, True


def dump_database() -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table in ``db.metadata``, as sorted ``repr`` tuples, read on a
    connection of its own so nothing the test's session holds can hide a change."""
    with db.engine.connect() as conn:
        return {table.name: sorted(tuple(repr(value) for value in row) for row in conn.execute(table.select()))
                for table in db.metadata.sorted_tables}


def database_changes(before: dict[str, list[tuple[str, ...]]], after: dict[str, list[tuple[str, ...]]]) -> list[str]:
    """One line per table whose rows differ: the table, the rows gone and the rows added."""
    changes = []
    for name in before:
        if before[name] != after[name]:
            gone = [row for row in before[name] if row not in after[name]]
            added = [row for row in after[name] if row not in before[name]]
            changes.append(f"{name}: gone {gone}, added {added}")
    return changes


#: The people of ``make_world``: the role they hold in its cohort ("outsider" holds none,
#: "admin" is a site admin with no membership). Each logs in as ``<key>@example.org``.
WORLD_PEOPLE = {"outsider": "Olive Outsider", "participant": "Pat Participant", "instructor": "Ines Instructor",
                "coordinator": "Clara Coordinator", "admin": "Ada Admin"}


@dataclass(frozen=True)
class World:
    """Ids and secrets of a populated cohort, for building URLs (no ORM objects, so nothing
    goes stale between requests)."""

    slug: str
    cohort_id: int
    users: dict[str, int]
    membership_id: int  #: the participant's membership
    session_id: int  #: session 1
    material_id: int  #: an uploaded PDF on session 1
    code: str  #: the participant's certificate
    calendar_token: str  #: the participant's private feed
    reset_token: str  #: a valid password-reset link for the participant
    quiz_id: int = 0  #: the knowledge check: two questions, no time limit
    attempt_id: int = 0  #: the participant's submitted attempt
    group_id: int = 0  #: "Group A": the participant's project group, graded (not released), with a comment
    other_group_id: int = 0  #: "Group B": an empty group
    submission_id: int = 0  #: Group A's uploaded PDF, version 1


def make_world(finalised: bool = False) -> World:
    """A running cohort ``itu-dpg-oss-2024`` with every table holding rows: five people
    (see ``WORLD_PEOPLE``), two sessions, an uploaded material, attendance with a name
    mapping, participation and component marks, the participant's certificate and calendar
    token, an audit event and a queued e-mail; plus an empty ``draft-cohort``. With
    ``finalised`` the cohort is finalised (status and date), as after issuing certificates."""
    from lms.attendance.models import (
        AttendanceRecord,
        AttendanceSource,
        AttendanceStatus,
        NameMapping,
        ParticipationMark,
    )
    from lms.audit.services import record_event
    from lms.auth.services import make_reset_token
    from lms.certificates.models import Certificate
    from lms.gradebook.models import Mark
    from lms.notifications.services import queue_email
    from lms.sessions.materials import add_material

    cohort = make_cohort()
    make_cohort("draft-cohort", status=CohortStatus.DRAFT)
    users = {key: User(email=f"{key}@example.org", name=name, password_hash=_PASSWORD_HASH, timezone="UTC",
                       is_site_admin=key == "admin") for key, name in WORLD_PEOPLE.items()}
    db.session.add_all(users.values())
    memberships = {role: Membership(user=users[role.value], cohort=cohort, role=role) for role in Role}
    db.session.add_all(memberships.values())
    participant = users["participant"]
    participant.calendar_token = "t" * 43
    first = make_session(cohort, join_url="https://meet.example.org/first")
    make_session(cohort, join_url="https://meet.example.org/second")
    material = add_material(first, title="Slides", kind="slides", upload=io.BytesIO(b"%PDF-1.4 slides\n%%EOF\n"),
                            filename="slides.pdf")
    db.session.add_all([
        AttendanceRecord(session=first, user=participant, status=AttendanceStatus.PRESENT, minutes=120,
                         source=AttendanceSource.MANUAL, note=""),
        NameMapping(cohort_id=cohort.id, normalised_name="pat phone", user_id=participant.id),
        ParticipationMark(cohort_id=cohort.id, user_id=participant.id, session_id=None, points=Decimal("10"), note=""),
        Mark(cohort_id=cohort.id, user_id=participant.id, component_key="knowledge_check", points=Decimal("10")),
        Certificate(cohort_id=cohort.id, user_id=participant.id, code="C" * 32, total=Decimal("85"),
                    recipient_name=participant.name),
    ])
    group_a, group_b, submission = _world_project(cohort, participant, users["coordinator"])
    record_event(users["coordinator"], "cohort.finalise", "cohort", cohort.id, cohort_id=cohort.id)
    queue_email("participant@example.org", "Welcome", "Hello")
    quiz, attempt = _world_quiz(cohort.id, participant)
    if finalised:
        cohort.status, cohort.finalised_at = CohortStatus.FINALISED, datetime(2024, 12, 1, tzinfo=UTC)
    db.session.commit()
    return World(slug=cohort.slug, cohort_id=cohort.id, users={k: u.id for k, u in users.items()},
                 membership_id=memberships[Role.PARTICIPANT].id, session_id=first.id, material_id=material.id,
                 code="C" * 32, calendar_token="t" * 43, reset_token=make_reset_token(participant),
                 quiz_id=quiz.id, attempt_id=attempt.id,
                 group_id=group_a.id, other_group_id=group_b.id, submission_id=submission.id)


def _world_quiz(cohort_id: int, participant: User) -> tuple[Any, Any]:
    """The world's knowledge check (two questions, answered and submitted by the participant)."""
    from lms.quizzes.models import Answer, Attempt, Question, Quiz

    quiz = Quiz(cohort_id=cohort_id, key="knowledge_check", title="Knowledge check", component_key="knowledge_check",
                attempts_allowed=2)
    db.session.add(quiz)
    db.session.flush()
    questions = [Question(quiz_id=quiz.id, slot=1, version=1, position=0, kind="single", text="Which licence is open?",
                          choices=["MIT", "Proprietary"], correct=[0]),
                 Question(quiz_id=quiz.id, slot=2, version=1, position=1, kind="short_answer",
                          text="Name a digital public good", accepted=["DHIS2"])]
    db.session.add_all(questions)
    db.session.flush()
    attempt = Attempt(quiz_id=quiz.id, user_id=participant.id, number=1, layout=[[q.id, [0, 1]] for q in questions],
                      submitted_at=datetime(2024, 10, 29, 9, tzinfo=UTC), submitted_by="participant",
                      score=Decimal("1"), max_score=2)
    db.session.add(attempt)
    db.session.flush()
    db.session.add_all([Answer(attempt_id=attempt.id, question_id=questions[0].id, response=[1], points=Decimal(0)),
                        Answer(attempt_id=attempt.id, question_id=questions[1].id, response=["dhis2"],
                               points=Decimal(1))])
    return quiz, attempt


#: The PDF Group A uploaded in ``make_world``.
WORLD_SUBMISSION = b"%PDF-1.4 our plan\n%%EOF\n"


def _world_project(cohort: Cohort, participant: User, commenter: User) -> tuple[Any, Any, Any]:
    """Groups A (the participant, graded "good", not released, one peer comment, one
    submission) and B (empty), and the cohort's project settings."""
    from lms.core.uploads import UploadLimits
    from lms.groups.models import Group, GroupMember
    from lms.projects.models import PeerComment, ProjectGrade, ProjectGradeMember, ProjectSetting, Submission
    from lms.projects.storage import storage

    group_a, group_b = Group(cohort_id=cohort.id, name="Group A"), Group(cohort_id=cohort.id, name="Group B")
    group_a.members = [GroupMember(cohort_id=cohort.id, user=participant)]
    db.session.add_all([group_a, group_b])
    db.session.flush()
    stored = storage().save(io.BytesIO(WORLD_SUBMISSION), "our plan.pdf", UploadLimits())
    submission = Submission(group_id=group_a.id, cohort_id=cohort.id, version=1, stored_name=stored.stored_name,
                            original_name="our plan.pdf", content_type=stored.content_type,
                            size_bytes=stored.size_bytes, sha256=stored.sha256, uploaded_by_id=participant.id)
    grade = ProjectGrade(group_id=group_a.id, cohort_id=cohort.id, level="good", points=Decimal(50),
                         feedback="A realistic plan.", released=False)
    grade.members = [ProjectGradeMember(cohort_id=cohort.id, user_id=participant.id, level="good",
                                        points=Decimal(50))]
    db.session.add_all([submission, grade,
                        PeerComment(group_id=group_a.id, cohort_id=cohort.id, author_id=commenter.id,
                                    body="Clear risks.", released=False),
                        ProjectSetting(cohort_id=cohort.id, title="Final group project", brief="Plan a DPG.",
                                       due_at=datetime(2024, 11, 27, 14, tzinfo=UTC))])
    db.session.flush()
    return group_a, group_b, submission
