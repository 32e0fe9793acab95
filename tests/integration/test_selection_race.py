"""Selection is guarded by the database: coordinators selecting at the same moment cannot
fill a cohort beyond its capacity (the cohort row is locked while places are counted).
Runs on SQLite and on PostgreSQL like the whole suite."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from lms.applications.models import Application, ApplicationStatus
from lms.cohorts.models import Membership, Role
from lms.core.db import db
from tests.applying import applicants, open_cohort
from tests.conftest import csrf_token, enrol, log_in_as, make_user

C = "/cohorts/itu-dpg-oss-2024"
REQUESTS = 10


def test_coordinators_selecting_at_the_same_moment_never_overfill_the_cohort(app, client, ctx):
    cohort = open_cohort(capacity=32)
    for i in range(31):
        enrol(make_user(f"p{i}@example.org", f"Participant {i}"), cohort, Role.PARTICIPANT)
    waiting = [a.id for a in applicants(cohort, REQUESTS)]
    sessions = []
    for email, name in (("clara@example.org", "Clara Coordinator"), ("chen@example.org", "陈协调员")):
        coordinator = make_user(email, name)
        enrol(coordinator, cohort, Role.COORDINATOR)
        own = app.test_client()
        log_in_as(own, coordinator.id)
        token = csrf_token(own, f"{C}/applications/{waiting[0]}")
        sessions.append((own.get_cookie("session").value, token))
    start = threading.Barrier(REQUESTS)

    def select(i: int) -> tuple[int, str]:
        cookie, token = sessions[i % 2]
        own = app.test_client()
        own.set_cookie("session", cookie)
        start.wait()
        response = own.post(f"{C}/applications/{waiting[i]}/decide",
                            data={"csrf_token": token, "status": "selected", "note": ""})
        return response.status_code, response.get_data(as_text=True)

    with ThreadPoolExecutor(REQUESTS) as pool:
        outcomes = list(pool.map(select, range(REQUESTS)))

    db.session.expire_all()
    participants = db.session.scalar(sa.select(sa.func.count(Membership.id)).where(
        Membership.cohort_id == cohort.id, Membership.role == Role.PARTICIPANT))
    selected = db.session.scalar(sa.select(sa.func.count(Application.id)).where(
        Application.status == ApplicationStatus.SELECTED))
    assert (participants, selected) == (32, 1)
    assert sum(1 for status, _ in outcomes if status == 302) == 1
    refused = [body for status, body in outcomes if status == 200]
    assert len(refused) == REQUESTS - 1
    assert all("The cohort is full: all 32 places are taken." in body for body in refused)
