"""The LMS as a plug-in: mounted under /learn in a bare host app, it works and leaves the
host alone."""
import re

import pytest
from flask import Flask

from lms import LMS
from lms.core.db import db
from lms.core.schema import upgrade
from tests.conftest import CSRF_RE, IsolatedClient


@pytest.fixture
def host(tmp_path):
    app = Flask("host_app", instance_path=str(tmp_path))
    app.config.update(SECRET_KEY="host-secret", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'host.sqlite3'}",
                      LMS_BASE_URL="https://school.example", LMS_TRUSTED_HOSTS=["localhost"])

    @app.get("/")
    def host_home():
        return "the host's own home page" + " " * 600  # long enough that a compressor would act

    LMS().init_app(app, url_prefix="/learn")
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def _token(client, path):
    return CSRF_RE.search(client.get(path).get_data(as_text=True)).group(1)


def test_register_and_log_in_under_the_prefix(host):
    client = host.test_client()
    page = client.get("/learn/register").get_data(as_text=True)
    assert 'action="/learn/logout"' not in page  # anonymous: no logout form
    stylesheet = re.search(r'href="(/learn/lms-assets/[0-9a-f]{16}/lms.css)"', page)
    assert stylesheet, "the fingerprinted stylesheet lives under the prefix"
    client.post("/learn/register", data={"csrf_token": _token(client, "/learn/register"), "email": "rahul@example.org"})
    with host.app_context():
        from lms.notifications.models import OutboxMessage

        body = db.session.execute(db.select(OutboxMessage.body)).scalar_one()
    link = body.split("https://school.example", 1)[1].split()[0]  # LMS_BASE_URL + the prefix
    assert link.startswith("/learn/register/")
    response = client.post(link, data={
        "csrf_token": _token(client, link), "name": "Rahul Mehta",
        "password": "monsoon evening tea", "confirm": "monsoon evening tea", "country": "IN",
        "organisation": "", "timezone": "Asia/Kolkata"})
    assert response.status_code == 302 and response.headers["Location"] == "/learn/"
    client.post("/learn/logout", data={"csrf_token": _token(client, "/learn/account")})
    assert client.get("/learn/account").headers["Location"].startswith("/learn/login")
    response = client.post("/learn/login", data={
        "csrf_token": _token(client, "/learn/login"), "email": "rahul@example.org", "password": "monsoon evening tea"})
    assert response.status_code == 302
    home = client.get("/learn/").get_data(as_text=True)
    assert "Hello, Rahul Mehta" in home
    assert client.get(stylesheet.group(1)).status_code == 200


def test_host_routes_are_untouched(host):
    client = host.test_client()
    response = client.get("/", headers={"Accept-Encoding": "gzip, br"})
    assert response.get_data(as_text=True) == "the host's own home page" + " " * 600
    assert "Content-Security-Policy" not in response.headers
    assert "Content-Encoding" not in response.headers, "the LMS compresses only its own responses"
    assert "COMPRESS_REGISTER" not in host.config, "the host's Flask-Compress setting is left as it was"
    assert client.get("/learn/login", headers={"Accept-Encoding": "gzip"}).headers["Content-Encoding"] == "gzip"
    assert client.get("/login").status_code == 404  # the LMS lives only under its prefix
    assert "lms" in host.extensions and host.extensions["lms"]["url_prefix"] == "/learn"
    assert "migrate" not in host.extensions, "`flask db` is left to the host (the LMS has `flask lms db`)"
    assert "csrf" not in host.extensions and "csrf_token" not in host.jinja_env.globals


def test_lms_commands_are_on_the_host_cli(host):
    result = host.test_cli_runner().invoke(args=["lms", "--help"])
    assert result.exit_code == 0 and "demo" in result.output


def test_lms_links_and_host_checks_under_the_prefix(host):
    """Row 26 in a host app: LMS links are LMS_BASE_URL + the prefix; an untrusted Host is
    refused on LMS URLs only."""
    import re

    from lms.notifications.models import OutboxMessage

    client = host.test_client()
    token = _token(client, "/learn/reset")
    with host.app_context():
        from tests.conftest import make_user

        make_user("rahul@example.org")
    client.post("/learn/reset", data={"csrf_token": token, "email": "rahul@example.org"})
    with host.app_context():
        body = db.session.execute(db.select(OutboxMessage.body)).scalar_one()
    assert re.search(r"https://school\.example/learn/reset/\S+", body), body
    forged = host.test_client()
    assert forged.get("/learn/login", headers={"Host": "attacker.example"}).status_code == 400
    host_page = forged.get("/", headers={"Host": "attacker.example"}).get_data(as_text=True)
    assert host_page.startswith("the host's own home page")
