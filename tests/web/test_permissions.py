"""The permission matrix (SECURITY-CHECKS row 5): every (endpoint, method) × every role.

The (endpoint, method) pairs come from ``app.url_map``; a route or a method without a row
fails ``test_every_route_and_method_is_in_the_matrix``, which names it. Each case starts from
a fresh ``make_world()``, logs in as one role and makes one request. The row says, per role:

- ``ok``: allowed. A GET answers 200 with a text only that page has (or the file it serves);
  a POST sends a valid form with its CSRF token, and the row's ``check`` finds the change it
  asked for (a session with the posted title, a mark saved, a person removed …).
- ``login``: 302 to the login page (anonymous users on pages behind a login).
- ``403`` / ``404``: refused.
- a path such as ``/``: the page does not apply to this role, which is sent there.

Every outcome except an allowed POST also asserts that the whole database (every row of
every table) is as it was: a refusal that redirects with a flash after writing, or a GET that
writes, fails here.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from lms.attendance.models import AttendanceRecord, AttendanceSource, AttendanceStatus, ParticipationMark
from lms.auth.models import User, UserSession
from lms.auth.passwords import verify_password
from lms.certificates.models import Certificate
from lms.cohorts.models import Cohort, CohortStatus, Membership, Role
from lms.core.db import db
from lms.core.time import utcnow
from lms.gradebook.models import Mark
from lms.notifications.models import OutboxMessage
from lms.sessions.materials import upload_folder
from lms.sessions.models import Material, Session, SessionStatus
from tests.conftest import (
    PASSWORD,
    WORLD_SUBMISSION,
    World,
    csrf_token,
    database_changes,
    dump_database,
    enrol,
    log_in_as,
    make_cohort,
    make_session,
    make_user,
    make_world,
)

ROLES = ("anonymous", "outsider", "participant", "instructor", "coordinator", "admin")
C = "/cohorts/itu-dpg-oss-2024"
S1 = f"{C}/sessions/1"


def allowed(*roles: str, **others: str) -> dict[str, str]:
    """``ok`` for ``roles``; anonymous users go to the login page, everyone else gets 403,
    unless ``others`` says otherwise for a role."""
    outcomes = {role: "403" for role in ROLES} | {"anonymous": "login"}
    return outcomes | dict.fromkeys(roles, "ok") | others


EVERYONE = dict.fromkeys(ROLES, "ok")
LOGGED_IN = allowed("outsider", "participant", "instructor", "coordinator", "admin")
MEMBERS = allowed("participant", "instructor", "coordinator", "admin")
TEACHERS = allowed("instructor", "coordinator", "admin")
MANAGERS = allowed("coordinator", "admin")
#: The participant's own certificate, or the cohort's managers.
OWNER_OR_MANAGER = allowed("participant", "coordinator", "admin")
#: Logged-in people are sent home from the register and login pages.
ANONYMOUS_ONLY = {**dict.fromkeys(ROLES, "/"), "anonymous": "ok"}
#: A draft cohort: only its own people (none here) and site admins; no login page either.
DRAFT = allowed("admin", anonymous="403")

Check = Callable[[World, Any, str], None]


@dataclass(frozen=True)
class Row:
    endpoint: str
    method: str
    path: str | Callable[[World], str]
    outcomes: dict[str, str]
    #: GET: a text only this page has (by role where it differs; "*" for the rest).
    page: str | dict[str, str] | None = None
    #: POST: the valid form, without the CSRF token.
    data: Callable[[World], dict[str, Any]] | None = None
    #: Allowed POST (or a download): what must now hold, given the world, the response and the role.
    check: Check | None = None
    #: Run on the world before the request (committed).
    setup: Callable[[World], None] | None = None
    #: Tells apart several rows of one (endpoint, method).
    variant: str = ""
    #: A path that depends on who asks (their own login sessions); given the world and the role.
    role_path: Callable[[World, str], str] | None = None
    #: The status of an allowed POST: a redirect, or 200 for a background (JSON) save.
    ok_status: int = 302


# ---- reading the state back --------------------------------------------------------------

def _user(w: World, role: str) -> User:
    return db.session.get(User, w.users[role])


def _scalar(statement: Any) -> Any:
    return db.session.execute(statement).scalar_one_or_none()


def _session(number: int) -> Session:
    return _scalar(sa.select(Session).where(Session.number == number, Session.cohort.has(slug="itu-dpg-oss-2024")))


def _cohort(w: World) -> Cohort:
    return db.session.get(Cohort, w.cohort_id)


def _open_sessions(user_id: int) -> int:
    return _scalar(sa.select(sa.func.count(UserSession.id)).where(UserSession.user_id == user_id,
                                                                  UserSession.ended_at.is_(None)))


# ---- forms and checks --------------------------------------------------------------------

NEW_PASSWORD = "a brand new passphrase"
REGISTER = {"name": "New Person", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "timezone": "UTC",
            "country": "", "organisation": ""}
ENROL = {"email": "new.person@example.org", "name": "New Person", "role": "participant", "country": "",
         "organisation": ""}


def _session_form(title: str, day: str) -> Callable[[World], dict[str, str]]:
    return lambda w: {"title": title, "day": day, "start": "15:00", "end": "17:00", "zone": "Europe/Zurich",
                      "join_url": "https://meet.example.org/posted", "topics": "One\nTwo"}


def _participant_id(w: World) -> int:
    return w.users["participant"]


def _registered(w, r, role):
    user = _scalar(sa.select(User).where(User.email == "new.person@example.org"))
    assert user is not None and user.name == "New Person" and verify_password(user.password_hash, NEW_PASSWORD)


def _registration_mailed(w, r, role):
    subjects = db.session.execute(sa.select(OutboxMessage.subject).where(
        OutboxMessage.recipient == "new.person@example.org")).scalars().all()
    assert any("finish creating your account" in s for s in subjects), subjects


def _registration_path(w: World) -> str:
    from lms.auth.services import make_registration_token

    return f"/register/{make_registration_token('new.person@example.org')}"


def _other_devices(w: World) -> None:
    """A second login session for every person, as from another device."""
    from lms.auth.services import start_session

    for user_id in w.users.values():
        start_session(db.session.get(User, user_id), "other device")


def _other_device_path(w: World, role: str) -> str:
    owner = w.users["participant" if role == "anonymous" else role]
    session_id = _scalar(sa.select(UserSession.id).where(UserSession.user_id == owner,
                                                         UserSession.user_agent == "other device"))
    return f"/account/sessions/{session_id}/end"


def _someone_elses_device_path(w: World, role: str) -> str:
    return _other_device_path(w, "coordinator" if role == "participant" else "participant")


def _other_device_ended(w, r, role):
    ended = _scalar(sa.select(UserSession.ended_at).where(UserSession.user_id == w.users[role],
                                                          UserSession.user_agent == "other device"))
    assert ended is not None
    assert _open_sessions(w.users[role]) == 1  # this device stays logged in


def _logged_in_participant(w, r, role):
    assert _open_sessions(w.users["participant"]) == 1


def _logged_out(w, r, role):
    assert urlsplit(r.headers["Location"]).path == "/login"
    assert _open_sessions(w.users[role]) == 0


def _profile_saved(w, r, role):
    user = _user(w, role)
    assert (user.name, user.country, user.organisation, user.timezone) == (
        "Renamed Person", "KE", "Ministry of ICT", "Africa/Nairobi")


def _password_changed(w, r, role):
    assert verify_password(_user(w, role).password_hash, NEW_PASSWORD)


def _reset_mailed(w, r, role):
    subjects = db.session.execute(sa.select(OutboxMessage.subject).where(
        OutboxMessage.recipient == "participant@example.org")).scalars().all()
    assert any("reset your password" in s for s in subjects), subjects


def _participant_password_set(w, r, role):
    assert verify_password(_user(w, "participant").password_hash, NEW_PASSWORD)


def _enrolled(w, r, role):
    roles = db.session.execute(sa.select(Membership.role).join(User).where(
        User.email == "new.person@example.org", Membership.cohort_id == w.cohort_id)).scalars().all()
    assert roles == [Role.PARTICIPANT]


def _removed(w, r, role):
    assert db.session.get(Membership, w.membership_id) is None


def _session_created(w, r, role):
    session = _scalar(sa.select(Session).where(Session.title == "Posted session", Session.cohort_id == w.cohort_id))
    assert session is not None and session.topics == ["One", "Two"] and session.duration_minutes == 120


def _session_edited(w, r, role):
    session = db.session.get(Session, w.session_id)
    assert (session.title, session.join_url) == ("Edited title", "https://meet.example.org/posted")


def _cancel_first(w):
    db.session.get(Session, w.session_id).status = SessionStatus.CANCELLED


def _status_is(status: SessionStatus) -> Check:
    def check(w, r, role):
        assert db.session.get(Session, w.session_id).status == status
    return check


def _material_form(w):
    return {"title": "Posted notes", "kind": "reading", "url": "", "licence": "CC BY 4.0", "attribution": "",
            "upload": (io.BytesIO(b"%PDF-1.4 posted notes\n%%EOF\n"), "notes.pdf")}


def _material_stored(w, r, role):
    material = _scalar(sa.select(Material).where(Material.title == "Posted notes"))
    assert material is not None and material.session_id == w.session_id and material.original_name == "notes.pdf"
    assert (upload_folder() / material.stored_name).read_bytes() == b"%PDF-1.4 posted notes\n%%EOF\n"


def _material_gone(w, r, role):
    assert db.session.get(Material, w.material_id) is None


def _attendance(session_id: int, user_id: int) -> AttendanceRecord | None:
    return _scalar(sa.select(AttendanceRecord).where(AttendanceRecord.session_id == session_id,
                                                     AttendanceRecord.user_id == user_id))


def _roll_call_saved(w, r, role):
    record = _attendance(w.session_id, _participant_id(w))
    assert (record.status, record.minutes, record.source) == (AttendanceStatus.LATE, 30, AttendanceSource.MANUAL)


REPORT = ('"Name (Original Name)","User Email","Join Time","Leave Time","Duration (Minutes)"\n'
          '"Pat Participant","participant@example.org","11/06/2024 03:00:00 PM","11/06/2024 05:00:00 PM","120"\n')


def _report_imported(w, r, role):
    record = _attendance(_session(2).id, _participant_id(w))
    assert record is not None
    assert (record.status, record.minutes, record.source) == (AttendanceStatus.PRESENT, 120,
                                                              AttendanceSource.MEETING_REPORT)


def _participation_saved(w, r, role):
    mark = _scalar(sa.select(ParticipationMark).where(ParticipationMark.user_id == _participant_id(w)))
    assert (str(mark.points), mark.note) == ("12.50", "Led the breakout")


def _mark_saved(w, r, role):
    mark = _scalar(sa.select(Mark).where(Mark.user_id == _participant_id(w), Mark.component_key == "final_project"))
    assert mark is not None and (mark.level, int(mark.points)) == ("good", 50)


def _finalise(w):
    cohort = _cohort(w)
    cohort.status, cohort.finalised_at = CohortStatus.FINALISED, utcnow()


def _finalised(w, r, role):
    cohort = _cohort(w)
    assert cohort.status == CohortStatus.FINALISED and cohort.finalised_at is not None


def _reopened(w, r, role):
    cohort = _cohort(w)
    assert cohort.status == CohortStatus.RUNNING and cohort.finalised_at is None


def _revoked(w, r, role):
    certificate = _scalar(sa.select(Certificate).where(Certificate.code == w.code))
    assert certificate.revoked_at is not None and certificate.revoked_reason == "Issued in error"


def _token_replaced(w, r, role):
    token = _user(w, role).calendar_token
    assert token is not None and len(token) >= 43 and token != w.calendar_token


# ---- quizzes -----------------------------------------------------------------------------

def _q(w: World) -> str:
    return f"{C}/quizzes/{w.quiz_id}"


def _quiz_questions(w: World) -> list[Any]:
    from lms.quizzes.models import Question

    return db.session.execute(sa.select(Question).where(Question.quiz_id == w.quiz_id)
                              .order_by(Question.slot, Question.version)).scalars().all()


def _open_attempt(w: World) -> None:
    """The participant's second attempt, under way."""
    from lms.quizzes.models import Attempt

    layout = [[q.id, [0, 1]] for q in _quiz_questions(w)]
    db.session.add(Attempt(quiz_id=w.quiz_id, user_id=_participant_id(w), number=2, layout=layout))


def _attempts(w: World) -> list[Any]:
    from lms.quizzes.models import Attempt

    return db.session.execute(sa.select(Attempt).where(Attempt.quiz_id == w.quiz_id)
                              .order_by(Attempt.number)).scalars().all()


def _started(w, r, role):
    assert [a.number for a in _attempts(w)] == [1, 2] and _attempts(w)[1].submitted_at is None


def _answer_form(w):
    first = _quiz_questions(w)[0]
    return {"shown": str(first.id), f"q-{first.id}": "0", "action": "next", "page": "0"}


def _answer_saved(w, r, role):
    from lms.quizzes.models import Answer

    second = _attempts(w)[1]
    assert db.session.execute(sa.select(Answer.response).where(Answer.attempt_id == second.id)).scalars().all() == [[0]]


def _quiz_course_file(w):
    """The course file's knowledge check, and no quiz copied from it yet."""
    from lms.quizzes.models import Quiz

    db.session.get(Quiz, w.quiz_id).key = "practice"
    _cohort(w).course.knowledge_check = {"title": "From the file", "questions": [
        {"text": "True?", "kind": "true_false", "choices": ["True", "False"], "correct": [0]}]}


def _quiz_set_up(w, r, role):
    from lms.quizzes.models import Quiz

    quiz = _scalar(sa.select(Quiz).where(Quiz.cohort_id == w.cohort_id, Quiz.key == "knowledge_check"))
    assert quiz.title == "From the file" and len(quiz.questions) == 1


def _settings_form(w):
    return {"title": "Knowledge check (edited)", "attempts_allowed": "3", "time_limit_minutes": "15",
            "feedback": "after_close", "grading": "score", "component_key": "knowledge_check", "one_per_page": "y"}


def _settings_saved(w, r, role):
    from lms.quizzes.models import Quiz

    quiz = db.session.get(Quiz, w.quiz_id)
    assert (quiz.title, quiz.attempts_allowed, quiz.time_limit_minutes, quiz.one_per_page, quiz.grading.value) == (
        "Knowledge check (edited)", 3, 15, True, "score")


QUESTION = {"kind": "single", "text": "Posted question?", "choices": "Yes\nNo", "correct": "1", "accepted": "",
            "explanation": ""}


def _question_added(w, r, role):
    assert [q.text for q in _quiz_questions(w)][-1] == "Posted question?"


def _question_versioned(w, r, role):
    versions = [(q.slot, q.version, q.text, q.retired_at is None) for q in _quiz_questions(w)]
    assert versions[:2] == [(1, 1, "Which licence is open?", False), (1, 2, "Posted question?", True)]


def _question_removed(w, r, role):
    assert _quiz_questions(w)[0].retired_at is not None


def _reopened_attempt(w, r, role):
    assert _attempts(w)[0].submitted_at is None


def _correct_changed(w):
    _quiz_questions(w)[0].correct = [1]


def _regraded(w, r, role):
    assert _attempts(w)[0].score == 2


def _answers_csv(w, r, role):
    rows = _csv_rows(r)
    assert [(row["email"], row["answer"], row["points"]) for row in rows] == [
        ("participant@example.org", "Proprietary", "0.00"), ("participant@example.org", "dhis2", "1.00")]
def _reminders_muted(w, r, role):
    assert _user(w, role).mute_reminders is True


# ---- downloads ---------------------------------------------------------------------------

def _material_file(w, r, role):
    assert r.data == b"%PDF-1.4 slides\n%%EOF\n"
    assert r.headers["Content-Disposition"].startswith("attachment")


def _csv_rows(r) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))


def _gradebook_csv(w, r, role):
    rows = _csv_rows(r)
    assert [(row["email"], row["knowledge_check"]) for row in rows] == [("participant@example.org", "10.00")]


def _certificates_csv(w, r, role):
    assert [row["certificate_code"] for row in _csv_rows(r)] == [w.code]


def _pdf(w, r, role):
    assert r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")


def _badge(w, r, role):
    credential = json.loads(r.data)
    assert "OpenBadgeCredential" in credential["type"] and w.code in json.dumps(credential)


def _cohort_feed(w, r, role):
    text = r.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR") and "Session 1" in text
    assert "meet.example.org" not in text  # the public feed has no join links


def _person_feed(w, r, role):
    text = r.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR") and "https://meet.example.org/first" in text


# ---- groups and the group project ----------------------------------------------------------

#: Only the participant of ``make_world`` takes part (uploads, comments); staff are 403 there.
PARTICIPANT_ONLY = allowed("participant")


def _five_participants_and_no_project_work(w):
    from lms.projects.models import ProjectGrade, Submission

    cohort = _cohort(w)
    for i, name in enumerate(["Amina Diallo", "Иван Петров", "王芳", "अमित कुमार"]):
        enrol(make_user(f"member{i}@example.org", name, timezone="Europe/Zurich"), cohort, Role.PARTICIPANT)
    db.session.execute(sa.delete(Submission))
    db.session.execute(sa.delete(ProjectGrade))


def _groups_formed(w, r, role):
    from lms.groups.models import Group

    [group] = db.session.execute(sa.select(Group).where(Group.cohort_id == w.cohort_id)).scalars().all()
    assert group.name == "Group 1" and len(group.members) == 5


def _moved_to_b(w, r, role):
    from lms.groups.models import GroupMember

    member = _scalar(sa.select(GroupMember).where(GroupMember.user_id == w.users["participant"]))
    assert member.group_id == w.other_group_id


def _project_saved(w, r, role):
    from lms.projects.models import ProjectSetting

    setting = _scalar(sa.select(ProjectSetting).where(ProjectSetting.cohort_id == w.cohort_id))
    assert setting.title == "Plan for Group work" and setting.late_policy == "refuse"
    assert setting.due_at == datetime(2024, 11, 27, 14, tzinfo=UTC)  # 15:00 in Zurich


def _uploaded(w, r, role):
    from lms.projects.models import Submission

    versions = db.session.execute(sa.select(Submission.version, Submission.original_name)
                                  .order_by(Submission.version)).all()
    assert [tuple(v) for v in versions] == [(1, "our plan.pdf"), (2, "plan v2.pdf")]


def _final(w, r, role):
    from lms.projects.models import Submission

    assert db.session.get(Submission, w.submission_id).is_final


def _submission_file(w, r, role):
    assert r.data == WORLD_SUBMISSION
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def _grade(w):
    from lms.projects.models import ProjectGrade

    return _scalar(sa.select(ProjectGrade).where(ProjectGrade.group_id == w.group_id))


def _graded_excellent(w, r, role):
    grade = _grade(w)
    assert grade.level == "excellent" and grade.feedback == "Convincing." and grade.members[0].points == 60


def _overridden(w, r, role):
    [member] = _grade(w).members
    assert member.level == "submission" and member.override_reason == "did not take part"


def _released(w, r, role):
    assert _grade(w).released


def _commented(w, r, role):
    from lms.projects.models import PeerComment

    comment = _scalar(sa.select(PeerComment).where(PeerComment.group_id == w.other_group_id))
    assert comment.body == "Ясный план — 清楚" and not comment.released


def _comments_released(w, r, role):
    from lms.projects.models import PeerComment

    assert db.session.execute(sa.select(PeerComment.released)).scalars().all() == [True]


def _enrolled_from_csv(w, r, role):
    user = _scalar(sa.select(User).where(User.email == "sita.thapa@example.org"))
    assert (user.name, user.timezone, user.gender) == ("सीता थापा", "Asia/Kathmandu", "woman")
    assert _scalar(sa.select(Membership).where(Membership.user_id == user.id)).role == Role.PARTICIPANT


GROUP_ROWS = [
    Row("lms.cohorts.people_import", "POST", f"{C}/people/import", MANAGERS, check=_enrolled_from_csv,
        data=lambda w: {"people_csv": (io.BytesIO("email,name,role,country,time_zone,gender\n"
                                                  "sita.thapa@example.org,सीता थापा,participant,NP,Asia/Kathmandu,"
                                                  "woman\n".encode("utf-16")), "people.csv")}),
    Row("lms.groups.groups_view", "GET", f"{C}/groups", MEMBERS,
        page={"participant": "<h1>Your group: Group A", "*": "<h1>Project groups"}),
    Row("lms.groups.groups_form", "POST", f"{C}/groups/form", TEACHERS, setup=_five_participants_and_no_project_work,
        data=lambda w: {"seed": "4", "stage": "save"}, check=_groups_formed),
    Row("lms.groups.group_move", "POST", f"{C}/groups/move", TEACHERS,
        data=lambda w: {"user_id": w.users["participant"], "group_id": w.other_group_id}, check=_moved_to_b),
    Row("lms.projects.project_view", "GET", f"{C}/project", MEMBERS,
        page={"participant": "Group A's submissions", "*": "<h2>Submissions and grades"}),
    Row("lms.projects.project_settings", "GET", f"{C}/project/settings", TEACHERS, page="<h1>Project settings"),
    Row("lms.projects.project_settings", "POST", f"{C}/project/settings", TEACHERS, check=_project_saved,
        data=lambda w: {"title": "Plan for Group work", "brief": "Plan a DPG deployment.", "due_day": "2024-11-27",
                        "due_time": "15:00", "zone": "Europe/Zurich", "presentation": "2",
                        "late_policy": "refuse"}),
    Row("lms.projects.submission_upload", "POST", f"{C}/project/upload", PARTICIPANT_ONLY, check=_uploaded,
        data=lambda w: {"file": (io.BytesIO(b"%PDF-1.4 v2\n%%EOF\n"), "plan v2.pdf")}),
    Row("lms.projects.submission_final", "POST", lambda w: f"/submissions/{w.submission_id}/final",
        PARTICIPANT_ONLY, check=_final),
    Row("lms.projects.submission_download", "GET", lambda w: f"/submissions/{w.submission_id}/download", MEMBERS,
        check=_submission_file),
    Row("lms.projects.group_grade", "GET", lambda w: f"{C}/groups/{w.group_id}/grade", TEACHERS,
        page="<h1>Grade Group A"),
    Row("lms.projects.group_grade", "POST", lambda w: f"{C}/groups/{w.group_id}/grade", TEACHERS,
        data=lambda w: {"level": "excellent", "feedback": "Convincing."}, check=_graded_excellent),
    Row("lms.projects.grade_override", "POST", lambda w: f"{C}/groups/{w.group_id}/override", TEACHERS,
        data=lambda w: {"user_id": w.users["participant"], "level": "submission", "reason": "did not take part"},
        check=_overridden),
    Row("lms.projects.grade_release", "POST", lambda w: f"{C}/groups/{w.group_id}/release", TEACHERS,
        check=_released),
    Row("lms.projects.comment_add", "POST", lambda w: f"{C}/groups/{w.other_group_id}/comments", PARTICIPANT_ONLY,
        data=lambda w: {"body": "Ясный план — 清楚"}, check=_commented),
    Row("lms.projects.comments_release", "POST", lambda w: f"{C}/groups/{w.group_id}/comments/release", TEACHERS,
        check=_comments_released),
]


# ---- the matrix --------------------------------------------------------------------------

MATRIX = [
    Row("lms.main.home", "GET", "/", EVERYONE, page={"anonymous": "<h1>Welcome", "*": "<h1>Hello,"}),
    Row("lms.auth.register", "GET", "/register", ANONYMOUS_ONLY, page="<h1>Create an account"),
    Row("lms.auth.register", "POST", "/register", ANONYMOUS_ONLY, data=lambda w: {"email": "new.person@example.org"},
        check=_registration_mailed),
    Row("lms.auth.register_complete", "GET", _registration_path, ANONYMOUS_ONLY,
        page="<h1>Finish creating your account"),
    Row("lms.auth.register_complete", "GET", "/register/not-a-token", {**dict.fromkeys(ROLES, "/"),
                                                                       "anonymous": "/register"}, variant="bad-token"),
    Row("lms.auth.register_complete", "POST", _registration_path, ANONYMOUS_ONLY, data=lambda w: REGISTER,
        check=_registered),
    Row("lms.auth.login", "GET", "/login", ANONYMOUS_ONLY, page="<h1>Log in"),
    Row("lms.auth.login", "POST", "/login", ANONYMOUS_ONLY,
        data=lambda w: {"email": "participant@example.org", "password": PASSWORD}, check=_logged_in_participant),
    Row("lms.auth.logout", "POST", "/logout", LOGGED_IN, check=_logged_out),
    Row("lms.auth.profile", "GET", "/account", LOGGED_IN, page="<h1>Your account"),
    Row("lms.auth.profile", "POST", "/account", LOGGED_IN, check=_profile_saved,
        data=lambda w: {"name": "Renamed Person", "country": "KE", "organisation": "Ministry of ICT",
                        "timezone": "Africa/Nairobi"}),
    Row("lms.auth.session_end", "POST", "", LOGGED_IN, setup=_other_devices, role_path=_other_device_path,
        check=_other_device_ended),
    # Someone else's session is answered like an ended one: a message on the account page, nothing changed.
    Row("lms.auth.session_end", "POST", "", {**dict.fromkeys(ROLES, "/account"), "anonymous": "login"},
        setup=_other_devices, role_path=_someone_elses_device_path, variant="not-own"),
    Row("lms.auth.sessions_end_others", "POST", "/account/sessions/end-others", LOGGED_IN, setup=_other_devices,
        check=_other_device_ended),
    Row("lms.auth.password_change", "GET", "/account/password", LOGGED_IN, page="<h1>Change your password"),
    Row("lms.auth.password_change", "POST", "/account/password", LOGGED_IN, check=_password_changed,
        data=lambda w: {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
    Row("lms.auth.reset_request", "GET", "/reset", EVERYONE, page="<h1>Reset your password"),
    Row("lms.auth.reset_request", "POST", "/reset", EVERYONE, data=lambda w: {"email": "participant@example.org"},
        check=_reset_mailed),
    # The emailed token is the authority here, whoever holds it.
    Row("lms.auth.reset_password", "GET", lambda w: f"/reset/{w.reset_token}", EVERYONE,
        page="<h1>Choose a new password"),
    Row("lms.auth.reset_password", "GET", "/reset/not-a-token", dict.fromkeys(ROLES, "/reset"), variant="bad-token"),
    Row("lms.auth.reset_password", "POST", lambda w: f"/reset/{w.reset_token}", EVERYONE,
        data=lambda w: {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, check=_participant_password_set),
    Row("lms.courses.catalogue", "GET", "/courses/", EVERYONE, page="<h1>Courses"),
    Row("lms.courses.course_view", "GET", "/courses/itu-dpg-oss", EVERYONE,
        page="<h1>Digital Public Goods and Open Source"),
    Row("lms.cohorts.cohort_view", "GET", C, EVERYONE, page="<h1>Cohort itu-dpg-oss-2024"),
    Row("lms.cohorts.cohort_view", "GET", "/cohorts/draft-cohort", DRAFT, page="<h1>Cohort draft-cohort",
        variant="draft"),
    Row("lms.cohorts.people_view", "GET", f"{C}/people", TEACHERS, page="<h1>People in"),
    Row("lms.cohorts.people_view", "POST", f"{C}/people", MANAGERS, data=lambda w: ENROL, check=_enrolled),
    # The participant holds a certificate, so a removal needs a reason.
    Row("lms.cohorts.member_remove", "POST", lambda w: f"{C}/people/{w.membership_id}/remove", MANAGERS,
        data=lambda w: {"reason": "Left the programme"}, check=_removed),
    Row("lms.sessions.session_view", "GET", S1, EVERYONE, page="<h1>Session 1: Session 1"),
    Row("lms.sessions.session_new", "GET", f"{C}/sessions/new", TEACHERS, page="<h1>Schedule a session"),
    Row("lms.sessions.session_new", "POST", f"{C}/sessions/new", TEACHERS,
        data=_session_form("Posted session", "2024-12-04"), check=_session_created),
    Row("lms.sessions.session_edit", "GET", f"{S1}/edit", TEACHERS, page="<h1>Edit session 1"),
    Row("lms.sessions.session_edit", "POST", f"{S1}/edit", TEACHERS,
        data=_session_form("Edited title", "2024-10-30"), check=_session_edited),
    Row("lms.sessions.session_cancel", "POST", f"{S1}/cancel", TEACHERS, check=_status_is(SessionStatus.CANCELLED)),
    Row("lms.sessions.session_restore", "POST", f"{S1}/restore", TEACHERS, setup=_cancel_first,
        check=_status_is(SessionStatus.SCHEDULED)),
    Row("lms.materials.material_new", "GET", f"{S1}/materials/new", TEACHERS, page="<h1>Add material to session 1"),
    Row("lms.materials.material_new", "POST", f"{S1}/materials/new", TEACHERS, data=_material_form,
        check=_material_stored),
    Row("lms.materials.material_download", "GET", lambda w: f"/materials/{w.material_id}/download", MEMBERS,
        check=_material_file),
    Row("lms.materials.material_delete", "POST", lambda w: f"/materials/{w.material_id}/delete", TEACHERS,
        check=_material_gone),
    Row("lms.attendance.roll_call", "GET", f"{S1}/attendance", TEACHERS, page="<h1>Attendance: session 1"),
    Row("lms.attendance.roll_call", "POST", f"{S1}/attendance", TEACHERS, check=_roll_call_saved,
        data=lambda w: {f"status-{_participant_id(w)}": "late", f"minutes-{_participant_id(w)}": "30"}),
    Row("lms.attendance.report_import", "GET", f"{C}/sessions/2/attendance/import", TEACHERS,
        page="<h1>Import the meeting participant report"),
    Row("lms.attendance.report_import", "POST", f"{C}/sessions/2/attendance/import", TEACHERS,
        data=lambda w: {"zone": "Europe/Zurich", "stage": "confirm", "report_text": REPORT}, check=_report_imported),
    Row("lms.attendance.overview", "GET", f"{C}/attendance", TEACHERS, page="<h1>Attendance overview"),
    Row("lms.attendance.participation", "GET", f"{C}/participation", TEACHERS, page="<h1>Participation marks"),
    Row("lms.attendance.participation", "POST", f"{C}/participation", TEACHERS, check=_participation_saved,
        data=lambda w: {f"points-{_participant_id(w)}-course": "12.5",
                        f"note-{_participant_id(w)}-course": "Led the breakout"}),
    Row("lms.gradebook.gradebook_view", "GET", f"{C}/gradebook", TEACHERS, page="<h1>Gradebook"),
    Row("lms.gradebook.gradebook_save", "POST", f"{C}/gradebook", TEACHERS, check=_mark_saved,
        data=lambda w: {f"mark-{_participant_id(w)}-final_project": "good"}),
    Row("lms.gradebook.gradebook_export", "GET", f"{C}/gradebook.csv", TEACHERS, check=_gradebook_csv),
    # Staff have the gradebook instead.
    Row("lms.gradebook.my_grades", "GET", f"{C}/my-grades",
        allowed("participant", **dict.fromkeys(("instructor", "coordinator", "admin"), f"{C}/gradebook")),
        page="<h1>My grades"),
    Row("lms.certificates.finalise", "GET", f"{C}/finalise", MANAGERS, page="<h1>Finalise the results of"),
    Row("lms.certificates.finalise", "POST", f"{C}/finalise", MANAGERS, check=_finalised),
    Row("lms.certificates.reopen", "POST", f"{C}/reopen", MANAGERS, setup=_finalise,
        data=lambda w: {"reason": "A mark was entered wrongly"}, check=_reopened),
    Row("lms.certificates.certificate_list", "GET", f"{C}/certificates", MANAGERS, page="<h1>Certificates"),
    Row("lms.certificates.certificate_export", "GET", f"{C}/certificates.csv", MANAGERS, check=_certificates_csv),
    Row("lms.certificates.certificate_pdf", "GET", lambda w: f"/certificates/{w.code}.pdf", OWNER_OR_MANAGER,
        check=_pdf),
    Row("lms.certificates.certificate_badge", "GET", lambda w: f"/certificates/{w.code}.json", OWNER_OR_MANAGER,
        check=_badge),
    Row("lms.certificates.certificate_revoke", "POST", lambda w: f"/certificates/{w.code}/revoke", MANAGERS,
        data=lambda w: {"reason": "Issued in error"}, check=_revoked),
    Row("lms.certificates.verify", "GET", lambda w: f"/verify/{w.code}", EVERYONE, page="Valid certificate"),
    Row("lms.certificates.verify", "GET", "/verify/?code=NOSUCHCODE0000000000", dict.fromkeys(ROLES, "404"),
        variant="unknown"),
    Row("lms.feeds.cohort_feed", "GET", f"{C}/calendar.ics", EVERYONE, check=_cohort_feed),
    Row("lms.feeds.cohort_feed", "GET", "/cohorts/draft-cohort/calendar.ics", DRAFT, variant="draft",
        check=lambda w, r, role: r.get_data(as_text=True).startswith("BEGIN:VCALENDAR")),
    Row("lms.feeds.person_feed", "GET", lambda w: f"/calendar/{w.calendar_token}.ics", EVERYONE, check=_person_feed),
    Row("lms.feeds.calendar_settings", "GET", "/account/calendar", LOGGED_IN, page="<h1>Your calendar feed"),
    Row("lms.feeds.calendar_settings", "POST", "/account/calendar", LOGGED_IN, check=_token_replaced),
    Row("lms.quizzes.quiz_list", "GET", f"{C}/quizzes", MEMBERS, page="<h1>Quizzes"),
    Row("lms.quizzes.quiz_setup", "POST", f"{C}/quizzes/setup", TEACHERS, setup=_quiz_course_file,
        check=_quiz_set_up),
    Row("lms.quizzes.quiz_view", "GET", _q, MEMBERS, page="<h1>Knowledge check"),
    Row("lms.quizzes.attempt_start", "POST", lambda w: f"{_q(w)}/start", allowed("participant"), check=_started),
    Row("lms.quizzes.attempt_take", "GET", lambda w: f"{_q(w)}/take", allowed(
        "participant", **dict.fromkeys(("instructor", "coordinator", "admin"), f"{C}/quizzes/1")),
        setup=_open_attempt, page="Attempt 2"),
    Row("lms.quizzes.attempt_save", "POST", lambda w: f"{_q(w)}/take", allowed("participant"), setup=_open_attempt,
        data=_answer_form, check=_answer_saved),
    Row("lms.quizzes.answer_save", "POST", lambda w: f"{_q(w)}/answer", allowed("participant"), setup=_open_attempt,
        data=_answer_form, check=_answer_saved, ok_status=200),
    Row("lms.quizzes.attempt_result", "GET", lambda w: f"{_q(w)}/attempts/{w.attempt_id}", MEMBERS,
        page="Knowledge check: attempt 1"),
    Row("lms.quizzes.quiz_edit", "GET", lambda w: f"{_q(w)}/edit", TEACHERS, page="<h1>Edit the quiz"),
    Row("lms.quizzes.quiz_edit", "POST", lambda w: f"{_q(w)}/edit", TEACHERS, data=_settings_form,
        check=_settings_saved),
    Row("lms.quizzes.question_new", "GET", lambda w: f"{_q(w)}/questions/new", TEACHERS, page="<h1>New question"),
    Row("lms.quizzes.question_new", "POST", lambda w: f"{_q(w)}/questions/new", TEACHERS, data=lambda w: QUESTION,
        check=_question_added),
    Row("lms.quizzes.question_edit", "GET", lambda w: f"{_q(w)}/questions/1", TEACHERS, page="<h1>Edit question"),
    Row("lms.quizzes.question_edit", "POST", lambda w: f"{_q(w)}/questions/1", TEACHERS, data=lambda w: QUESTION,
        check=_question_versioned),
    Row("lms.quizzes.question_remove", "POST", lambda w: f"{_q(w)}/questions/1/remove", TEACHERS,
        check=_question_removed),
    Row("lms.quizzes.attempt_list", "GET", lambda w: f"{_q(w)}/attempts", TEACHERS, page="<h1>Attempts:"),
    Row("lms.quizzes.attempt_reopen", "POST", lambda w: f"{_q(w)}/attempts/{w.attempt_id}/reopen", TEACHERS,
        data=lambda w: {"reason": "Lost connection"}, check=_reopened_attempt),
    Row("lms.quizzes.quiz_regrade", "GET", lambda w: f"{_q(w)}/regrade", TEACHERS,
        page="<h1>Regrade with the current questions"),
    Row("lms.quizzes.quiz_regrade", "POST", lambda w: f"{_q(w)}/regrade", TEACHERS, setup=_correct_changed,
        check=_regraded),
    Row("lms.quizzes.quiz_analysis", "GET", lambda w: f"{_q(w)}/analysis", TEACHERS, page="<h1>Item analysis"),
    Row("lms.quizzes.answers_export", "GET", lambda w: f"{_q(w)}/answers.csv", TEACHERS, check=_answers_csv),
    *GROUP_ROWS,
    Row("lms.notifications.notifications", "GET", "/notifications", LOGGED_IN, page="<h1>Your notifications"),
    Row("lms.notifications.settings", "POST", "/notifications/settings", LOGGED_IN,
        data=lambda w: {"mute_reminders": "y"}, check=_reminders_muted),
    # Coordinators of any cohort and site admins (only admins see other people's failed mail).
    Row("lms.jobs.jobs_page", "GET", "/staff/jobs", MANAGERS, page="<h1>Scheduled work"),
]

# ---- applications ------------------------------------------------------------------------

def _taking_applications(w: World) -> None:
    from tests.applying import taking_applications

    taking_applications(_cohort(w))


def _applications_of_everyone(status: str) -> Callable[[World], None]:
    def setup(w: World) -> None:
        from lms.applications.models import ApplicationStatus
        from tests.applying import submitted

        _taking_applications(w)
        for user_id in w.users.values():
            application = submitted(_cohort(w), db.session.get(User, user_id), ApplicationStatus(status))
            if status == "offered":
                application.offer_expires_at = utcnow() + timedelta(hours=1)
    return setup


def _outsiders_application(w: World) -> None:
    from lms.applications.services import upload_folder
    from tests.applying import pdf, submitted

    _taking_applications(w)
    submitted(_cohort(w), _user(w, "outsider"))
    upload_folder().mkdir(parents=True, exist_ok=True)
    (upload_folder() / "missing-cv.pdf").write_bytes(pdf("outsider's CV"))


def _outsiders_application_id(w: World) -> int:
    from lms.applications.models import Application

    return _scalar(sa.select(Application.id).where(Application.user_id == w.users["outsider"]))


def _application_status(role_key: str | None, status: str) -> Check:
    def check(w, r, role):
        from lms.applications.models import Application

        owner = w.users[role_key or role]
        assert _scalar(sa.select(Application.status).where(Application.user_id == owner)).value == status
    return check


def _instructor_reviews(w: World) -> None:
    from lms.applications.models import ApplicationReviewer

    db.session.add(ApplicationReviewer(cohort_id=w.cohort_id, user_id=w.users["instructor"]))


def _scored(w, r, role):
    from lms.applications.models import ApplicationScore

    points = db.session.execute(sa.select(ApplicationScore.points).where(
        ApplicationScore.reviewer_id == w.users[role])).scalars().all()
    assert sorted(points) == [2, 3, 4, 5]


def _cv_file(w, r, role):
    assert r.data == b"%PDF-1.4\n% outsider's CV\n%%EOF\n"
    assert r.headers["Content-Disposition"].startswith("attachment")


def _window_saved(w, r, role):
    cohort = _cohort(w)
    assert cohort.applications_close_at == datetime(2030, 1, 31, 16, 0, tzinfo=UTC)  # 17:00 in Zurich


def _instructor_is_reviewer(w, r, role):
    from lms.applications.review import reviewers

    assert reviewers(_cohort(w)) == {w.users["instructor"]}


APPLY_FORM = {"country": "KE", "organisation": "Ministry of ICT", "gender": "woman", "q-position": "Director",
              "save": "Save draft"}
SCORES = {"score-entry_requirements": "5", "score-role_relevance": "4", "score-digital_service": "3",
          "score-motivation": "2"}
APPLICATION = lambda w: f"{C}/applications/{_outsiders_application_id(w)}"  # noqa: E731

MATRIX += [
    Row("lms.applications.apply", "GET", f"{C}/apply", LOGGED_IN, page="<h1>Your application to",
        setup=_taking_applications),
    Row("lms.applications.apply", "POST", f"{C}/apply", LOGGED_IN, data=lambda w: APPLY_FORM,
        setup=_taking_applications, check=_application_status(None, "draft")),
    Row("lms.applications.withdraw", "POST", f"{C}/apply/withdraw", LOGGED_IN,
        setup=_applications_of_everyone("submitted"), check=_application_status(None, "withdrawn")),
    Row("lms.applications.accept", "POST", f"{C}/apply/accept", LOGGED_IN,
        setup=_applications_of_everyone("offered"), check=_application_status(None, "selected")),
    Row("lms.applications.review_list", "GET", f"{C}/applications", MANAGERS, page="<h1>Applications to",
        setup=_outsiders_application),
    # Instructors review only when a coordinator gives them the reviewer role.
    Row("lms.applications.review_list", "GET", f"{C}/applications", TEACHERS, page="<h1>Applications to",
        setup=lambda w: (_outsiders_application(w), _instructor_reviews(w)), variant="reviewer"),
    Row("lms.applications.review_detail", "GET", APPLICATION, MANAGERS, page="<h1>Application of Olive Outsider",
        setup=_outsiders_application),
    Row("lms.applications.score", "POST", lambda w: f"{APPLICATION(w)}/score", MANAGERS, data=lambda w: SCORES,
        setup=_outsiders_application, check=_scored),
    Row("lms.applications.decide", "POST", lambda w: f"{APPLICATION(w)}/decide", MANAGERS,
        data=lambda w: {"status": "waitlisted", "note": "Next in line"}, setup=_outsiders_application,
        check=_application_status("outsider", "waitlisted")),
    Row("lms.applications.file_download", "GET", lambda w: f"{APPLICATION(w)}/files/cv", MANAGERS,
        setup=_outsiders_application, check=_cv_file),
    Row("lms.applications.settings", "GET", f"{C}/applications/settings", MANAGERS,
        page="<h1>Application settings"),
    Row("lms.applications.settings", "POST", f"{C}/applications/settings", MANAGERS, check=_window_saved,
        data=lambda w: {"opens": "2030-01-01T09:00", "closes": "2030-01-31T17:00"}),
    Row("lms.applications.reviewer_set", "POST", lambda w: f"{C}/applications/reviewers/{w.users['instructor']}",
        MANAGERS, data=lambda w: {"reviewer": "yes"}, check=_instructor_is_reviewer),
]

#: Served by Flask itself, not by an LMS view.
STATIC = {"static", "lms.static", "lms.asset"}


def route_methods(app) -> set[tuple[str, str]]:
    """Every (endpoint, method) the application answers, from its URL map."""
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint not in STATIC
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}}


def test_every_route_and_method_is_in_the_matrix(app):
    rows = {(row.endpoint, row.method) for row in MATRIX}
    missing = sorted(route_methods(app) - rows)
    assert not missing, f"add a MATRIX row with an outcome for every role: {missing}"
    stale = sorted(rows - route_methods(app))
    assert not stale, f"MATRIX rows for routes that do not exist: {stale}"
    for row in MATRIX:
        assert set(row.outcomes) == set(ROLES), row
        if row.method == "POST" and "ok" in row.outcomes.values():
            assert row.check is not None, f"{row.endpoint} POST: say what an allowed post changes"
        if row.method == "GET" and "ok" in row.outcomes.values():
            assert (row.page is None) != (row.check is None), f"{row.endpoint} GET: a page marker or a check"


def _case_id(row: Row, role: str) -> str:
    return "-".join(filter(None, (row.endpoint.removeprefix("lms."), row.method, row.variant, role)))


CASES = [(row, role) for row in MATRIX for role in ROLES]


@pytest.mark.parametrize(("row", "role"), CASES, ids=[_case_id(row, role) for row, role in CASES])
def test_role_matrix(client, ctx, row: Row, role: str):
    w = make_world()
    if row.setup:
        row.setup(w)
        db.session.commit()
    if role != "anonymous":
        log_in_as(client, w.users[role])
    path = row.role_path(w, role) if row.role_path else row.path(w) if callable(row.path) else row.path
    where = f"{role} {row.method} {path}"
    if row.method == "GET":
        before = dump_database()
        response = client.get(path)
    else:
        form = {"csrf_token": csrf_token(client, "/reset"), **(row.data(w) if row.data else {})}
        before = dump_database()
        response = client.post(path, data=form)
    changes = database_changes(before, dump_database())
    expected = row.outcomes[role]
    if expected == "ok" and row.method == "POST":
        assert response.status_code == row.ok_status, f"{where}: {response.status_code}"
        row.check(w, response, role)
        return
    assert not changes, f"{where} ({expected}) changed the database: {changes}"
    if expected == "ok":
        assert response.status_code == 200, f"{where}: {response.status_code}"
        if row.check:
            row.check(w, response, role)
        else:
            marker = row.page if isinstance(row.page, str) else row.page.get(role, row.page["*"])
            assert marker in response.get_data(as_text=True), f"{where}: not the expected page"
    elif expected in {"403", "404"}:
        assert str(response.status_code) == expected, f"{where}: {response.status_code}"
    else:
        target = "/login" if expected == "login" else expected
        assert response.status_code == 302, f"{where}: {response.status_code}"
        assert urlsplit(response.headers["Location"]).path == target, f"{where}: {response.headers['Location']}"


# ---- ids from another cohort ---------------------------------------------------------------

@pytest.fixture
def world(ctx) -> World:
    return make_world()


def test_unknown_cohort_is_404_not_403(client, world):
    log_in_as(client, world.users["participant"])
    assert client.get("/cohorts/no-such-cohort").status_code == 404
    assert client.get(f"{C}/sessions/99").status_code == 404


def test_a_member_of_one_cohort_cannot_act_in_another(client, world):
    """Row 6: changing the slug or an id in the URL does not reach another cohort."""
    other = make_cohort("other-cohort-2025")
    stranger = make_user("elsewhere@example.org", "Elsa Elsewhere")
    enrol(stranger, other, Role.COORDINATOR)
    other_session = make_session(other)
    log_in_as(client, world.users["coordinator"])
    assert client.get("/cohorts/other-cohort-2025/people").status_code == 403
    assert client.get(f"/cohorts/other-cohort-2025/sessions/{other_session.number}/edit").status_code == 403
    second = client.application.test_client()
    log_in_as(second, stranger.id)
    assert second.get(f"{C}/people").status_code == 403
    assert second.get(f"/materials/{world.material_id}/download").status_code == 403
    assert second.get(f"/certificates/{world.code}.pdf").status_code == 403
    # A membership id of the first cohort, posted through the second cohort's URL, is not found.
    token = csrf_token(second, "/reset")
    before = dump_database()
    response = second.post(f"/cohorts/other-cohort-2025/people/{world.membership_id}/remove",
                           data={"csrf_token": token})
    assert response.status_code == 404
    assert database_changes(before, dump_database()) == []


def test_participant_sees_the_team_but_not_everyones_email(client, world):
    log_in_as(client, world.users["participant"])
    page = client.get(C).get_data(as_text=True)
    assert "Ines Instructor (instructor)" in page
    assert "coordinator@example.org" not in page
    assert "Everyone in this cohort" not in page
    assert "Schedule a session" not in page
