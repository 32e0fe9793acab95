"""The LMS mounted in the host application: the host's login is the LMS's, its look is the
host's, its tables and history are its own, and the host is left as it was."""
import re

import pytest
import sqlalchemy as sa

from lms.auth.models import User as LMSUser
from lms.cohorts.models import Role
from tests.conftest import CSRF_RE, enrol, make_cohort
from tests.host_app.app import add_user, db, login_manager, migrate
from tests.host_app.conftest import log_in, table_names

FAST_HASH = "pbkdf2:sha256:1000"  # these users log in through the session; the login form has its own test
WORLD = {  # host users in the scripts the LMS serves
    "amina@example.org": "أمينة الحسيني",
    "lan@example.org": "Nguyễn Thị Lan",
    "ivan@example.org": "Иван Петров",
    "fang@example.org": "王芳",
    "rahul@example.org": "राहुल मेहता",
}


@pytest.fixture
def people(mounted):
    with mounted.app_context():
        for email, name in WORLD.items():
            add_user(email, name, "host password", method=FAST_HASH)
    return WORLD


def _token(client, path):
    return CSRF_RE.search(client.get(path).get_data(as_text=True)).group(1)


def test_schema_commands_each_build_only_their_own_tables(empty_mounted):
    """`flask db upgrade` builds the host's tables; `flask lms db upgrade` adds only the LMS's,
    with its own version table, and `flask lms db downgrade base` takes only those away."""
    runner = empty_mounted.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    host_tables = {"host_user", "host_comment", "alembic_version"}
    assert table_names(empty_mounted) == host_tables
    result = runner.invoke(args=["lms", "db", "upgrade"])
    assert result.exit_code == 0, result.output
    lms_tables = table_names(empty_mounted) - host_tables
    assert "lms_user" in lms_tables and "alembic_version_lms" in lms_tables
    assert all(name.startswith("lms_") or name == "alembic_version_lms" for name in lms_tables)
    with empty_mounted.app_context():
        assert db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == "host0001"
        db.session.remove()
    assert runner.invoke(args=["lms", "db", "current"]).exit_code == 0
    assert runner.invoke(args=["lms", "db", "downgrade", "base"]).exit_code == 0
    assert table_names(empty_mounted) == host_tables | {"alembic_version_lms"}
    with empty_mounted.app_context():
        assert db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == "host0001"
        assert db.session.execute(sa.text("SELECT count(*) FROM alembic_version_lms")).scalar_one() == 0
        db.session.remove()


def test_the_host_keeps_its_login_manager_migrations_and_cli(mounted):
    assert mounted.login_manager is login_manager and login_manager.login_view == "login"
    host_migrate = mounted.extensions["migrate"]
    assert host_migrate.migrate is migrate and host_migrate.directory.endswith("host_app/migrations")
    assert mounted.extensions["sqlalchemy"] is db and mounted.extensions["lms"]["sqlalchemy"] is db
    assert "csrf" not in mounted.extensions
    assert "lms_user" not in db.metadata.tables, "the LMS's tables are on their own metadata"
    commands = mounted.test_cli_runner().invoke(args=["--help"]).output
    assert "db" in commands and "lms" in commands


def test_anonymous_visitors_are_sent_to_the_hosts_login(mounted):
    client = mounted.test_client()
    for path in ("/learn/account", "/learn/login", "/learn/register"):
        response = client.get(path)
        assert response.status_code == 302, path
        location = response.headers["Location"]
        assert location.startswith("/login?next="), (path, location)
    assert client.get("/learn/account").headers["Location"] == "/login?next=%2Flearn%2Faccount"
    assert client.get("/learn/courses/").status_code == 200  # public pages stay public


def test_a_host_user_is_linked_enrols_and_sees_the_cohort(mounted, people):
    amina = mounted.test_client()
    log_in(amina, mounted, "amina@example.org")
    home = amina.get("/learn/")
    page = home.get_data(as_text=True)
    assert home.status_code == 200 and "Hello, أمينة الحسيني" in page
    assert "Host Academy footer" in page and "Log out of Host Academy" in page  # the host's layout
    assert re.search(r'<link rel="stylesheet" href="/learn/lms-assets/[0-9a-f]{16}/lms.css">', page)
    assert 'action="/learn/logout"' not in page and "/learn/login" not in page
    assert home.headers["Content-Security-Policy"].startswith("default-src 'self'")
    with mounted.app_context():
        account = db.session.execute(sa.select(LMSUser).where(LMSUser.email == "amina@example.org")).scalar_one()
        assert account.password_hash is None and account.name == "أمينة الحسيني"
        cohort = make_cohort("dpg-2026", title="Digital Public Goods 2026")
        enrol(account, cohort, Role.COORDINATOR)
    # Amina enrols Lan, who has no LMS account yet, through the LMS's own (CSRF-protected) form.
    response = amina.post("/learn/cohorts/dpg-2026/people", data={
        "csrf_token": _token(amina, "/learn/cohorts/dpg-2026/people"), "email": "lan@example.org",
        "name": "Nguyễn Thị Lan", "role": "participant"})
    assert response.status_code == 302, response.get_data(as_text=True)
    lan = mounted.test_client()
    log_in(lan, mounted, "lan@example.org")
    page = lan.get("/learn/").get_data(as_text=True)
    assert "Hello, Nguyễn Thị Lan" in page and "Digital Public Goods 2026" in page
    assert lan.get("/learn/cohorts/dpg-2026").status_code == 200
    with mounted.app_context():  # linked to the account the enrolment created: one per address
        assert db.session.execute(sa.select(sa.func.count()).select_from(LMSUser)).scalar_one() == 2


@pytest.mark.parametrize("email", list(WORLD))
def test_every_script_is_linked_by_its_name(mounted, people, email):
    client = mounted.test_client()
    log_in(client, mounted, email)
    assert f"Hello, {WORLD[email]}" in client.get("/learn/").get_data(as_text=True)
    assert client.get("/").status_code == 200  # the host's after_request sees the host's user again


def test_logging_out_of_the_host_logs_out_of_the_lms(mounted, people):
    client = mounted.test_client()
    log_in(client, mounted, "ivan@example.org")
    assert "Hello, Иван Петров" in client.get("/learn/").get_data(as_text=True)
    assert client.post("/logout").status_code == 302  # the host's own logout
    assert client.get("/learn/account").headers["Location"] == "/login?next=%2Flearn%2Faccount"
    assert "Hello," not in client.get("/learn/").get_data(as_text=True)


def test_csrf_guards_the_lms_forms_only(mounted, people):
    client = mounted.test_client()
    log_in(client, mounted, "fang@example.org")
    refused = client.post("/learn/account", data={"name": "王芳", "timezone": "Asia/Shanghai"})
    assert refused.status_code == 400 and "Form expired" in refused.get_data(as_text=True)
    assert client.post("/comments", data={"body": "still fine"}).status_code == 200
    saved = client.post("/learn/account", data={"csrf_token": _token(client, "/learn/account"), "name": "王芳",
                                                "country": "CN", "organisation": "", "timezone": "Asia/Shanghai"})
    assert saved.status_code == 302
    with mounted.app_context():
        account = db.session.execute(sa.select(LMSUser).where(LMSUser.email == "fang@example.org")).scalar_one()
        assert account.timezone == "Asia/Shanghai"  # the LMS profile is the LMS's


def test_lms_login_sessions_and_passwords_are_the_hosts_business(mounted, people):
    client = mounted.test_client()
    log_in(client, mounted, "rahul@example.org")
    page = client.get("/learn/account").get_data(as_text=True)
    assert "Change your password" not in page and "Where you are logged in" not in page
    token = _token(client, "/learn/account")
    assert client.post("/learn/logout", data={"csrf_token": token}).status_code == 404
    assert client.get("/learn/account/password").status_code == 404
    assert client.get("/learn/login").headers["Location"] == "/learn/"


def test_error_pages_are_the_lms_own_only_on_its_pages(mounted, people):
    client = mounted.test_client()
    log_in(client, mounted, "amina@example.org")
    lms_missing = client.get("/learn/cohorts/no-such-cohort")
    assert lms_missing.status_code == 404 and "Page not found" in lms_missing.get_data(as_text=True)
    assert "Content-Security-Policy" in lms_missing.headers
    host_missing = client.get("/nowhere")
    assert host_missing.get_data(as_text=True) == "the host's own not-found page"
    assert "Content-Security-Policy" not in host_missing.headers


def test_the_lms_limits_count_only_its_own_requests(_built_url):
    """A host's RATELIMIT_DEFAULT is read by every Flask-Limiter on the app; the LMS's does not
    apply it (its own limits, on its login and other forms, are tested in tests/web)."""
    from tests.host_app.app import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": _built_url, "RATELIMIT_DEFAULT": "1 per hour"})
    client = app.test_client()
    assert [client.post("/comments", data={"body": str(i)}).status_code for i in range(3)] == [200, 200, 200]
    assert [client.get("/learn/courses/").status_code for _ in range(3)] == [200, 200, 200]
    with app.app_context():
        db.session.execute(sa.text("DELETE FROM host_comment"))
        db.session.commit()
        db.engine.dispose()


def test_first_visits_at_once_make_one_account(mounted, people):
    """The same host user's first requests arriving together: the unique e-mail decides, and
    every request is answered with the one account."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    requests = 6
    start = threading.Barrier(requests)

    def visit(_: int) -> str:
        client = mounted.test_client()
        log_in(client, mounted, "lan@example.org")
        start.wait()
        return client.get("/learn/").get_data(as_text=True)

    with ThreadPoolExecutor(requests) as pool:
        pages = list(pool.map(visit, range(requests)))
    headings = [re.findall(r"<h1>.*?</h1>", page) for page in pages]
    assert headings == [["<h1>Hello, Nguyễn Thị Lan</h1>"]] * requests
    with mounted.app_context():
        count = sa.select(sa.func.count()).select_from(LMSUser).where(LMSUser.email == "lan@example.org")
        assert db.session.execute(count).scalar_one() == 1


def test_the_adapter_may_be_named_and_a_host_login_needs_one(tmp_path):
    from flask import Flask
    from flask_login import LoginManager

    from lms import LMS
    from lms.auth.host import host_user_adapter

    named = Flask("named")
    named.config["LMS_HOST_USER"] = "tests.host_app.app:lms_host_user"
    from tests.host_app.app import lms_host_user

    assert host_user_adapter(named) is lms_host_user
    host = Flask("host_with_login", instance_path=str(tmp_path))
    host.config.update(SECRET_KEY="x", LMS_BASE_URL="http://localhost")
    LoginManager(host)
    with pytest.raises(RuntimeError, match="LMS_HOST_USER"):
        LMS().init_app(host, url_prefix="/learn")


def test_a_linked_user_costs_one_statement_per_lms_page(mounted, people):
    """After the first visit, linking is one SELECT on lms_user: the dashboard is the host's
    user, the LMS account and the cohort list, nothing written."""
    client = mounted.test_client()
    log_in(client, mounted, "amina@example.org")
    client.get("/learn/")  # the first visit creates the account
    statements = []
    with mounted.app_context():
        engine = db.engine

    def count(conn, cursor, statement, *args):
        statements.append(statement.split("FROM", 1)[-1].split()[0])

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert "Hello, أمينة الحسيني" in client.get("/learn/").get_data(as_text=True)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert statements == ["host_user", "lms_user", "lms_cohort"], statements
