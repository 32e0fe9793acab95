"""The cohort page's statement keeps a plan that fits a large cohort once PostgreSQL plans it
for any parameter value (a prepared statement's generic plan, after its fifth run): the
teaching team is read by index, not by reading every membership and every user."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.auth.models import User
from lms.cohorts.models import Membership, Role
from lms.cohorts.services import _cohort_page_statement
from lms.core.db import db
from tests.conftest import enrol, make_cohort, make_user


def test_the_cohort_page_binds_only_the_slug(ctx) -> None:
    """The staff roles are part of the SQL: bound, they let the generic plan read everyone."""
    compiled = _cohort_page_statement(db.engine.dialect.name).compile(dialect=db.engine.dialect)
    assert list(compiled.construct_params({"slug": "itu-dpg-oss-2024"})) == ["slug"]


def test_the_generic_plan_reads_the_teaching_team_by_index(ctx) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("generic plans of prepared statements are PostgreSQL's; this run uses " + db.engine.dialect.name)
    cohort = make_cohort()
    enrol(make_user("coordinator@example.org", "Aïcha Coordinatrice"), cohort, Role.COORDINATOR)
    db.session.commit()
    people = db.session.execute(sa.insert(User).returning(User.id), [
        {"email": f"p{i}@example.org", "name": f"Nguyễn Văn {i}", "timezone": "Asia/Ho_Chi_Minh",
         "is_site_admin": False, "is_enabled": True, "mute_reminders": False} for i in range(3000)]).scalars().all()
    db.session.execute(sa.insert(Membership), [
        {"cohort_id": cohort.id, "user_id": uid, "role": Role.PARTICIPANT} for uid in people])
    db.session.commit()
    compiled = _cohort_page_statement("postgresql").compile(dialect=db.engine.dialect)
    raw = db.engine.raw_connection()
    try:
        connection = raw.driver_connection
        connection.execute("ANALYZE lms_membership, lms_user, lms_cohort")
        connection.execute("SET plan_cache_mode = force_generic_plan")
        connection.execute(f"PREPARE cohort_page AS {str(compiled).replace('%(slug)s', '$1')}")
        plan = "\n".join(row[0] for row in connection.execute("EXPLAIN EXECUTE cohort_page('itu-dpg-oss-2024')"))
        connection.execute("DEALLOCATE cohort_page")
        connection.execute("RESET plan_cache_mode")
    finally:
        raw.close()
    assert "Seq Scan on lms_user" not in plan and "Seq Scan on lms_membership" not in plan, plan
