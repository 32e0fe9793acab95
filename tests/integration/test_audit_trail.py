"""Every change that feeds a grade is an audit event: who, when, before, after (attendance
by hand and by import, participation, marks, sessions added, moved, cancelled and restored,
enrolment and removal)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from lms.audit.models import AuditEvent
from lms.cohorts.models import Membership, Role
from lms.core import time as lms_time
from lms.core.db import db
from tests.conftest import csrf_token, enrol, login, make_cohort, make_session, make_user

ROOT = Path(__file__).resolve().parents[2]
C = "/cohorts/itu-dpg-oss-2024"
MOMENT = datetime(2024, 11, 25, 9, 30, tzinfo=UTC)
FIRST = datetime(2024, 10, 30, 14, tzinfo=UTC)


def _post(client, path, data, form_page=None):
    return client.post(path, data={"csrf_token": csrf_token(client, form_page or path), **data},
                       follow_redirects=True)


def _events(action):
    return db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
                              ).scalars().all()


def test_each_change_that_feeds_a_grade_is_audited_with_who_when_before_after(client, ctx):
    cohort = make_cohort()
    for number in (1, 2, 3):
        make_session(cohort, number, starts_at=FIRST + timedelta(days=2 * (number - 1)))
    amina = make_user("amina.diallo@example.org", "Amina Diallo")
    wang = make_user("wang@example.org", "王芳")
    enrol(amina, cohort, Role.PARTICIPANT)
    enrol(wang, cohort, Role.PARTICIPANT)
    teacher = make_user("ines@example.org", "Inés Instructor")
    enrol(teacher, cohort, Role.INSTRUCTOR)
    enrol(make_user("clara@example.org", "Clara Coordinator"), cohort, Role.COORDINATOR)
    lms_time.freeze(MOMENT)

    login(client, "ines@example.org")
    _post(client, f"{C}/sessions/1/attendance", {f"status-{wang.id}": "late", f"minutes-{wang.id}": "40"})
    _post(client, f"{C}/sessions/1/attendance", {f"status-{wang.id}": "present", f"minutes-{wang.id}": "110"})
    [first, second] = _events("attendance.set")
    assert first.actor_id == teacher.id and first.at == MOMENT and first.cohort_id == cohort.id
    assert first.before is None and first.after["status"] == "late" and first.after["minutes"] == 40
    assert second.before["status"] == "late" and second.after["status"] == "present"

    report = (ROOT / "tests" / "data" / "zoom-participants-session1-plain.csv").read_text(encoding="utf-8-sig")
    page = f"{C}/sessions/1/attendance/import"
    _post(client, page, {"report_text": report, "zone": "Europe/Zurich", "stage": "confirm"}, page)
    imported = {e.object_id: e for e in _events("attendance.import")}
    assert imported[f"{cohort.sessions[0].id}:{amina.id}"].after["status"] == "present"
    assert imported[f"{cohort.sessions[0].id}:{amina.id}"].actor_id == teacher.id

    _post(client, f"{C}/participation", {f"points-{wang.id}-course": "12.5"})
    [mark] = _events("participation.set")
    assert mark.before is None and mark.after["points"] == "12.5" and mark.actor_id == teacher.id

    _post(client, f"{C}/sessions/new", {"title": "Extra", "day": "2024-11-20", "start": "15:00", "end": "16:00",
                                        "zone": "Europe/Zurich"})
    [created] = _events("session.create")
    assert created.after["title"] == "Extra" and created.after["starts_at"] == "2024-11-20T14:00:00+00:00"
    _post(client, f"{C}/sessions/2/edit", {"title": "Session 2", "day": "2024-11-05", "start": "10:00",
                                           "end": "12:00", "zone": "UTC"})
    [moved] = _events("session.move")
    assert moved.before["starts_at"] != moved.after["starts_at"] == "2024-11-05T10:00:00+00:00"
    _post(client, f"{C}/sessions/3/cancel", {}, f"{C}/sessions/3")
    _post(client, f"{C}/sessions/3/restore", {}, f"{C}/sessions/3")
    [cancelled], [restored] = _events("session.cancel"), _events("session.restore")
    assert (cancelled.before["status"], cancelled.after["status"]) == ("scheduled", "cancelled")
    assert (restored.before["status"], restored.after["status"]) == ("cancelled", "scheduled")

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "clara@example.org")
    _post(client, f"{C}/people", {"email": "ivan@example.org", "name": "Иван Петров", "role": "participant"})
    [added] = _events("membership.add")
    assert added.after["email"] == "ivan@example.org" and added.after["role"] == "participant"
    membership = db.session.execute(sa.select(Membership.id).where(Membership.user_id == wang.id)).scalar_one()
    _post(client, f"{C}/people/{membership}/remove", {}, f"{C}/people")
    [removed] = _events("membership.remove")
    assert removed.before["user_id"] == wang.id and removed.before["role"] == "participant"
    assert added.actor_id == removed.actor_id != teacher.id
