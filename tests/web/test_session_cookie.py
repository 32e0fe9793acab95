"""The standalone app's session cookie (lms/core/session_cookie.py): each distinct cookie's
signature is checked once, and everything Flask's signed cookie refuses is still refused."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask, session
from itsdangerous import TimestampSigner

from lms.core import session_cookie
from lms.core.session_cookie import CheckedOnceCookieSessions


@pytest.fixture
def cookie_app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "first key, long enough to sign with"
    app.session_interface = CheckedOnceCookieSessions(remembered=3)

    @app.get("/set/<name>")
    def set_name(name: str) -> str:
        session["name"], session["items"] = name, [1]
        return "set"

    @app.get("/show")
    def show() -> dict[str, object]:
        return {"name": session.get("name"), "items": session.get("items")}

    @app.get("/touch-items")
    def touch_items() -> str:
        session.get("items", []).append(2)  # changes an object inside, without marking the session changed
        return "touched"

    return app


def test_the_standalone_app_uses_it(app: Flask) -> None:
    assert isinstance(app.session_interface, CheckedOnceCookieSessions)


def test_a_cookie_is_checked_once_and_read_afresh_at_every_request(cookie_app: Flask, monkeypatch) -> None:
    checks = []
    unsign = TimestampSigner.unsign
    monkeypatch.setattr(TimestampSigner, "unsign", lambda self, *a, **k: checks.append(1) or unsign(self, *a, **k))
    client = cookie_app.test_client()
    client.get("/set/Nguyễn Thị Hạnh")
    for _ in range(5):
        assert client.get("/show").json == {"name": "Nguyễn Thị Hạnh", "items": [1]}
        client.get("/touch-items")  # a request's objects are its own: the next one reads [1] again
    assert len(checks) == 1


def test_a_cookie_with_a_wrong_signature_opens_an_empty_session(cookie_app: Flask) -> None:
    client = cookie_app.test_client()
    client.get("/set/Иван")
    good = client.get_cookie("session").value
    data, signed_at, signature = good.split(".")
    other = {"A": "B"}.get(data[0], "A")  # a character that differs from the one it replaces
    for forged in (f"{data}.{signed_at}.{signature[:-2]}{'xy' if signature[-2:] != 'xy' else 'yx'}",
                   f"{other}{data[1:]}.{signed_at}.{signature}", "not-a-cookie"):
        assert forged != good
        client.set_cookie("session", forged)
        assert client.get("/show").json == {"name": None, "items": None}, forged
    client.set_cookie("session", good)  # refusing the forgeries forgot nothing
    assert client.get("/show").json["name"] == "Иван"


def test_a_remembered_cookie_still_expires(cookie_app: Flask, monkeypatch) -> None:
    cookie_app.permanent_session_lifetime = timedelta(hours=1)
    client = cookie_app.test_client()
    client.get("/set/王芳")
    assert client.get("/show").json["name"] == "王芳"  # checked and remembered
    now = session_cookie.time.time()
    monkeypatch.setattr(session_cookie.time, "time", lambda: now + 3601)
    assert client.get("/show").json["name"] is None
    monkeypatch.setattr(session_cookie.time, "time", lambda: now - 60)  # signed "in the future"
    assert client.get("/show").json["name"] is None


def test_a_new_key_forgets_every_checked_cookie(cookie_app: Flask) -> None:
    client = cookie_app.test_client()
    client.get("/set/अनीता")
    assert client.get("/show").json["name"] == "अनीता"
    cookie_app.secret_key = "second key, after the first leaked"
    assert client.get("/show").json["name"] is None
    cookie_app.config["SECRET_KEY_FALLBACKS"] = ["first key, long enough to sign with"]
    assert client.get("/show").json["name"] == "अनीता"  # a fallback key still opens it, as in Flask


def test_it_remembers_a_bounded_number_of_cookies(cookie_app: Flask) -> None:
    interface = cookie_app.session_interface
    for name in ("a", "b", "c", "d", "e"):
        client = cookie_app.test_client()
        client.get(f"/set/{name}")
        assert client.get("/show").json["name"] == name
    assert len(interface._checked) == 3


def test_a_cookie_checked_under_replaced_keys_is_not_remembered(cookie_app: Flask) -> None:
    """A request that began before the key changed checks its cookie under the keys it began
    with, and what it checked is not remembered under the new ones."""
    interface = cookie_app.session_interface
    client = cookie_app.test_client()
    client.get("/set/Nguyễn")
    old = interface.get_signing_serializer(cookie_app)
    cookie_app.secret_key = "second key, after the first leaked"
    assert interface.get_signing_serializer(cookie_app) is not old
    assert interface._check(old, client.get_cookie("session").value) is not None  # the old keys still open it
    assert len(interface._checked) == 0
    assert client.get("/show").json["name"] is None
