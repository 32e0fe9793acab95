"""The host application's own tests. Each runs twice: on the host alone, and with the LMS
mounted under /learn; the answers must be the same."""
import sqlalchemy as sa

from tests.host_app.app import Comment, User, add_user, db
from tests.host_app.conftest import table_names


def test_login_page_logs_in_with_the_hosts_own_users(host_app):
    with host_app.app_context():
        add_user("ines@example.org", "Inês Sousa", "a long host password", method="pbkdf2:sha256:1000")
    client = host_app.test_client()
    assert "Log in to Host Academy" in client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"email": "ines@example.org", "password": "wrong"})
    assert response.status_code == 200 and "Wrong e-mail or password." in response.get_data(as_text=True)
    response = client.post("/login", data={"email": "ines@example.org", "password": "a long host password"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Log out of Host Academy" in client.get("/").get_data(as_text=True)
    assert host_app.login_manager.login_view == "login"


def test_login_required_goes_to_the_hosts_login(host_app):
    response = host_app.test_client().post("/logout")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_a_plain_post_without_csrf_answers_200(host_app):
    client = host_app.test_client()
    response = client.post("/comments", data={"body": "Hello from a plain form"})
    assert response.status_code == 200 and response.get_data(as_text=True) == "thanks"
    assert "Hello from a plain form" in client.get("/").get_data(as_text=True)
    with host_app.app_context():
        assert db.session.execute(sa.select(Comment.body)).scalars().all() == ["Hello from a plain form"]


def test_host_pages_keep_their_headers_and_error_pages(host_app):
    client = host_app.test_client()
    home = client.get("/")
    assert "Content-Security-Policy" not in home.headers and "X-Frame-Options" not in home.headers
    assert "csrf" not in host_app.extensions
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and missing.get_data(as_text=True) == "the host's own not-found page"


def test_flask_db_upgrade_builds_the_hosts_tables(host_app):
    host_tables = {"host_user", "host_comment", "alembic_version"}
    assert host_tables <= table_names(host_app)
    with host_app.app_context():
        assert db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == "host0001"
        assert host_app.extensions["migrate"].directory.endswith("host_app/migrations")
        add_user("amir@example.org", "أمير", "x", method="pbkdf2:sha256:1000")
        assert db.session.execute(sa.select(User.display_name)).scalar_one() == "أمير"
