"""SECURITY-CHECKS row 9: capacity is guarded by the database, so "add person" requests
arriving at the same moment cannot overfill a cohort (the review saw 34 of 32 from ten
concurrent requests at 31 of 32). Runs on SQLite and on PostgreSQL like the whole suite."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from lms.cohorts.models import Membership, Role
from lms.core.db import db
from tests.conftest import csrf_token, enrol, login, make_cohort, make_user

C = "/cohorts/itu-dpg-oss-2024"
REQUESTS = 10


def _participants(cohort_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(Membership.id)).where(
        Membership.cohort_id == cohort_id, Membership.role == Role.PARTICIPANT))


def test_concurrent_add_person_requests_fill_the_cohort_exactly(app, client, ctx):
    cohort = make_cohort(capacity=32)
    for i in range(31):
        enrol(make_user(f"p{i}@example.org", f"Participant {i}"), cohort, Role.PARTICIPANT)
    enrol(make_user("clara@example.org", "Clara Coordinator"), cohort, Role.COORDINATOR)
    assert login(client, "clara@example.org").status_code == 302
    token = csrf_token(client, f"{C}/people")
    cookie = client.get_cookie("session")
    start = threading.Barrier(REQUESTS)

    def add(i: int) -> tuple[int, str]:
        own = app.test_client()
        own.set_cookie("session", cookie.value)
        start.wait()
        response = own.post(f"{C}/people", data={"csrf_token": token, "email": f"new{i}@example.org",
                                                 "name": f"Новый участник {i}", "role": "participant"})
        return response.status_code, response.get_data(as_text=True)

    with ThreadPoolExecutor(REQUESTS) as pool:
        outcomes = list(pool.map(add, range(REQUESTS)))

    assert _participants(cohort.id) == 32
    assert sum(1 for status, _ in outcomes if status == 302) == 1
    refused = [body for status, body in outcomes if status == 200]
    assert len(refused) == REQUESTS - 1
    assert all("The cohort is full: all 32 participant places are taken." in body for body in refused)
