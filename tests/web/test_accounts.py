"""Register, log in and out, profile, password change and reset, through the browser client."""
import re

import sqlalchemy as sa

from lms.auth.models import User, UserSession
from lms.auth.passwords import verify_password
from lms.core.db import db
from lms.notifications.models import OutboxMessage
from tests.conftest import PASSWORD, csrf_token, login, make_user, post_form

REGISTRATION = {
    "name": "Amina Diallo", "password": "baobab tree at dawn", "confirm": "baobab tree at dawn", "country": "SN",
    "organisation": "Ministry of Digital Economy", "timezone": "Africa/Dakar",
}


def _mail_to(recipient: str) -> OutboxMessage:
    message = db.session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id.desc())
    ).scalars().first()
    assert message is not None, f"no e-mail to {recipient} in the outbox"
    return message


def _registration_link(recipient: str = "amina.diallo@example.org") -> str:
    body = _mail_to(recipient).body
    match = re.search(r"http://127\.0\.0\.1:5000(/register/\S+)", body)
    assert match, body
    return match.group(1)


def _user_count() -> int:
    return db.session.execute(sa.select(sa.func.count(User.id))).scalar()


def test_register_sends_a_link_and_the_link_creates_the_account(client, ctx):
    response = post_form(client, "/register", {"email": "Amina.Diallo@Example.org"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert _user_count() == 0  # nothing yet: only the mailbox's owner can go on
    assert client.get("/account").status_code == 302  # and nobody is logged in
    path = _registration_link()
    page = client.get(path).get_data(as_text=True)
    assert "amina.diallo@example.org" in page
    response = post_form(client, path, REGISTRATION)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    user = db.session.execute(sa.select(User)).scalar_one()
    assert (user.email, user.country, user.timezone) == ("amina.diallo@example.org", "SN", "Africa/Dakar")
    assert user.password_hash.startswith("scrypt:")
    home = client.get("/").get_data(as_text=True)
    assert "Hello, Amina Diallo" in home
    assert "not in any cohort yet" in home
    # The link works once.
    post_form(client, "/logout", {}, token_from="/account")
    assert client.get(path).headers["Location"] == "/register"
    assert _user_count() == 1


def test_registration_link_expires(client, ctx):
    from datetime import timedelta

    from lms.core.time import freeze, utcnow

    post_form(client, "/register", {"email": "amina.diallo@example.org"})
    path = _registration_link()
    freeze(utcnow() + timedelta(days=1, seconds=5))
    assert client.get(path).headers["Location"] == "/register"
    assert client.get(path[:-2] + "xx").headers["Location"] == "/register"  # forged


def test_register_refuses_bad_input_and_keeps_what_was_typed(client, ctx):
    post_form(client, "/register", {"email": "amina.diallo@example.org"})
    path = _registration_link()
    bad = {**REGISTRATION, "password": "password", "confirm": "password", "timezone": "Mars/Olympus"}
    page = post_form(client, path, bad).get_data(as_text=True)
    assert "commonly used" in page or "Not a valid choice" in page
    assert 'value="Ministry of Digital Economy"' in page
    assert _user_count() == 0


def test_register_refuses_weak_password_with_clear_message(client, ctx):
    post_form(client, "/register", {"email": "amina.diallo@example.org"})
    page = post_form(client, _registration_link(), {**REGISTRATION, "password": "qwerty123", "confirm": "qwerty123"})
    assert "commonly used passwords" in page.get_data(as_text=True)
    assert _user_count() == 0


def test_row27_register_answers_the_same_for_a_known_address_and_tells_the_owner(app, ctx):
    make_user(email="amina.diallo@example.org", name="Amina Diallo")
    answers = []
    for address in ("amina.diallo@example.org", "new.person@example.org"):
        client = app.test_client()
        response = post_form(client, "/register", {"email": address})
        followed = client.get(response.headers["Location"])
        answers.append((response.status_code, response.headers["Location"], followed.status_code,
                        re.sub(r'value="[^"]*"', "", followed.get_data(as_text=True))))  # the CSRF token differs
    assert answers[0] == answers[1]
    assert "e-mailed that address a link" in answers[0][3]
    assert _user_count() == 1
    owner_mail = _mail_to("amina.diallo@example.org")
    assert "Someone tried to register" in owner_mail.body
    assert "http://127.0.0.1:5000/login" in owner_mail.body and "http://127.0.0.1:5000/reset" in owner_mail.body
    assert "/register/" not in owner_mail.body  # no way to make a second account
    assert "/register/" in _mail_to("new.person@example.org").body


def test_register_refuses_invalid_email(client, ctx):
    page = post_form(client, "/register", {"email": "not-an-address"}).get_data(as_text=True)
    assert "not a valid e-mail address" in page or "Invalid email" in page
    assert db.session.execute(sa.select(sa.func.count(OutboxMessage.id))).scalar() == 0


def test_login_and_logout(client, ctx):
    make_user(email="pat@example.org")
    assert login(client, "PAT@example.org").status_code == 302
    assert client.get("/account").status_code == 200
    response = post_form(client, "/logout", {}, token_from="/account")
    assert response.status_code == 302
    assert client.get("/account").status_code == 302


def test_wrong_password_is_a_generic_message(client, ctx):
    make_user(email="pat@example.org")
    wrong = login(client, "pat@example.org", "not the password").get_data(as_text=True)
    unknown = login(client, "nobody@example.org", "not the password").get_data(as_text=True)
    assert "do not match an account" in wrong and "do not match an account" in unknown


def test_disabled_account_cannot_log_in(client, ctx):
    make_user(email="pat@example.org", is_enabled=False)
    assert login(client, "pat@example.org").status_code == 200
    assert client.get("/account").status_code == 302


def test_next_parameter_cannot_leave_the_site(client, ctx):
    make_user(email="pat@example.org")
    token = csrf_token(client)
    response = client.post("/login?next=//evil.example/x",
                           data={"email": "pat@example.org", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_next_parameter_returns_to_the_page_asked_for(client, ctx):
    make_user(email="pat@example.org")
    assert client.get("/account").headers["Location"].startswith("/login?next=")
    token = csrf_token(client)
    response = client.post("/login?next=/account",
                           data={"email": "pat@example.org", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/account"


def test_profile_update(client, ctx):
    user = make_user(email="pat@example.org")
    login(client, "pat@example.org")
    response = post_form(client, "/account", {"name": "Pat Q. Participant", "country": "IN",
                                              "organisation": "MeitY", "timezone": "Asia/Kolkata"})
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.name, user.country, user.organisation, user.timezone) == (
        "Pat Q. Participant", "IN", "MeitY", "Asia/Kolkata")


def test_password_change_needs_the_current_password(client, ctx):
    make_user(email="pat@example.org")
    login(client, "pat@example.org")
    page = post_form(client, "/account/password", {"current": "wrong one here", "password": "a brand new phrase",
                                                   "confirm": "a brand new phrase"}).get_data(as_text=True)
    assert "current password is not right" in page
    response = post_form(client, "/account/password", {"current": PASSWORD, "password": "a brand new phrase",
                                                       "confirm": "a brand new phrase"})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200  # the one who changed it stays logged in
    post_form(client, "/logout", {}, token_from="/account")
    assert login(client, "pat@example.org").status_code == 200  # old password no longer works
    assert login(client, "pat@example.org", "a brand new phrase").status_code == 302


def _reset_link(recipient: str) -> str:
    message = db.session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id.desc())
    ).scalars().first()
    assert message is not None, "no e-mail in the outbox"
    match = re.search(r"https?://[^/\s]+(/reset/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def test_password_reset_by_emailed_link(client, ctx):
    user = make_user(email="pat@example.org")
    other = client.application.test_client()
    login(other, "pat@example.org")
    response = post_form(client, "/reset", {"email": "pat@example.org"})
    assert response.status_code == 302
    path = _reset_link("pat@example.org")
    assert client.get(path).status_code == 200
    response = post_form(client, path, {"password": "sunrise over the lake", "confirm": "sunrise over the lake"})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302  # the reset ended every other session
    # The link works once.
    assert client.get(path).headers["Location"].endswith("/reset")
    db.session.expire_all()
    stored = db.session.get(User, user.id).password_hash
    assert verify_password(stored, "sunrise over the lake") and not verify_password(stored, PASSWORD)


def test_reset_for_unknown_address_says_the_same_and_sends_nothing(client, ctx):
    response = post_form(client, "/reset", {"email": "ghost@example.org"})
    assert response.status_code == 302
    flashed = client.get("/login").get_data(as_text=True)
    assert "If an account uses that address" in flashed
    assert db.session.execute(sa.select(sa.func.count(OutboxMessage.id))).scalar() == 0


def test_forged_or_expired_reset_token_is_refused(client, app, ctx):
    make_user(email="pat@example.org")
    post_form(client, "/reset", {"email": "pat@example.org"})
    path = _reset_link("pat@example.org")
    assert client.get(path + "x").status_code == 302
    app.config["LMS_PASSWORD_RESET_MAX_AGE"] = -1
    try:
        assert client.get(path).headers["Location"].endswith("/reset")
    finally:
        app.config["LMS_PASSWORD_RESET_MAX_AGE"] = 3600


def test_each_login_is_its_own_server_session(client, ctx):
    user = make_user(email="pat@example.org")
    login(client, "pat@example.org")
    second = client.application.test_client()
    login(second, "pat@example.org")
    rows = db.session.execute(sa.select(UserSession).where(UserSession.user_id == user.id)).scalars().all()
    assert len(rows) == 2 and len({r.token_hash for r in rows}) == 2


def test_demo_accounts_log_in_directly(runner, client, ctx):
    output = runner.invoke(args=["lms", "demo"]).output
    password = next(line.split()[1] for line in output.splitlines() if "coordinator@demo.example" in line)
    assert login(client, "coordinator@demo.example", password).status_code == 302
    assert client.get("/account").status_code == 200


def test_gender_is_self_described_on_the_profile_and_optional(client, ctx):
    """Groups balance by it and selection figures count it; the person writes it, in any
    script, or leaves it empty (which clears it)."""
    user = make_user(email="pat@example.org")
    login(client, "pat@example.org")
    assert "Gender (optional)" in client.get("/account").get_data(as_text=True)
    base = {"name": "अनन्या शर्मा", "country": "IN", "organisation": "MeitY", "timezone": "Asia/Kolkata"}
    assert post_form(client, "/account", {**base, "gender": "  महिला "}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).gender == "महिला"
    page = post_form(client, "/account", {**base, "gender": "x" * 65}).get_data(as_text=True)
    assert "64" in page
    db.session.expire_all()
    assert db.session.get(User, user.id).gender == "महिला"  # refused whole, nothing lost
    assert post_form(client, "/account", {**base, "gender": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).gender is None
