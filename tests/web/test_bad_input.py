"""SECURITY row 29 on the web: no input yields a 500. Ids out of range in any URL are 404;
a ``next`` with line breaks goes home."""
import re

import pytest
from flask import Flask
from werkzeug.routing.converters import NumberConverter

from lms import LMS
from lms.core.converters import MAX_ID
from lms.core.db import db
from tests.conftest import IsolatedClient, csrf_token, login, make_cohort, make_session, make_user

PART = re.compile(r"<(?:(\w+)(?:\([^>]*\))?:)?(\w+)>")
HUGE = "9" * 30


def _is_number(app, converter):
    return converter is not None and issubclass(app.url_map.converters[converter], NumberConverter)


def _rules_with_numbers(app):
    return [rule for rule in app.url_map.iter_rules()
            if any(_is_number(app, conv or None) for conv, _ in PART.findall(rule.rule))]


def _path(app, rule, number):
    def fill(match):
        converter, name = match.groups()
        return number if _is_number(app, converter) else {"slug": "itu-dpg-oss-2024"}.get(name, "x")
    return PART.sub(fill, rule.rule)


def _people(app):
    """An anonymous client and a logged-in site admin's, each with a CSRF token."""
    anonymous, admin = app.test_client(), app.test_client()
    make_user("admin@example.org", "Ada Admin", is_site_admin=True)
    login(admin, "admin@example.org")
    return [("anonymous", anonymous, csrf_token(anonymous)), ("site admin", admin, csrf_token(admin, "/account"))]


def test_row29_every_id_in_a_url_is_bounded_so_a_30_digit_id_is_404(app, ctx):
    cohort = make_cohort()
    make_session(cohort, 1)
    rules = _rules_with_numbers(app)
    assert len(rules) >= 10
    assert not [r.rule for r in rules if "<int:" in r.rule and r.endpoint.startswith("lms.")], \
        "LMS routes use the bounded lms_id converter, not int"
    for who, client, token in _people(app):
        for rule in rules:
            path = _path(app, rule, HUGE)
            assert client.get(path).status_code == 404, (who, "GET", path)
            assert client.post(path, data={"csrf_token": token}).status_code == 404, (who, "POST", path)


@pytest.mark.parametrize("number", ["0", "-1", str(MAX_ID + 1), str(2**63), str(2**64), "١٢", "1e3", "01x"])
def test_row29_ids_outside_the_stored_range_are_404(app, ctx, client, number):
    cohort = make_cohort()
    make_session(cohort, 1)
    make_user("admin@example.org", "Ada Admin", is_site_admin=True)
    login(client, "admin@example.org")
    assert client.get(f"/cohorts/{cohort.slug}/sessions/{number}").status_code == 404
    assert client.get(f"/materials/{number}/download").status_code == 404


def test_row29_the_largest_id_reaches_the_database_and_is_simply_not_found(app, ctx, client):
    cohort = make_cohort()
    make_user("admin@example.org", "Ada Admin", is_site_admin=True)
    login(client, "admin@example.org")
    assert client.get(f"/cohorts/{cohort.slug}/sessions/{MAX_ID}").status_code == 404
    assert client.get(f"/materials/{MAX_ID}/download").status_code == 404
    assert client.get(f"/cohorts/{cohort.slug}/sessions/{MAX_ID}/attendance").status_code == 404


def test_a_hosts_own_int_converter_is_left_alone(tmp_path):
    host = Flask("host_app", instance_path=str(tmp_path))
    host.config.update(SECRET_KEY="host-secret", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'host.sqlite3'}")

    @host.get("/big/<int:n>")
    def big(n):
        return str(n)

    LMS().init_app(host, url_prefix="/learn")
    host.test_client_class = IsolatedClient
    assert host.test_client().get(f"/big/{HUGE}").get_data(as_text=True) == HUGE
    with host.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("target", ["%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x", "/a%0aSet-Cookie:x", "/%0dx",
                                    "/%E2%80%A8x", "/%09/evil.example", "/%5Cevil.example", "/\\evil.example",
                                    "https://evil.example/", "//evil.example"])
def test_row29_next_with_line_breaks_or_another_site_goes_home(app, ctx, client, target):
    make_user(email="pat@example.org")
    token = csrf_token(client)
    response = client.post(f"/login?next={target}",
                           data={"email": "pat@example.org", "password": "correct horse battery staple",
                                 "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    again = client.get(f"/login?next={target}")  # already logged in: straight to next
    assert again.status_code == 302 and again.headers["Location"] == "/"


def test_a_plain_next_is_still_followed(app, ctx, client):
    make_user(email="pat@example.org")
    response = client.post("/login?next=/account%3Ftab%3D1",
                           data={"email": "pat@example.org", "password": "correct horse battery staple",
                                 "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/account?tab=1"
