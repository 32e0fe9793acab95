"""The CSRF token on LMS pages (lms/core/csrf_token.py): one signed token per session reused
for a minute, valid wherever Flask-WTF's would be, and never given to another session."""
from __future__ import annotations

import pytest
from flask import Flask

from lms.core import csrf_token as tokens
from lms.core.db import db
from tests.conftest import CSRF_RE, log_in_as, make_user


def _token(client, path: str = "/") -> str:
    match = CSRF_RE.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def signings(monkeypatch) -> list[int]:
    """Counts Flask-WTF's signings done for LMS pages."""
    done: list[int] = []
    sign = tokens.generate_csrf
    monkeypatch.setattr(tokens, "generate_csrf", lambda: done.append(1) or sign())
    return done


@pytest.fixture
def two_people(app: Flask, ctx):
    people = [make_user(email="ngo.thi.hanh@example.org", name="Ngô Thị Hạnh"),
              make_user(email="fatima@example.org", name="فاطمة الزهراء")]
    db.session.commit()
    clients = [app.test_client(), app.test_client()]
    for client, person in zip(clients, people, strict=True):
        log_in_as(client, person.id)
    return clients


def test_pages_of_one_session_carry_one_signed_token_and_it_is_accepted(two_people, signings) -> None:
    client, _ = two_people
    seen = {_token(client, path) for path in ("/", "/account/calendar", "/", "/courses/")}
    assert len(seen) == 1 and len(signings) == 1
    response = client.post("/logout", data={"csrf_token": seen.pop()})
    assert response.status_code == 302  # accepted: a refused token answers 400 "Form expired"
    assert client.get("/account").status_code == 302  # logged out


def test_another_session_never_gets_the_token_nor_can_use_it(two_people, signings) -> None:
    hanh, fatima = two_people
    hers, theirs = _token(hanh), _token(fatima)
    assert hers != theirs and len(signings) == 2
    assert fatima.post("/logout", data={"csrf_token": hers}).status_code == 400
    assert fatima.get("/account").status_code == 200  # still logged in
    assert fatima.post("/logout", data={"csrf_token": theirs}).status_code == 302


def test_a_token_is_signed_anew_after_a_sixtieth_of_the_time_limit(app: Flask, two_people, signings,
                                                                  monkeypatch) -> None:
    client, _ = two_people
    first = _token(client)
    now = tokens.clock()
    limit = app.config["WTF_CSRF_TIME_LIMIT"]
    monkeypatch.setattr(tokens, "clock", lambda: now + limit / 60 - 1)
    assert _token(client) == first and len(signings) == 1
    monkeypatch.setattr(tokens, "clock", lambda: now + limit / 60 + 1)
    second = _token(client)
    assert len(signings) == 2
    monkeypatch.setattr(tokens, "clock", lambda: now - 5)  # the clock went back: not reused either
    _token(client)
    assert len(signings) == 3
    assert client.post("/logout", data={"csrf_token": second}).status_code == 302


def test_a_new_csrf_key_signs_anew_and_only_its_tokens_are_accepted(app: Flask, two_people, signings,
                                                                    monkeypatch) -> None:
    client, _ = two_people
    old = _token(client)
    monkeypatch.setitem(app.config, "WTF_CSRF_SECRET_KEY", "a new key for CSRF tokens only")
    new = _token(client)
    assert new != old and len(signings) == 2
    assert client.post("/logout", data={"csrf_token": old}).status_code == 400
    assert client.post("/logout", data={"csrf_token": new}).status_code == 302


def test_without_a_time_limit_a_token_is_reused_for_a_minute(app: Flask, two_people, signings,
                                                             monkeypatch) -> None:
    client, _ = two_people
    monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", None)
    first = _token(client)
    now = tokens.clock()
    monkeypatch.setattr(tokens, "clock", lambda: now + 59)
    assert _token(client) == first and len(signings) == 1
    monkeypatch.setattr(tokens, "clock", lambda: now + 61)
    _token(client)
    assert len(signings) == 2


def test_at_most_kept_tokens_sessions_are_remembered(two_people, signings, monkeypatch) -> None:
    hanh, fatima = two_people
    monkeypatch.setattr(tokens, "KEPT_TOKENS", 1)
    _token(hanh)
    _token(fatima)  # Hạnh's is dropped to keep Fatima's
    _token(fatima)
    assert len(signings) == 2
    _token(hanh)
    assert len(signings) == 3
