"""Login sessions expire (idle and absolute), and people see and end their own sessions
(SECURITY-CHECKS row 4)."""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from lms.auth.models import UserSession
from lms.core.db import db
from lms.core.time import freeze
from tests.conftest import csrf_token, login, make_user

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
PHONE = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0 Mobile Safari/537.36")


def _rows(user_id):
    return db.session.execute(sa.select(UserSession).where(UserSession.user_id == user_id)
                              .order_by(UserSession.id)).scalars().all()


def test_row4_an_idle_session_expires(client, ctx):
    make_user(email="pat@example.org")
    freeze(START)
    login(client, "pat@example.org")
    freeze(START + timedelta(hours=7, minutes=59))
    assert client.get("/account").status_code == 200  # used within the idle time: still in, and seen now
    freeze(START + timedelta(hours=15, minutes=58))
    assert client.get("/account").status_code == 200  # idle time counts from the last request
    freeze(START + timedelta(hours=24))
    assert client.get("/account").headers["Location"].startswith("/login")
    [row] = _rows(db.session.execute(sa.select(UserSession.user_id)).scalar())
    assert row.ended_at == START + timedelta(hours=24)  # ended on the server, not just refused


def test_row4_a_session_ends_after_its_absolute_lifetime_however_busy(client, ctx):
    make_user(email="pat@example.org")
    freeze(START)
    login(client, "pat@example.org")
    for hours in range(6, 30 * 24, 6):  # used every six hours, for thirty days
        freeze(START + timedelta(hours=hours))
        assert client.get("/account").status_code == 200, hours
    freeze(START + timedelta(days=30, minutes=1))
    assert client.get("/account").status_code == 302


def test_last_seen_is_written_at_most_once_a_minute(client, ctx):
    user = make_user(email="pat@example.org")
    freeze(START)
    login(client, "pat@example.org")
    freeze(START + timedelta(seconds=30))
    client.get("/account")
    assert _rows(user.id)[0].last_seen_at == START  # not a write per request
    freeze(START + timedelta(seconds=90))
    client.get("/")
    assert _rows(user.id)[0].last_seen_at == START + timedelta(seconds=90)


def test_people_see_their_sessions_and_end_one(app, client, ctx):
    user = make_user(email="pat@example.org")
    login(client, "pat@example.org", HTTP_USER_AGENT=FIREFOX)
    phone = app.test_client()
    login(phone, "pat@example.org", HTTP_USER_AGENT=PHONE)
    page = client.get("/account").get_data(as_text=True)
    assert "Firefox on Linux <strong>(this device)</strong>" in page
    assert "Chrome on Android" in page
    phone_row = _rows(user.id)[1]
    response = client.post(f"/account/sessions/{phone_row.id}/end", data={"csrf_token": csrf_token(client, "/account")})
    assert response.status_code == 302
    assert phone.get("/account").status_code == 302  # the phone is logged out
    assert client.get("/account").status_code == 200  # this device is not
    assert "Chrome on Android" not in client.get("/account").get_data(as_text=True)


def test_people_cannot_end_someone_elses_session(app, client, ctx):
    make_user(email="pat@example.org")
    other = make_user(email="kim@example.org", name="Kim")
    kim = app.test_client()
    login(kim, "kim@example.org")
    login(client, "pat@example.org")
    [kims] = _rows(other.id)
    client.post(f"/account/sessions/{kims.id}/end", data={"csrf_token": csrf_token(client, "/account")})
    assert kim.get("/account").status_code == 200
    assert _rows(other.id)[0].ended_at is None


def test_end_every_other_session(app, client, ctx):
    make_user(email="pat@example.org")
    others = [app.test_client() for _ in range(2)]
    for other in others:
        login(other, "pat@example.org")
    login(client, "pat@example.org")
    response = client.post("/account/sessions/end-others", data={"csrf_token": csrf_token(client, "/account")})
    assert response.status_code == 302
    assert [o.get("/account").status_code for o in others] == [302, 302]
    assert client.get("/account").status_code == 200


def test_ending_this_device_logs_out(client, ctx):
    user = make_user(email="pat@example.org")
    login(client, "pat@example.org")
    [mine] = _rows(user.id)
    response = client.post(f"/account/sessions/{mine.id}/end", data={"csrf_token": csrf_token(client, "/account")})
    assert response.headers["Location"] == "/login"
    assert client.get("/account").status_code == 302
