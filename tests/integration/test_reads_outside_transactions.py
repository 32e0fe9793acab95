"""On PostgreSQL the LMS's own engine reads outside transactions and opens one (BEGIN) at the
first statement that is not a plain read (``lms.core.db.begin_before_writes``): a page that
only reads sends no BEGIN and no ROLLBACK, and its statements stay prepared; writes, locks
and savepoints are held and undone exactly as inside a transaction."""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from lms.auth.models import User
from lms.cohorts.models import Cohort, Role
from lms.cohorts.services import get_cohort, lock_cohort
from lms.core.db import db
from tests.conftest import enrol, login, make_cohort, make_session, make_user

IDLE, IN_TRANSACTION = 0, 2  # psycopg.pq.TransactionStatus


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("reads outside transactions are a PostgreSQL (psycopg) setting; this run uses "
                        + db.engine.dialect.name)


def _status() -> int:
    return db.session.connection().connection.dbapi_connection.info.transaction_status


@contextlib.contextmanager
def _statements() -> Iterator[list[tuple[str, int, int]]]:
    """Each statement the engine sends: its verb, and the connection's transaction status
    before it (after any BEGIN the LMS sent for it) and after it."""
    seen: list[tuple[str, int, int]] = []
    before: list[int] = []

    def start(conn, cursor, statement, *_):
        before.append(cursor.connection.info.transaction_status)

    def end(conn, cursor, statement, *_):
        seen.append((statement.split()[0].upper(), before.pop(), cursor.connection.info.transaction_status))

    sa.event.listen(db.engine, "before_cursor_execute", start)
    sa.event.listen(db.engine, "after_cursor_execute", end)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", start)
        sa.event.remove(db.engine, "after_cursor_execute", end)


def test_a_page_that_only_reads_opens_no_transaction(app, client):
    with app.app_context():
        cohort = make_cohort()
        make_session(cohort)
        enrol(make_user("pat@example.org", "Phạm Thị Hương"), cohort, Role.PARTICIPANT)
    login(client, "pat@example.org")
    client.get("/")  # the login session's "last seen" is fresh: the next pages write nothing
    with app.app_context(), _statements() as seen:
        for path in ("/", "/cohorts/itu-dpg-oss-2024", "/cohorts/itu-dpg-oss-2024/sessions/1",
                     "/cohorts/itu-dpg-oss-2024/my-grades"):
            assert client.get(path).status_code == 200, path
    assert seen and {verb for verb, _, _ in seen} == {"SELECT"}
    assert {(before, after) for _, before, after in seen} == {(IDLE, IDLE)}, "a read opened a transaction"


def test_a_write_in_a_page_is_still_one_transaction(app, client):
    """The login session's "last seen" is an UPDATE: it begins a transaction, and the commit
    ends it."""
    with app.app_context():
        make_user("pat@example.org", "Phạm Thị Hương")
    login(client, "pat@example.org")
    kept = app.config["LMS_SESSION_TOUCH_INTERVAL"]
    app.config["LMS_SESSION_TOUCH_INTERVAL"] = 0
    try:
        with app.app_context(), _statements() as seen:
            assert client.get("/").status_code == 200
    finally:
        app.config["LMS_SESSION_TOUCH_INTERVAL"] = kept
    verbs = [verb for verb, _, _ in seen]
    assert verbs.count("UPDATE") == 1
    update = verbs.index("UPDATE")
    assert seen[update][1:] == (IN_TRANSACTION, IN_TRANSACTION)  # began before it (the hook runs first)
    assert seen[update - 1][1:] == (IDLE, IDLE) and seen[update + 1][1:] == (IDLE, IDLE)  # committed before the view


def test_a_write_begins_a_transaction_that_rollback_undoes(ctx):
    user_id = make_user("ivan@example.org", "Иван Петров").id
    db.session.remove()
    assert db.session.execute(sa.select(User.name).where(User.id == user_id)).scalar_one() == "Иван Петров"
    assert _status() == IDLE  # the read opened nothing
    db.session.execute(sa.update(User).where(User.id == user_id).values(name="王芳"))
    assert _status() == IN_TRANSACTION
    db.session.execute(sa.update(User).where(User.id == user_id).values(name="देवनागरी नाम"))
    db.session.rollback()
    assert db.session.execute(sa.select(User.name).where(User.id == user_id)).scalar_one() == "Иван Петров"


def test_writes_commit_together(ctx):
    db.session.add_all([User(email="a@example.org", name="عمر", password_hash="x", timezone="UTC"),
                        User(email="b@example.org", name="Nguyễn Văn An", password_hash="x", timezone="UTC")])
    db.session.commit()
    assert _status() == IDLE
    db.session.add(User(email="a@example.org", name="duplicate", password_hash="x", timezone="UTC"))
    db.session.add(User(email="c@example.org", name="Chen", password_hash="x", timezone="UTC"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count(User.id))).scalar_one() == 2


def test_a_savepoint_as_the_first_statement_is_inside_a_transaction(ctx):
    with db.session.begin_nested():
        db.session.add(User(email="s@example.org", name="Sa", password_hash="x", timezone="UTC"))
    assert _status() == IN_TRANSACTION
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count(User.id))).scalar_one() == 0


def test_select_for_update_holds_its_lock_until_commit(app):
    """A row lock taken by a read (``SELECT … FOR UPDATE``) is a write: it begins the
    transaction, so another writer waits for the commit instead of slipping past."""
    with app.app_context():
        cohort_id = make_cohort().id
        db.session.remove()
        locked = db.session.execute(sa.select(Cohort).where(Cohort.id == cohort_id).with_for_update()).scalar_one()
        assert _status() == IN_TRANSACTION
        other_done = threading.Event()

        def other_writer():
            with app.app_context():
                db.session.execute(sa.update(Cohort).where(Cohort.id == cohort_id).values(title="other"))
                db.session.commit()
                db.session.remove()
                other_done.set()

        thread = threading.Thread(target=other_writer)
        thread.start()
        assert not other_done.wait(0.5), "the lock was released before the commit"
        locked.title = "first"
        db.session.commit()
        thread.join(10)
        assert other_done.is_set()
        db.session.remove()
        assert db.session.get(Cohort, cohort_id).title == "other"


def test_the_cohort_lock_is_held_until_commit(app):
    """``lock_cohort`` (an UPDATE) keeps a second writer waiting until the first commits."""
    with app.app_context():
        make_cohort()
        db.session.remove()
        lock_cohort(get_cohort("itu-dpg-oss-2024"))
        order: list[str] = []

        def second():
            with app.app_context():
                lock_cohort(get_cohort("itu-dpg-oss-2024"))
                order.append("second")
                db.session.commit()
                db.session.remove()

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(0.5)
        order.append("first")
        db.session.commit()
        thread.join(10)
        assert order == ["first", "second"]
