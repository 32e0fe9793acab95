"""LMS templates build each link once per place the app is served from
(``lms.core.templating.remembered_url_for``): the same links as ``url_for``, wherever the
app is mounted, and never a link kept from one mount point served at another."""
from __future__ import annotations

import pytest
from flask import Flask, url_for

from lms import LMS
from lms.core.db import db
from lms.core.templating import remembered_url_for
from tests.conftest import login, make_cohort, make_session, make_user

LINKS = [
    ("lms.sessions.session_view", {"slug": "itu-dpg-oss-2024", "number": 3}),
    ("lms.cohorts.cohort_view", {"slug": "cohorte-é-ü-中文"}),
    ("lms.quizzes.attempt_result", {"slug": "itu-dpg-oss-2024", "quiz_id": 1, "attempt_id": 12}),
    ("lms.courses.catalogue", {"page": 2}),
    ("lms.main.home", {}),
]


@pytest.mark.parametrize("script_name", ["", "/lms", "/школа"])
def test_the_same_links_as_url_for_under_every_mount_point(app, script_name):
    for _ in range(2):  # built, then remembered
        for endpoint, values in LINKS:
            with app.test_request_context("/", base_url=f"http://localhost{script_name}"):
                assert remembered_url_for(endpoint, **values) == url_for(endpoint, **values)


def test_a_link_remembered_at_one_mount_point_is_not_served_at_another(app):
    with app.test_request_context("/", base_url="http://localhost/a"):
        assert remembered_url_for("lms.main.home") == "/a/"
    with app.test_request_context("/", base_url="http://localhost/b"):
        assert remembered_url_for("lms.main.home") == "/b/"


def test_external_links_and_anchors_are_built_each_time(app):
    with app.test_request_context("/", base_url="http://localhost"):
        assert remembered_url_for("lms.main.home", _external=True) == "http://localhost/"
        assert remembered_url_for("lms.main.home", _anchor="content") == "/#content"
    with app.test_request_context("/", base_url="http://127.0.0.1:5000"):
        assert remembered_url_for("lms.main.home", _external=True) == "http://127.0.0.1:5000/"


def test_values_that_cannot_be_kept_are_built_each_time(app):
    with app.test_request_context("/"):
        assert remembered_url_for("lms.courses.catalogue", tag=["a", "b"]) == url_for(
            "lms.courses.catalogue", tag=["a", "b"])


def test_a_host_with_url_defaults_gets_links_built_every_time(tmp_path):
    """A host's ``url_defaults`` function may add a value that changes from one request to
    the next (a language, say): nothing is remembered in such an app."""
    host = Flask("host_app", instance_path=str(tmp_path))
    host.config.update(SECRET_KEY="host-secret", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'h.sqlite3'}",
                       LMS_BASE_URL="https://school.example")
    language = {"now": "fr"}

    @host.url_defaults
    def add_language(endpoint, values):
        values.setdefault("lang", language["now"])

    LMS().init_app(host, url_prefix="/learn")
    with host.test_request_context("/"):
        assert remembered_url_for("lms.main.home") == "/learn/?lang=fr"
        language["now"] = "ar"
        assert remembered_url_for("lms.main.home") == "/learn/?lang=ar"
        assert "remembered_urls" not in host.extensions["lms"]
    with host.app_context():
        db.engine.dispose()


def test_pages_link_where_url_for_does(app, client):
    with app.app_context():
        cohort = make_cohort()
        make_session(cohort)
        make_user("ana@example.org", "Ana Đặng")
    login(client, "ana@example.org")
    for _ in range(2):
        page = client.get("/cohorts/itu-dpg-oss-2024").get_data(as_text=True)
        assert 'href="/cohorts/itu-dpg-oss-2024/sessions/1"' in page
        assert 'href="/courses/itu-dpg-oss"' in page
    with app.test_request_context("/", base_url="http://localhost/mounted"):
        assert remembered_url_for("lms.sessions.session_view", slug="itu-dpg-oss-2024", number=1) == (
            "/mounted/cohorts/itu-dpg-oss-2024/sessions/1")


def test_id_urls_give_url_for_s_link_for_every_id(app):
    from lms.core.templating import id_urls

    with app.test_request_context("/", base_url="http://localhost/lms"):
        for slug in ("itu-dpg-oss-2024", "a-2147483647-b"):  # the marker itself in the slug: url_for every time
            result = id_urls("lms.quizzes.attempt_result", "attempt_id", slug=slug, quiz_id=4)
            reopen = id_urls("lms.quizzes.attempt_reopen", "attempt_id", slug=slug, quiz_id=4)
            for attempt_id in (1, 9, 10, 12345, 2**31 - 1):
                assert result(attempt_id) == url_for("lms.quizzes.attempt_result", slug=slug, quiz_id=4,
                                                     attempt_id=attempt_id)
                assert reopen(attempt_id) == url_for("lms.quizzes.attempt_reopen", slug=slug, quiz_id=4,
                                                     attempt_id=attempt_id)
