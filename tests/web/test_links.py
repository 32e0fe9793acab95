"""SECURITY-CHECKS row 26: links written for later come from LMS_BASE_URL, never from the
request's Host, and requests for an untrusted host are refused."""
import json
import re
import shutil
import subprocess
from contextlib import contextmanager
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lms import create_app
from lms.certificates.models import Certificate
from lms.cohorts.models import Role
from lms.core.db import db
from lms.notifications.models import OutboxMessage
from tests.conftest import csrf_token, enrol, login, make_cohort, make_user

BASE = "http://127.0.0.1:5000"  # TestingConfig's LMS_BASE_URL
FORGED = {"Host": "attacker.example"}


def forging(client):
    """A client that sends the forged Host with ``client``'s session cookie (a cookie jar
    would keep that cookie to localhost)."""
    cookie = client.get_cookie("session")
    headers = {**FORGED, "Cookie": f"session={cookie.value}"} if cookie else FORGED
    raw = client.application.test_client(use_cookies=False)

    class Forging:
        def get(self, path):
            return raw.get(path, headers=headers)

        def post(self, path, data):
            return raw.post(path, data=data, headers=headers)

    return Forging()


def _outbox() -> list[OutboxMessage]:
    return list(db.session.execute(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


@contextmanager
def host_checks_off(app):
    """As behind a proxy that checks Host itself: no refusal, so only the links can show the fix."""
    saved = app.config["TRUSTED_HOSTS"], app.config["LMS_REFUSE_UNTRUSTED_HOSTS"]
    app.config["TRUSTED_HOSTS"], app.config["LMS_REFUSE_UNTRUSTED_HOSTS"] = None, False
    try:
        yield
    finally:
        app.config["TRUSTED_HOSTS"], app.config["LMS_REFUSE_UNTRUSTED_HOSTS"] = saved


def test_row26_forged_host_on_reset_is_refused_and_mails_nothing(client, ctx):
    make_user(email="victim@example.org")
    token = csrf_token(client, "/reset")
    response = forging(client).post("/reset", data={"email": "victim@example.org", "csrf_token": token})
    assert response.status_code == 400
    assert "Bad request" in response.get_data(as_text=True)  # the friendly page
    assert _outbox() == []


def test_row26_reset_link_comes_from_the_base_url_even_with_host_checks_off(app, client, ctx):
    make_user(email="victim@example.org")
    token = csrf_token(client, "/reset")
    with host_checks_off(app):
        response = forging(client).post("/reset", data={"email": "victim@example.org", "csrf_token": token})
    assert response.status_code == 302
    [mail] = _outbox()
    assert "attacker.example" not in mail.body
    assert re.search(r"http://127\.0\.0\.1:5000/reset/\S+", mail.body), mail.body


def test_row26_welcome_email_from_the_people_page_uses_the_base_url(app, client, ctx):
    cohort = make_cohort()
    enrol(make_user("coordinator@example.org", "Cora Coordinator"), cohort, Role.COORDINATOR)
    login(client, "coordinator@example.org")
    token = csrf_token(client, f"/cohorts/{cohort.slug}/people")
    with host_checks_off(app):
        response = forging(client).post(f"/cohorts/{cohort.slug}/people", data={
            "csrf_token": token, "email": "new.person@example.org", "name": "New Person", "role": "participant",
            "country": "", "organisation": ""})
    assert response.status_code == 302
    [mail] = [m for m in _outbox() if m.recipient == "new.person@example.org"]
    assert "attacker.example" not in mail.body and f"{BASE}/reset/" in mail.body


def _pdf_text(data: bytes) -> bytes:
    """The text of the PDF as a reader extracts it (the fonts are embedded subsets, so the
    content streams hold glyph ids, not letters)."""
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) is not installed; .ci/run installs it")
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout


def test_row26_certificate_pdf_and_credential_use_the_base_url(app, client, ctx):
    cohort = make_cohort()
    owner = make_user("pat@example.org")
    enrol(owner, cohort, Role.PARTICIPANT)
    code = "C" * 32
    db.session.add(Certificate(cohort_id=cohort.id, user_id=owner.id, code=code, total=Decimal("85"),
                               recipient_name="Pat Participant"))
    db.session.commit()
    login(client, "pat@example.org")
    with host_checks_off(app):
        pdf = forging(client).get(f"/certificates/{code}.pdf")
        badge = forging(client).get(f"/certificates/{code}.json")
    assert pdf.status_code == 200 and badge.status_code == 200
    text = _pdf_text(pdf.data)
    assert f"{BASE}/verify/{code}".encode() in text  # the printed link (the QR code encodes the same string)
    assert b"attacker.example" not in text and b"attacker.example" not in pdf.data
    credential = json.dumps(badge.get_json())
    assert "attacker.example" not in credential
    assert f"{BASE}/verify/{code}" in credential and f"{BASE}/courses/" in credential


def test_row26_untrusted_host_is_refused_on_every_page(client):
    for path in ("/", "/login", "/no-such-page"):
        response = client.get(path, headers=FORGED)
        assert response.status_code == 400, path
        assert "Bad request" in response.get_data(as_text=True)
    assert client.get("/login", headers={"Host": "localhost:8000"}).status_code == 200  # LMS_TRUSTED_HOSTS
    assert client.get("/login", headers={"Host": "127.0.0.1:5000"}).status_code == 200  # the base URL's host


def test_production_refuses_to_start_without_a_base_url(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("LMS_BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="LMS_BASE_URL must be set in production"):
        create_app("production")


def test_production_refuses_an_http_base_url_unless_allowed(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("LMS_BASE_URL", "http://lms.example")
    monkeypatch.delenv("LMS_ALLOW_HTTP_BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="must be https in production"):
        create_app("production")
    monkeypatch.setenv("LMS_ALLOW_HTTP_BASE_URL", "1")
    prod = create_app("production", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.sqlite3'}")
    assert prod.config["LMS_BASE_URL"] == "http://lms.example"
    assert prod.config["TRUSTED_HOSTS"] == ["lms.example"]
    with prod.app_context():
        db.engine.dispose()


def test_a_base_url_that_is_not_one_is_refused_at_start():
    with pytest.raises(RuntimeError, match="absolute http"):
        create_app("testing", LMS_BASE_URL="lms.example/learn")
