"""The permission matrix (SECURITY-CHECKS row 5): every route × every role.

Every rule in the URL map must have a row here, so a new route cannot ship without saying
who may use it. Outcomes: ``ok`` (200), ``login`` (302 to the login page), ``home`` (302
elsewhere), ``403``.
"""
import pytest

from lms.cohorts.models import Role
from tests.conftest import csrf_token, enrol, login, make_cohort, make_user

ROLES = ["anonymous", "outsider", "participant", "instructor", "coordinator", "admin"]
ALL_OK = dict.fromkeys(ROLES, "ok")
MEMBERS_ONLY = {"anonymous": "login", "outsider": "403", "participant": "ok", "instructor": "ok",
                "coordinator": "ok", "admin": "ok"}
STAFF_ONLY = {**MEMBERS_ONLY, "participant": "403"}
LOGGED_IN = {**dict.fromkeys(ROLES, "ok"), "anonymous": "login"}
ANONYMOUS_ONLY = {**dict.fromkeys(ROLES, "home"), "anonymous": "ok"}

#: endpoint → (method, path, {role: outcome})
MATRIX = {
    "lms.main.home": ("GET", "/", ALL_OK),
    "lms.auth.register": ("GET", "/register", ANONYMOUS_ONLY),
    "lms.auth.login": ("GET", "/login", ANONYMOUS_ONLY),
    "lms.auth.logout": ("POST", "/logout", {**dict.fromkeys(ROLES, "login")}),
    "lms.auth.profile": ("GET", "/account", LOGGED_IN),
    "lms.auth.password_change": ("GET", "/account/password", LOGGED_IN),
    "lms.auth.reset_request": ("GET", "/reset", ALL_OK),
    # An invalid token sends everyone back to ask for a new link.
    "lms.auth.reset_password": ("GET", "/reset/not-a-token", dict.fromkeys(ROLES, "home")),
    "lms.cohorts.cohort_view": ("GET", "/cohorts/itu-dpg-oss-2024", MEMBERS_ONLY),
    "lms.cohorts.people_view": ("GET", "/cohorts/itu-dpg-oss-2024/people", STAFF_ONLY),
}
PUBLIC_ENDPOINTS = {"lms.static"}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - PUBLIC_ENDPOINTS - {"static"}
    assert endpoints == set(MATRIX), "add the new route to MATRIX with its outcome for every role"


@pytest.fixture
def world(ctx):
    cohort = make_cohort()
    make_user("outsider@example.org", "Olive Outsider")
    make_user("admin@example.org", "Ada Admin", is_site_admin=True)
    for role in (Role.PARTICIPANT, Role.INSTRUCTOR, Role.COORDINATOR):
        enrol(make_user(f"{role.value}@example.org", role.value.title()), cohort, role)
    return cohort


def _outcome(response) -> str:
    if response.status_code == 302:
        return "login" if "/login" in response.headers["Location"] else "home"
    return {200: "ok", 403: "403", 404: "404"}.get(response.status_code, str(response.status_code))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_role_matrix(client, world, endpoint, role):
    method, path, expected = MATRIX[endpoint]
    if role != "anonymous":
        assert login(client, f"{role}@example.org").status_code == 302
    if method == "GET":
        response = client.get(path)
    else:
        response = client.open(path, method=method, data={"csrf_token": csrf_token(client, "/reset")})
    assert _outcome(response) == expected[role], f"{role} {method} {path}"


def test_unknown_cohort_is_404_not_403(client, world):
    login(client, "participant@example.org")
    assert client.get("/cohorts/no-such-cohort").status_code == 404


def test_a_member_of_one_cohort_cannot_open_another(client, world):
    """Row 6: changing the slug in the URL does not reach another cohort."""
    other = make_cohort("other-cohort-2025")
    stranger = make_user("elsewhere@example.org", "Elsa Elsewhere")
    enrol(stranger, other, Role.COORDINATOR)
    login(client, "participant@example.org")
    assert client.get("/cohorts/other-cohort-2025").status_code == 403
    assert client.get("/cohorts/other-cohort-2025/people").status_code == 403
    second = client.application.test_client()
    login(second, "elsewhere@example.org")
    assert second.get("/cohorts/itu-dpg-oss-2024/people").status_code == 403
    assert second.get("/cohorts/other-cohort-2025/people").status_code == 200


def test_participant_sees_the_team_but_not_everyones_email(client, world):
    login(client, "participant@example.org")
    page = client.get("/cohorts/itu-dpg-oss-2024").get_data(as_text=True)
    assert "Instructor (instructor)" in page
    assert "coordinator@example.org" not in page
    assert "Everyone in this cohort" not in page
