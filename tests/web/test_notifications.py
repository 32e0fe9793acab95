"""The notifications page (what was e-mailed to me, newest first, paged), the setting that
mutes reminders, the staff page of scheduled work and ``flask lms jobs``."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from lms.auth.models import User
from lms.core import time as lms_time
from lms.core.db import db
from lms.notifications.models import OutboxMessage
from lms.notifications.services import queue_email
from tests.conftest import csrf_token, log_in_as, make_world


def _queue(user_id: int, subject: str, kind: str = "notice", **fields) -> None:
    user = db.session.get(User, user_id)
    message = queue_email(user.email, subject, f"Body of {subject}", kind=kind, user=user)
    for key, value in fields.items():
        setattr(message, key, value)
    db.session.commit()


def test_my_notifications_newest_first_paged_and_only_mine(client, ctx):
    w = make_world()
    start = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    for i in range(23):
        lms_time.freeze(start + timedelta(minutes=i))
        _queue(w.users["participant"], f"Сессия {i} — 第{i}课", kind="reminder" if i % 2 else "notice")
    _queue(w.users["instructor"], "Not for the participant")
    log_in_as(client, w.users["participant"])

    first = client.get("/notifications").get_data(as_text=True)
    second = client.get("/notifications?page=2").get_data(as_text=True)

    assert first.index("Сессия 22 — 第22课") < first.index("Сессия 21 — 第21课")
    assert "Сессия 2 — 第2课" not in first and "Сессия 2 — 第2课" in second
    assert "Showing 1–20 of 23." in first
    assert "Not for the participant" not in first + second
    assert "Welcome" not in first  # mail queued without an account (account links) is not listed


def test_an_empty_page_says_what_will_appear(client, ctx):
    w = make_world()
    log_in_as(client, w.users["outsider"])
    page = client.get("/notifications").get_data(as_text=True)
    assert "Nothing yet." in page


def test_muting_reminders_from_the_account_page(client, ctx):
    w = make_world()
    log_in_as(client, w.users["participant"])
    account = client.get("/account").get_data(as_text=True)
    assert "Do not e-mail me reminders before sessions" in account
    response = client.post("/notifications/settings", data={"csrf_token": csrf_token(client, "/account"),
                                                            "mute_reminders": "y", "back": "account"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    assert db.session.get(User, w.users["participant"]).mute_reminders is True
    client.post("/notifications/settings", data={"csrf_token": csrf_token(client, "/account")})
    assert db.session.get(User, w.users["participant"]).mute_reminders is False


def test_staff_page_shows_jobs_and_outbox_and_only_admins_see_addresses(client, ctx, runner):
    w = make_world()
    failed = db.session.execute(sa.select(OutboxMessage)).scalar_one()
    failed.status, failed.last_error = "failed", "550 5.1.1 No such user"
    db.session.commit()
    assert runner.invoke(args=["lms", "scheduler", "--once"]).exit_code == 0

    log_in_as(client, w.users["participant"])
    assert "Scheduled work" not in client.get("/").get_data(as_text=True)
    log_in_as(client, w.users["coordinator"])
    assert "Scheduled work</a>" in client.get("/").get_data(as_text=True)
    coordinator = client.get("/staff/jobs").get_data(as_text=True)
    assert "outbox.deliver" in coordinator and "reminders" in coordinator
    assert "1 failed" in coordinator and "Not running." in coordinator
    assert "550 5.1.1 No such user" not in coordinator
    log_in_as(client, w.users["admin"])
    admin = client.get("/staff/jobs").get_data(as_text=True)
    assert "550 5.1.1 No such user" in admin and "participant@example.org" in admin

    out = runner.invoke(args=["lms", "jobs"]).output
    assert "outbox.deliver" in out and "Recent runs:" in out and "550 5.1.1 No such user" in out
    assert "Scheduler: not running" in out
