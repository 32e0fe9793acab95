"""The LMS inside the host application (tests/host_app), in Chromium: a host user logs in on
the host's page, opens the LMS in the host's layout, uses it at 360 px and on a desktop, and
logs out of the host; every page passes axe."""
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.browser.axe import assert_accessible
from tests.browser.conftest import DESKTOP, PHONE, screenshot


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Overrides the suite's server: the host application with the LMS mounted under /learn."""
    from lms.cohorts.models import Role
    from tests.conftest import enrol, make_cohort
    from tests.host_app.app import User, add_user, create_app, db
    from tests.host_app.conftest import build, host_database_url

    app = create_app({"SQLALCHEMY_DATABASE_URI": host_database_url(tmp_path_factory.mktemp("hosted"),
                                                                    "_host_browser"),
                      "LMS_TRUSTED_HOSTS": ["127.0.0.1"]})
    build(app)
    with app.app_context():
        add_user("thanh@example.org", "Trần Văn Thanh", "host password", method="pbkdf2:sha256:1000")
        from lms.auth.services import user_for_host

        cohort = make_cohort("dpg-hosted", title="Digital Public Goods, hosted")
        enrol(user_for_host("thanh@example.org", "Trần Văn Thanh")[0], cohort, Role.PARTICIPANT)
        assert db.session.query(User).count() == 1
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_host_user_uses_the_lms_in_the_hosts_layout(new_page, viewport):
    page = new_page(viewport=viewport)
    page.goto("/learn/account")  # anonymous: the host's login, with next
    expect(page.get_by_role("heading", name="Log in to Host Academy")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("E-mail").fill("thanh@example.org")
    page.get_by_label("Password").fill("host password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.get_by_text("Host Academy footer")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="My cohorts").click()
    expect(page.get_by_role("heading", name="Hello, Trần Văn Thanh")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Digital Public Goods, hosted").first.click()
    expect(page.get_by_role("heading", name="Digital Public Goods, hosted")).to_be_visible()
    assert_accessible(page)
    screenshot(page, f"hosted-cohort-{viewport['width']}")

    page.get_by_role("button", name="Log out of Host Academy").click()
    expect(page.get_by_role("heading", name="Host Academy home")).to_be_visible()
    assert_accessible(page)
    page.goto("/learn/")
    expect(page.get_by_role("heading", name="Hello, Trần Văn Thanh")).to_have_count(0)
    assert_accessible(page)
