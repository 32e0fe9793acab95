"""The database layer: migrations agree with the models; UTC and foreign keys hold."""
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lms.auth.models import User
from lms.core.db import db
from tests.conftest import make_user


def _include_lms(name, type_, parent_names):
    return not (type_ == "table" and not name.startswith("lms_"))


def test_migrations_and_models_agree(ctx):
    """The test database was built by ``flask db upgrade``; autogenerate finds nothing to do."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": _include_lms,
                              "version_table": "alembic_version_lms"}
        )
        assert context.get_current_revision() is not None
        assert compare_metadata(context, db.metadata) == []


def test_version_table_is_the_lms_own(ctx):
    names = sa.inspect(db.engine).get_table_names()
    assert "alembic_version_lms" in names
    assert "alembic_version" not in names
    assert all(n.startswith("lms_") or n == "alembic_version_lms" for n in names)


def test_downgrade_to_nothing_and_back(tmp_path):
    """Every revision can be undone and redone (on a scratch SQLite database)."""
    from flask_migrate import downgrade, upgrade

    from lms import create_app

    scratch = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'scratch.sqlite3'}")
    with scratch.app_context():
        upgrade()
        downgrade(revision="base")
        assert [n for n in sa.inspect(db.engine).get_table_names() if n.startswith("lms_")] == []
        upgrade()
        assert "lms_user" in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_times_come_back_aware_in_utc(ctx):
    zurich = timezone(timedelta(hours=1))
    user = make_user(created_at=datetime(2024, 10, 30, 15, 0, tzinfo=zurich))
    db.session.expire_all()
    stored = db.session.get(User, user.id).created_at
    assert stored == datetime(2024, 10, 30, 14, 0, tzinfo=UTC)
    assert stored.utcoffset() == timedelta(0)


def test_naive_times_are_refused(ctx):
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        make_user(created_at=datetime(2024, 10, 30, 15, 0))
    db.session.rollback()


def test_foreign_keys_are_enforced(ctx):
    from lms.cohorts.models import Membership, Role

    db.session.add(Membership(cohort_id=999, user_id=999, role=Role.PARTICIPANT))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_sqlite_runs_in_wal_mode(ctx):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("WAL is a SQLite setting; this run uses " + db.engine.dialect.name)
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
