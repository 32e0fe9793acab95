"""SECURITY-CHECKS rows that the foundation covers; SECURITY.md maps each row to a test here."""
import logging
import re

import pytest
import sqlalchemy as sa

from lms import create_app
from lms.auth.models import User, UserSession
from lms.cohorts.models import Cohort
from lms.core.db import db
from tests.conftest import (
    PASSWORD,
    World,
    csrf_token,
    database_changes,
    dump_database,
    log_in_as,
    login,
    make_user,
    make_world,
    post_form,
)


def _post_routes(app):
    for rule in app.url_map.iter_rules():
        if "POST" in (rule.methods or set()) and rule.endpoint != "static":
            yield rule


def _path(rule):
    path = rule.rule.replace("<slug>", "itu-dpg-oss-2024")
    return re.sub(r"<(?:int|lms_id):[^>]+>", "1", re.sub(r"<(?:string:)?[a-z_]+>", "some-token", path))


def test_row1_every_post_refuses_a_missing_or_wrong_csrf_token(app, client, ctx):
    user = make_user(email="pat@example.org")
    login(client, "pat@example.org")
    before = (user.name, user.password_hash)
    rules = list(_post_routes(app))
    assert len(rules) >= 6
    for rule in rules:
        for data in ({}, {"csrf_token": "forged"}):
            response = client.post(_path(rule), data={**data, "name": "Mallory", "email": "m@example.org",
                                                      "password": "mallory mallory", "current": PASSWORD})
            assert response.status_code == 400, rule.rule
            assert "Form expired" in response.get_data(as_text=True)
    user = db.session.get(User, user.id)
    assert (user.name, user.password_hash) == before
    assert client.get("/account").status_code == 200  # still logged in: logout was refused too


ROLES = ("anonymous", "outsider", "participant", "instructor", "coordinator", "admin")
ARGUMENT = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")
#: URL formats served by one rule, each walked.
FORMATS = {"lms.gradebook.gradebook_export": ("csv", "xlsx"),
           "lms.certificates.certificate_export": ("csv", "xlsx", "zip"),
           "lms.quizzes.answers_export": ("csv", "xlsx")}


def _an_application(w: World) -> int:
    """The outsider's submitted application to the world's cohort, with its CV on disk."""
    from lms.applications.services import upload_folder
    from tests.applying import pdf, submitted, taking_applications

    cohort = db.session.get(Cohort, w.cohort_id)
    application = submitted(taking_applications(cohort), db.session.get(User, w.users["outsider"]))
    upload_folder().mkdir(parents=True, exist_ok=True)
    (upload_folder() / "missing-cv.pdf").write_bytes(pdf())
    return application.id


def _get_paths(app, w: World) -> list[tuple[str, str]]:
    """(endpoint, path) for every rule in the URL map that answers GET, its arguments filled
    with real ids and secrets of ``w``."""
    values = {"slug": w.slug, "number": "1", "material_id": str(w.material_id), "code": w.code,
              "token": w.calendar_token, "filename": "lms.css", "quiz_id": str(w.quiz_id),
              "attempt_id": str(w.attempt_id), "slot": "1", "group_id": str(w.group_id),
              "submission_id": str(w.submission_id), "application_id": str(_an_application(w)), "kind": "cv"}
    from lms.auth.services import make_registration_token

    per_endpoint = {"lms.auth.reset_password": {"token": w.reset_token},
                    "lms.auth.register_complete": {"token": make_registration_token("new.person@example.org")},
                    "lms.courses.course_view": {"slug": "itu-dpg-oss"},
                    "lms.asset": {"digest": app.extensions["lms"]["assets"]["lms.css"].digest}}
    adapter = app.url_map.bind("localhost")
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()):
            continue
        for fmt in FORMATS.get(rule.endpoint, ("",)):
            args = {**values, **per_endpoint.get(rule.endpoint, {}), "fmt": fmt}
            missing = set(rule.arguments) - set(args)
            assert not missing, f"{rule.rule}: give _get_paths a value for {missing}"
            path = ARGUMENT.sub(lambda m: args[m.group(1)], rule.rule)  # noqa: B023 (used at once)
            assert adapter.match(path)[0] == rule.endpoint, f"{path} does not reach {rule.endpoint}"
            paths.append((rule.endpoint, path))
    return paths


#: Pages that send a site admin elsewhere instead of answering: logged in already, or staff's gradebook.
ADMIN_REDIRECTED = {"lms.auth.register", "lms.auth.register_complete", "lms.auth.login", "lms.gradebook.my_grades",
                    "lms.quizzes.attempt_take"}


@pytest.mark.parametrize("role", ROLES)
def test_row1_no_state_change_on_get(app, client, ctx, role):
    """Every GET route, as every role, on a populated world (a finalised cohort with
    sessions, materials, attendance, marks, a certificate, a calendar token): the whole
    database (every table, every row) is the same after each request as before it."""
    w = make_world(finalised=True)
    if role != "anonymous":
        log_in_as(client, w.users[role])
    paths = _get_paths(app, w)
    assert len(paths) >= 35
    before = dump_database()
    failures, statuses = [], {}
    for endpoint, path in paths:
        response = client.get(path)
        statuses[endpoint, path] = response.status_code
        after = dump_database()
        failures += [f"GET {path} ({endpoint}) as {role} changed {change}"
                     for change in database_changes(before, after)]
        before = after
    assert not failures, "\n".join(failures)
    assert not [key for key, status in statuses.items() if status >= 500], statuses
    if role == "admin":  # the walk reaches the real pages, not only refusals
        assert {key for key, status in statuses.items() if status != 200} == {
            key for key in statuses if key[0] in ADMIN_REDIRECTED}, statuses


def test_row2_session_cookie_flags(client, ctx):
    make_user(email="pat@example.org")
    cookie = login(client, "pat@example.org").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_row2_secure_cookie_and_hsts_in_production(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("LMS_BASE_URL", "https://lms.example")
    prod = create_app("production", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.sqlite3'}")
    assert prod.config["SESSION_COOKIE_SECURE"] is True
    assert prod.debug is False
    response = prod.test_client().get("/login", base_url="https://lms.example")
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    with prod.app_context():
        db.engine.dispose()


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_row3_new_session_identifier_at_login(client, ctx):
    make_user(email="pat@example.org")
    client.get("/login")
    before = client.get_cookie("session").value
    login(client, "pat@example.org")
    after = client.get_cookie("session").value
    assert before != after
    with client.session_transaction() as session:
        assert "_user_id" in session
        first_token = session["_user_id"]
    post_form(client, "/logout", {}, token_from="/account")
    login(client, "pat@example.org")
    with client.session_transaction() as session:
        assert session["_user_id"] != first_token


def _replay(app, cookie_value):
    replay = app.test_client()
    replay.set_cookie("session", cookie_value)
    return replay.get("/account")


def test_row4_logout_ends_the_session_on_the_server(app, client, ctx):
    make_user(email="pat@example.org")
    login(client, "pat@example.org")
    stolen = client.get_cookie("session").value
    assert _replay(app, stolen).status_code == 200
    post_form(client, "/logout", {}, token_from="/account")
    assert _replay(app, stolen).status_code == 302


def test_row4_password_change_ends_the_other_sessions(app, client, ctx):
    make_user(email="pat@example.org")
    other = app.test_client()
    login(other, "pat@example.org")
    login(client, "pat@example.org")
    old_cookie = client.get_cookie("session").value
    post_form(client, "/account/password", {"current": PASSWORD, "password": "a brand new phrase",
                                            "confirm": "a brand new phrase"})
    assert other.get("/account").status_code == 302
    assert _replay(app, old_cookie).status_code == 302  # even the changer's own old cookie
    assert client.get("/account").status_code == 200


def test_row4_disabling_an_account_ends_its_sessions(app, client, ctx):
    from lms.auth.services import disable_user

    user = make_user(email="pat@example.org")
    login(client, "pat@example.org")
    disable_user(user)
    db.session.commit()
    assert client.get("/account").status_code == 302
    open_sessions = db.session.execute(
        sa.select(sa.func.count(UserSession.id)).where(UserSession.ended_at.is_(None))).scalar()
    assert open_sessions == 0


def test_row10_login_is_throttled_but_not_for_everyone_else(app, client, ctx):
    make_user(email="pat@example.org")
    statuses = [login(client, "pat@example.org", f"wrong guess {i}").status_code for i in range(20)]
    assert 429 in statuses
    assert statuses[:5] == [200] * 5
    throttled = login(client, "pat@example.org", "wrong again")
    assert throttled.status_code == 429 and "Too many attempts" in throttled.get_data(as_text=True)
    # The real owner, on another address, is not locked out by the attacker's failures.
    owner = app.test_client()
    assert login(owner, "pat@example.org", REMOTE_ADDR="203.0.113.9").status_code == 302


def test_row10_successful_logins_do_not_count_against_the_account(app, client, ctx):
    make_user(email="pat@example.org")
    for _ in range(7):
        assert login(client, "pat@example.org").status_code == 302
        post_form(client, "/logout", {}, token_from="/account")


def test_row14_oversized_upload_gets_a_friendly_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = client.post("/login", data={"email": "x" * 5000, "password": "y"})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 20 * 1024 * 1024
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)


def test_row18_stored_markup_stays_text(client, ctx):
    make_user(email="pat@example.org", name="<script>alert(1)</script>")
    login(client, "pat@example.org")
    page = client.get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_row7_profile_form_ignores_extra_fields(client, ctx):
    user = make_user(email="pat@example.org")
    login(client, "pat@example.org")
    post_form(client, "/account", {"name": "Pat", "country": "", "organisation": "", "timezone": "UTC",
                                   "is_site_admin": "y", "email": "boss@example.org", "is_enabled": "n"})
    user = db.session.get(User, user.id)
    assert (user.is_site_admin, user.email, user.is_enabled) == (False, "pat@example.org", True)


def test_row21_security_headers_on_every_lms_page(client):
    for path in ("/", "/login", "/no-such-page"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_row21_no_inline_script_in_pages(client):
    for path in ("/", "/login", "/register", "/reset"):
        page = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\ssrc=)", page), "inline script"
        assert not re.search(r"<script[^>]*>\s*[^<\s]", page), "script with a body"
        assert not re.search(r"\son[a-z]+=", page) and 'style="' not in page


def test_row22_generic_500_without_traceback(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("LMS_BASE_URL", "https://lms.example")
    prod = create_app("production", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.sqlite3'}")

    @prod.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = prod.test_client().get("/boom", base_url="https://lms.example")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in page
    assert "secret detail" not in page and "Traceback" not in page
    with prod.app_context():
        db.engine.dispose()


def test_row23_logins_and_failures_are_logged_without_secrets(client, ctx, caplog):
    make_user(email="pat@example.org")
    caplog.set_level(logging.INFO, logger="lms")
    login(client, "pat@example.org", "my wrong secret")
    login(client, "pat@example.org")
    client.get("/cohorts/none-such/people")
    post_form(client, "/reset", {"email": "pat@example.org"})
    text = caplog.text
    assert "login failed" in text and "login user=" in text
    assert "my wrong secret" not in text and PASSWORD not in text
    assert "/reset/" not in text  # the e-mailed link (a token) stays out of the log


def test_row23_refusals_are_logged(client, ctx, caplog):
    from tests.conftest import make_cohort

    make_cohort()
    make_user(email="pat@example.org")
    login(client, "pat@example.org")
    caplog.set_level(logging.WARNING, logger="lms")
    assert client.get("/cohorts/itu-dpg-oss-2024/people").status_code == 403
    assert "refused GET /cohorts/itu-dpg-oss-2024/people for pat@example.org" in caplog.text


def test_row24_pages_behind_login_are_not_cached(client, ctx):
    make_user(email="pat@example.org")
    login(client, "pat@example.org")
    assert client.get("/account").headers["Cache-Control"] == "no-store"
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_csrf_token_is_in_every_form(client):
    for path in ("/login", "/register", "/reset"):
        assert csrf_token(client, path)
