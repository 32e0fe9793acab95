"""SECURITY-CHECKS row 27: registration, reset and password change are throttled per address
(IP) and per account (e-mail), and answer the same whether an account exists."""
import re

import sqlalchemy as sa

from lms.core.db import db
from lms.notifications.models import OutboxMessage
from tests.conftest import PASSWORD, csrf_token, login, make_user, post_form


def _post(client, path, data, ip="127.0.0.1"):
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token, **data}, environ_base={"REMOTE_ADDR": ip})


def _mails_to(address):
    return db.session.execute(
        sa.select(sa.func.count(OutboxMessage.id)).where(OutboxMessage.recipient == address)).scalar()


def test_row27_registrations_from_one_address_are_throttled(app, client, ctx):
    statuses = [_post(client, "/register", {"email": f"person{i}@example.org"}).status_code for i in range(25)]
    assert statuses[:20] == [302] * 20
    assert statuses[20:] == [429] * 5
    throttled = _post(client, "/register", {"email": "one.more@example.org"})
    assert throttled.status_code == 429 and "Too many attempts" in throttled.get_data(as_text=True)
    # Someone else, on another address, can still register.
    other = app.test_client()
    assert _post(other, "/register", {"email": "elsewhere@example.org"}, ip="203.0.113.7").status_code == 302


def test_row27_one_mailbox_cannot_be_flooded_from_many_addresses(app, ctx):
    make_user(email="victim@example.org")
    for path in ("/register", "/reset"):
        statuses = [_post(app.test_client(), path, {"email": "Victim@Example.org "}, ip=f"198.51.100.{i}").status_code
                    for i in range(6)]
        assert statuses == [302, 302, 302, 429, 429, 429], path
    assert _mails_to("victim@example.org") == 6  # three of each, no more


def test_row27_reset_answers_the_same_for_a_known_and_an_unknown_address(app, ctx):
    make_user(email="pat@example.org")
    answers = []
    for address in ("pat@example.org", "ghost@example.org"):
        client = app.test_client()
        response = post_form(client, "/reset", {"email": address})
        followed = client.get(response.headers["Location"])
        answers.append((response.status_code, response.headers["Location"], followed.status_code,
                        re.sub(r'value="[^"]*"', "", followed.get_data(as_text=True))))
    assert answers[0] == answers[1]
    assert "If an account uses that address" in answers[0][3]
    assert _mails_to("pat@example.org") == 1 and _mails_to("ghost@example.org") == 0


def _change(client, current, new="a brand new phrase"):
    return post_form(client, "/account/password", {"current": current, "password": new, "confirm": new})


def test_row27_wrong_current_passwords_are_throttled_without_locking_others_out(app, client, ctx):
    make_user(email="pat@example.org")
    make_user(email="kim@example.org", name="Kim Colleague")
    login(client, "pat@example.org")
    statuses = [_change(client, f"wrong guess {i}").status_code for i in range(6)]
    assert statuses == [200] * 5 + [429]
    throttled = _change(client, PASSWORD)  # even the right one waits now
    assert throttled.status_code == 429 and "Too many attempts" in throttled.get_data(as_text=True)
    # Another person on the same address changes their password at once.
    colleague = app.test_client()
    login(colleague, "kim@example.org")
    assert _change(colleague, PASSWORD).status_code == 302
    # And the throttled person can still log in and use the site.
    assert client.get("/account").status_code == 200
    assert login(app.test_client(), "pat@example.org").status_code == 302


def test_row27_successful_password_changes_do_not_count(client, ctx):
    make_user(email="pat@example.org")
    login(client, "pat@example.org")
    current = PASSWORD
    for i in range(7):
        new = f"fresh passphrase number {i}"
        assert _change(client, current, new).status_code == 302
        current = new


def test_rate_limit_counts_are_shared_by_every_worker(app, client, tmp_path):
    """With RATELIMIT_STORAGE_URI=redis://… a second worker (another app on the same store)
    sees the first one's counts. Runs when LMS_TEST_RATELIMIT_STORAGE_URI names a shared store."""
    import os

    import pytest
    from flask_migrate import upgrade

    from lms import create_app

    uri = os.environ.get("LMS_TEST_RATELIMIT_STORAGE_URI", "memory://")
    if uri.startswith("memory://"):
        pytest.skip("a memory:// store is per process; set LMS_TEST_RATELIMIT_STORAGE_URI=redis://…")
    for i in range(int(app.config["LMS_LOGIN_LIMIT"].split()[0])):
        login(client, f"nobody{i}@example.org", "wrong")
    assert login(client, "nobody@example.org", "wrong").status_code == 429
    second = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'worker2.sqlite3'}",
                        RATELIMIT_STORAGE_URI=uri)
    with second.app_context():
        upgrade()
    try:
        assert login(second.test_client(), "nobody@example.org", "wrong").status_code == 429
    finally:
        with second.app_context():
            db.engine.dispose()
