"""The permission matrix (SECURITY-CHECKS row 5): every route × every role.

Every endpoint in the URL map must have at least one row here, so a new route cannot ship
without saying who may use it. Outcomes: ``ok`` (200), ``login`` (302 to the login page),
``home`` (302 elsewhere: the action was done, or the page does not apply), ``403``.
"""
import io

import pytest

from lms.cohorts.models import CohortStatus, Membership, Role
from lms.core.db import db
from lms.sessions.materials import add_material
from tests.conftest import csrf_token, enrol, login, make_cohort, make_session, make_user

ROLES = ["anonymous", "outsider", "participant", "instructor", "coordinator", "admin"]
ALL_OK = dict.fromkeys(ROLES, "ok")
LOGGED_IN = {**ALL_OK, "anonymous": "login"}
MEMBERS = {**LOGGED_IN, "outsider": "403"}
TEACH = {**MEMBERS, "participant": "403"}
MANAGE = {**TEACH, "instructor": "403"}
ANONYMOUS_ONLY = {**dict.fromkeys(ROLES, "home"), "anonymous": "ok"}
DONE_BY_TEACHERS = {**{r: "home" for r in ROLES}, "anonymous": "login", "outsider": "403", "participant": "403"}
DONE_BY_MANAGERS = {**DONE_BY_TEACHERS, "instructor": "403"}
DRAFT = {**MEMBERS, "anonymous": "403"}
OWNER_OR_MANAGER = {**MANAGE, "participant": "ok"}

C = "/cohorts/itu-dpg-oss-2024"

#: (endpoint, method, path or path(world), {role: outcome})
MATRIX = [
    ("lms.main.home", "GET", "/", ALL_OK),
    ("lms.auth.register", "GET", "/register", ANONYMOUS_ONLY),
    # An invalid registration link sends everyone back (logged-in people home).
    ("lms.auth.register_complete", "GET", "/register/not-a-token", dict.fromkeys(ROLES, "home")),
    ("lms.auth.login", "GET", "/login", ANONYMOUS_ONLY),
    ("lms.auth.logout", "POST", "/logout", dict.fromkeys(ROLES, "login")),
    ("lms.auth.profile", "GET", "/account", LOGGED_IN),
    ("lms.auth.password_change", "GET", "/account/password", LOGGED_IN),
    # Ending a session that is not one's own (or none) is "not found" and back to the account page.
    ("lms.auth.session_end", "POST", "/account/sessions/999999/end", {**dict.fromkeys(ROLES, "home"),
                                                                      "anonymous": "login"}),
    ("lms.auth.sessions_end_others", "POST", "/account/sessions/end-others", {**dict.fromkeys(ROLES, "home"),
                                                                              "anonymous": "login"}),
    ("lms.auth.reset_request", "GET", "/reset", ALL_OK),
    # An invalid token sends everyone back to ask for a new link.
    ("lms.auth.reset_password", "GET", "/reset/not-a-token", dict.fromkeys(ROLES, "home")),
    ("lms.courses.catalogue", "GET", "/courses/", ALL_OK),
    ("lms.courses.course_view", "GET", "/courses/itu-dpg-oss", ALL_OK),
    ("lms.cohorts.cohort_view", "GET", C, ALL_OK),
    ("lms.cohorts.cohort_view", "GET", "/cohorts/draft-cohort", {**DRAFT, "participant": "403",
                                                                 "instructor": "403", "coordinator": "403"}),
    ("lms.cohorts.people_view", "GET", f"{C}/people", TEACH),
    ("lms.cohorts.people_view", "POST", f"{C}/people", DONE_BY_MANAGERS),
    ("lms.cohorts.member_remove", "POST", lambda w: f"{C}/people/{w['membership']}/remove", DONE_BY_MANAGERS),
    ("lms.sessions.session_view", "GET", f"{C}/sessions/1", ALL_OK),
    ("lms.sessions.session_new", "GET", f"{C}/sessions/new", TEACH),
    ("lms.sessions.session_edit", "GET", f"{C}/sessions/1/edit", TEACH),
    ("lms.sessions.session_cancel", "POST", f"{C}/sessions/1/cancel", DONE_BY_TEACHERS),
    ("lms.sessions.session_restore", "POST", f"{C}/sessions/1/restore", DONE_BY_TEACHERS),
    ("lms.materials.material_new", "GET", f"{C}/sessions/1/materials/new", TEACH),
    ("lms.materials.material_download", "GET", lambda w: f"/materials/{w['material']}/download", MEMBERS),
    ("lms.materials.material_delete", "POST", lambda w: f"/materials/{w['material']}/delete", DONE_BY_TEACHERS),
    ("lms.attendance.roll_call", "GET", f"{C}/sessions/1/attendance", TEACH),
    ("lms.attendance.roll_call", "POST", f"{C}/sessions/1/attendance", DONE_BY_TEACHERS),
    ("lms.attendance.report_import", "GET", f"{C}/sessions/1/attendance/import", TEACH),
    ("lms.attendance.report_import", "POST", f"{C}/sessions/1/attendance/import", DONE_BY_TEACHERS),
    ("lms.attendance.overview", "GET", f"{C}/attendance", TEACH),
    ("lms.attendance.participation", "GET", f"{C}/participation", TEACH),
    ("lms.attendance.participation", "POST", f"{C}/participation", DONE_BY_TEACHERS),
    ("lms.gradebook.gradebook_view", "GET", f"{C}/gradebook", TEACH),
    ("lms.gradebook.gradebook_save", "POST", f"{C}/gradebook", DONE_BY_TEACHERS),
    ("lms.gradebook.gradebook_export", "GET", f"{C}/gradebook.csv", TEACH),
    ("lms.gradebook.my_grades", "GET", f"{C}/my-grades", {**DONE_BY_TEACHERS, "participant": "ok"}),
    ("lms.certificates.finalise", "GET", f"{C}/finalise", MANAGE),
    ("lms.certificates.finalise", "POST", f"{C}/finalise", DONE_BY_MANAGERS),
    ("lms.certificates.reopen", "POST", f"{C}/reopen", DONE_BY_MANAGERS),
    ("lms.certificates.certificate_list", "GET", f"{C}/certificates", MANAGE),
    ("lms.certificates.certificate_export", "GET", f"{C}/certificates.csv", MANAGE),
    ("lms.certificates.certificate_pdf", "GET", lambda w: f"/certificates/{w['code']}.pdf", OWNER_OR_MANAGER),
    ("lms.certificates.certificate_badge", "GET", lambda w: f"/certificates/{w['code']}.json", OWNER_OR_MANAGER),
    ("lms.certificates.certificate_revoke", "POST", lambda w: f"/certificates/{w['code']}/revoke", DONE_BY_MANAGERS),
    ("lms.certificates.verify", "GET", lambda w: f"/verify/{w['code']}", ALL_OK),
    ("lms.certificates.verify", "GET", "/verify/?code=NOSUCHCODE0000000000", dict.fromkeys(ROLES, "404")),
    ("lms.feeds.cohort_feed", "GET", f"{C}/calendar.ics", ALL_OK),
    ("lms.feeds.cohort_feed", "GET", "/cohorts/draft-cohort/calendar.ics", {**DRAFT, "participant": "403",
                                                                            "instructor": "403", "coordinator": "403"}),
    ("lms.feeds.person_feed", "GET", lambda w: f"/calendar/{w['token']}.ics", ALL_OK),
    ("lms.feeds.calendar_settings", "GET", "/account/calendar", LOGGED_IN),
]
PUBLIC_ENDPOINTS = {"lms.asset"}
POST_DATA = {"email": "new.person@example.org", "name": "New Person", "role": "participant", "country": "",
             "organisation": ""}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - PUBLIC_ENDPOINTS - {"static"}
    assert endpoints == {row[0] for row in MATRIX}, "add the new route to MATRIX with its outcome for every role"


@pytest.fixture
def world(ctx):
    cohort = make_cohort()
    make_cohort("draft-cohort", status=CohortStatus.DRAFT)
    make_user("outsider@example.org", "Olive Outsider")
    make_user("admin@example.org", "Ada Admin", is_site_admin=True)
    users = {}
    for role in (Role.PARTICIPANT, Role.INSTRUCTOR, Role.COORDINATOR):
        users[role] = make_user(f"{role.value}@example.org", role.value.title())
        enrol(users[role], cohort, role)
    session = make_session(cohort)
    material = add_material(session, title="Slides", kind="slides", upload=io.BytesIO(b"%PDF-1.4 slides\n%%EOF\n"),
                            filename="slides.pdf")
    users[Role.PARTICIPANT].calendar_token = "t" * 43
    from decimal import Decimal

    from lms.certificates.models import Certificate

    db.session.add(Certificate(cohort_id=cohort.id, user_id=users[Role.PARTICIPANT].id, code="C" * 32,
                               total=Decimal("85"), recipient_name="Participant"))
    db.session.commit()
    membership = db.session.execute(db.select(Membership.id).where(Membership.role == Role.PARTICIPANT)).scalar()
    return {"membership": membership, "material": material.id, "token": "t" * 43, "session": session.id,
            "code": "C" * 32}


def _outcome(response) -> str:
    if response.status_code == 302:
        return "login" if "/login" in response.headers["Location"] else "home"
    return {200: "ok", 403: "403", 404: "404"}.get(response.status_code, str(response.status_code))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", MATRIX, ids=[f"{r[0]}-{r[1]}-{i}" for i, r in enumerate(MATRIX)])
def test_role_matrix(client, world, row, role):
    endpoint, method, path, expected = row
    path = path(world) if callable(path) else path
    if role != "anonymous":
        assert login(client, f"{role}@example.org").status_code == 302
    if method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, data={"csrf_token": csrf_token(client, "/reset"), **POST_DATA})
    assert _outcome(response) == expected[role], f"{role} {method} {path}"


def test_unknown_cohort_is_404_not_403(client, world):
    login(client, "participant@example.org")
    assert client.get("/cohorts/no-such-cohort").status_code == 404
    assert client.get(f"{C}/sessions/99").status_code == 404


def test_a_member_of_one_cohort_cannot_act_in_another(client, world):
    """Row 6: changing the slug or an id in the URL does not reach another cohort."""
    other = make_cohort("other-cohort-2025")
    stranger = make_user("elsewhere@example.org", "Elsa Elsewhere")
    enrol(stranger, other, Role.COORDINATOR)
    other_session = make_session(other)
    login(client, "coordinator@example.org")
    assert client.get("/cohorts/other-cohort-2025/people").status_code == 403
    assert client.get(f"/cohorts/other-cohort-2025/sessions/{other_session.number}/edit").status_code == 403
    second = client.application.test_client()
    login(second, "elsewhere@example.org")
    assert second.get(f"{C}/people").status_code == 403
    assert second.get(f"/materials/{world['material']}/download").status_code == 403
    # A membership id of the first cohort, posted through the second cohort's URL, is not found.
    token = csrf_token(second, "/reset")
    response = second.post(f"/cohorts/other-cohort-2025/people/{world['membership']}/remove",
                           data={"csrf_token": token})
    assert response.status_code == 404
    assert db.session.get(Membership, world["membership"]) is not None


def test_participant_sees_the_team_but_not_everyones_email(client, world):
    login(client, "participant@example.org")
    page = client.get(C).get_data(as_text=True)
    assert "Instructor (instructor)" in page
    assert "coordinator@example.org" not in page
    assert "Everyone in this cohort" not in page
    assert "Schedule a session" not in page
