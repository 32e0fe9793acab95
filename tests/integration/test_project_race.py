"""Project uploads and group moves arriving at the same moment (SQLite and PostgreSQL):
every upload becomes its own version, numbered without gaps or repeats, and a person moved
by several instructors at once ends up in exactly one group."""
from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from lms.cohorts.models import Role
from lms.core.db import db
from lms.groups import services as groups
from lms.groups.models import GroupMember
from lms.projects.models import Submission
from lms.projects.storage import storage
from tests.conftest import csrf_token, enrol, log_in_as, make_cohort, make_user

C = "/cohorts/itu-dpg-oss-2024"
REQUESTS = 6
NAMES = ["Amina Diallo", "Иван Петров", "王芳", "अमित कुमार", "Nguyễn Thị Lan", "محمد عبد الله"]


def _pdf(i: int) -> bytes:
    return b"%PDF-1.4 version " + str(i).encode() + b"\n%%EOF\n"


def _client_as(app, user_id: int):
    client = app.test_client()
    log_in_as(client, user_id)
    return client, csrf_token(client, f"{C}/project")


def test_concurrent_uploads_each_get_their_own_version(app, ctx):
    cohort = make_cohort()
    people = [make_user(f"p{i}@example.org", name) for i, name in enumerate(NAMES)]
    for person in people:
        enrol(person, cohort, Role.PARTICIPANT)
    [group] = groups.set_groups(cohort, {"Group 1": [p.id for p in people]}, None, "import")
    db.session.commit()
    clients = [_client_as(app, p.id) for p in people]
    start = threading.Barrier(REQUESTS)

    def upload(i: int) -> int:
        client, token = clients[i]
        start.wait()
        data = {"csrf_token": token, "file": (io.BytesIO(_pdf(i)), f"plan-{i}.pdf")}
        return client.post(f"{C}/project/upload", data=data, content_type="multipart/form-data").status_code

    with ThreadPoolExecutor(REQUESTS) as pool:
        assert list(pool.map(upload, range(REQUESTS))) == [302] * REQUESTS
    db.session.expire_all()
    rows = db.session.execute(sa.select(Submission).where(Submission.group_id == group.id)).scalars().all()
    assert sorted(s.version for s in rows) == list(range(1, REQUESTS + 1))
    assert sorted(storage().open(s.stored_name).read() for s in rows) == sorted(
        _pdf(i) for i in range(REQUESTS))


def test_concurrent_moves_leave_one_group(app, ctx):
    cohort = make_cohort()
    people = [make_user(f"p{i}@example.org", name) for i, name in enumerate(NAMES)]
    for person in people:
        enrol(person, cohort, Role.PARTICIPANT)
    made = groups.set_groups(cohort, {f"Group {i}": [p.id] for i, p in enumerate(people)}, None, "import")
    db.session.commit()
    staff = [make_user(f"ines{i}@example.org", f"Instructor {i}") for i in range(REQUESTS - 1)]
    for person in staff:
        enrol(person, cohort, Role.INSTRUCTOR)
    clients = [_client_as(app, s.id) for s in staff]
    mover, targets = people[0].id, [g.id for g in made[1:]]
    start = threading.Barrier(len(staff))

    def move(i: int) -> int:
        client, token = clients[i]
        start.wait()
        return client.post(f"{C}/groups/move", data={"csrf_token": token, "user_id": mover,
                                                       "group_id": targets[i]}).status_code

    with ThreadPoolExecutor(len(staff)) as pool:
        assert list(pool.map(move, range(len(staff)))) == [302] * len(staff)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(GroupMember.id)).where(GroupMember.user_id == mover)) == 1
