"""SECURITY-CHECKS row 28: once a cohort is finalised, nothing that feeds a grade changes,
by any path (browser, CLI, import, session changes, membership), until a coordinator
reopens it with a reason. Every write path is tried on a finalised cohort: each is refused
with the plain message, and the certificate list, the gradebook export and every row that
feeds a grade are byte-identical afterwards."""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from lms.attendance.models import AttendanceRecord, NameMapping, ParticipationMark
from lms.audit.models import AuditEvent
from lms.certificates.models import Certificate
from lms.cohorts.models import CohortStatus, Membership, Role
from lms.cohorts.services import get_cohort
from lms.core.db import db
from lms.courses.loader import load_course_file
from lms.courses.services import import_course
from lms.gradebook.models import Mark
from lms.groups.models import GroupMember
from lms.projects.models import ProjectGrade, ProjectGradeMember, ProjectSetting, Submission
from lms.quizzes.models import Answer, Attempt, Question, Quiz
from lms.sessions.models import Session
from lms.sessions.services import cancel_session
from tests.conftest import csrf_token, enrol, login, make_user

ROOT = Path(__file__).resolve().parents[2]
COURSE_FILE = ROOT / "courses" / "itu-dpg-oss.toml"
SLUG = "itu-dpg-oss-2024"
C = f"/cohorts/{SLUG}"
REFUSAL = "This cohort is finalised; reopen it with a reason first"
REPORT = (ROOT / "tests" / "data" / "zoom-participants-session1-plain.csv").read_text(encoding="utf-8-sig")

#: Participants in five scripts; the first three pass, the others do not.
PEOPLE = {
    "amina.diallo@example.org": ("Amina Diallo", "10,15,15,excellent"),
    "ivan@example.org": ("Иван Петров", "10,15,12,excellent"),
    "wang@example.org": ("王芳", "10,15,10,excellent"),
    "amit@example.org": ("अमित कुमार", "10,15,5,good"),
    "lan.nguyen@example.org": ("Nguyễn Thị Lan", "0,10,5,submission"),
    "mohamed@example.org": ("محمد عبد الله", "10,15,15,"),
}


def _grades(tmp_path: Path, rows: dict[str, str]) -> str:
    path = tmp_path / "grades.csv"
    lines = ["email,knowledge_check,attendance,participation,final_project"]
    lines += [f"{email},{marks}" for email, marks in rows.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def finalised(client, runner, ctx, tmp_path) -> dict[str, Any]:
    import_course(load_course_file(COURSE_FILE))
    db.session.commit()
    cohort = get_cohort(SLUG)
    users = {email: make_user(email, name) for email, (name, _) in PEOPLE.items()}
    for user in users.values():
        enrol(user, cohort, Role.PARTICIPANT)
    enrol(make_user("clara@example.org", "Clara Coordinator"), cohort, Role.COORDINATOR)
    _groups_and_project(cohort, users)
    cancel_session(db.session.execute(sa.select(Session).where(Session.cohort_id == cohort.id,
                                                               Session.number == 5)).scalar_one())
    db.session.commit()
    _quiz_attempts(cohort, users)
    result = runner.invoke(args=["lms", "import-grades", SLUG, _grades(
        tmp_path, {email: marks for email, (_, marks) in PEOPLE.items()})])
    assert result.exit_code == 0, result.output
    assert login(client, "clara@example.org").status_code == 302
    assert client.post(f"{C}/finalise", data={"csrf_token": csrf_token(client, f"{C}/finalise")}).status_code == 302
    db.session.expire_all()
    assert get_cohort(SLUG).status == CohortStatus.FINALISED
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 3
    return {"users": users, "cohort_id": cohort.id, "tmp": tmp_path}


def _quiz_attempts(cohort: Any, users: dict[str, Any]) -> None:
    """Lan submitted the knowledge check; Amit has an attempt under way."""
    from lms.quizzes import services as quizzes

    quiz = quizzes.quizzes_of(cohort)[0]
    lan, amit = users["lan.nguyen@example.org"], users["amit@example.org"]
    attempt = quizzes.start_attempt(quiz, lan)
    first = quizzes.attempt_questions(attempt)[0][0]
    quizzes.save_answers(attempt, {first.id: ["1"]})
    quizzes.submit_attempt(attempt, lan)
    quizzes.start_attempt(quiz, amit)
    db.session.commit()


def _quiz(world: dict[str, Any]) -> str:
    from lms.quizzes.models import Quiz

    return f"{C}/quizzes/" + str(db.session.scalar(sa.select(Quiz.id).where(Quiz.cohort_id == world["cohort_id"])))


def _as(client: Any, world: dict[str, Any], email: str) -> Any:
    from tests.conftest import log_in_as

    other = client.application.test_client()
    log_in_as(other, _uid(world, email))
    return other


def _lan_attempt(world: dict[str, Any]) -> int:
    from lms.quizzes.models import Attempt

    return db.session.scalar(sa.select(Attempt.id).where(Attempt.user_id == _uid(world, "lan.nguyen@example.org")))


def _amit_answer(client: Any, world: dict[str, Any]) -> str:
    from lms.quizzes.models import Attempt

    layout = db.session.scalar(sa.select(Attempt.layout).where(Attempt.user_id == _uid(world, "amit@example.org")))
    first = layout[0][0]
    return _post(_as(client, world, "amit@example.org"), f"{_quiz(world)}/take",
                 {"shown": str(first), f"q-{first}": "0", "action": "submit", "page": "0"}, _quiz(world))
def _groups_and_project(cohort: Any, users: dict[str, Any]) -> None:
    """Two groups; Group 1 uploaded a version and is graded (not released)."""
    import io

    from lms.groups import services as groups
    from lms.projects import services as projects

    ids = [u.id for u in users.values()]
    made = groups.set_groups(cohort, {"Group 1": ids[:3], "Group 2": ids[3:]}, None, "import")
    projects.submit_version(cohort, made[0], users["amina.diallo@example.org"],
                            io.BytesIO(b"%PDF-1.4 plan\n%%EOF\n"), "plan.pdf")
    projects.grade_group(cohort, made[0], "good", "Fine.", False, None)


def _group_id(name: str) -> int:
    from lms.groups.models import Group

    return db.session.execute(sa.select(Group.id).where(Group.name == name)).scalar_one()


def _as_participant(client: Any, email: str) -> Any:
    """Another browser, logged in as a participant (the test's own client stays the coordinator's)."""
    other = client.application.test_client()
    assert login(other, email).status_code == 302
    return other


def _upload(client: Any, world: dict[str, Any]) -> str:
    amina = _as_participant(client, "amina.diallo@example.org")
    data = {"csrf_token": csrf_token(amina, f"{C}/project"),
            "file": (__import__("io").BytesIO(b"%PDF-1.4 late plan\n%%EOF\n"), "plan2.pdf")}
    return _page_text(amina.post(f"{C}/project/upload", data=data, follow_redirects=True))


def _final(client: Any, world: dict[str, Any]) -> str:
    from lms.projects.models import Submission

    amina = _as_participant(client, "amina.diallo@example.org")
    submission = db.session.execute(sa.select(Submission.id)).scalar_one()
    return _post(amina, f"/submissions/{submission}/final", {}, f"{C}/project")


def _state(client) -> dict[str, Any]:
    """Everything a finalised result is made of, as the coordinator downloads it and as it
    is stored."""
    db.session.expire_all()

    def rows(model: Any, *columns: Any) -> list[tuple[Any, ...]]:
        return sorted(tuple(str(v) for v in row) for row in db.session.execute(sa.select(*columns)).all())

    return {
        "certificates.csv": client.get(f"{C}/certificates.csv").data,
        "gradebook.csv": client.get(f"{C}/gradebook.csv").data,
        "marks": rows(Mark, Mark.user_id, Mark.component_key, Mark.points, Mark.level),
        "attendance": rows(AttendanceRecord, AttendanceRecord.session_id, AttendanceRecord.user_id,
                           AttendanceRecord.status, AttendanceRecord.minutes),
        "participation": rows(ParticipationMark, ParticipationMark.user_id, ParticipationMark.session_id,
                              ParticipationMark.points),
        "sessions": rows(Session, Session.id, Session.number, Session.starts_at, Session.duration_minutes,
                         Session.status),
        "memberships": rows(Membership, Membership.user_id, Membership.role),
        "name mappings": rows(NameMapping, NameMapping.normalised_name, NameMapping.user_id),
        "certificates": rows(Certificate, Certificate.user_id, Certificate.code, Certificate.total,
                             Certificate.revoked_at),
        "quiz attempts": rows(Attempt, Attempt.id, Attempt.user_id, Attempt.submitted_at, Attempt.score,
                              Attempt.deadline_at),
        "quiz answers": rows(Answer, Answer.attempt_id, Answer.question_id, Answer.response, Answer.points),
        "quiz questions": rows(Question, Question.id, Question.slot, Question.version, Question.text,
                               Question.correct, Question.retired_at),
        "quizzes": rows(Quiz, Quiz.id, Quiz.title, Quiz.grading, Quiz.component_key, Quiz.attempts_allowed),
        "groups": rows(GroupMember, GroupMember.group_id, GroupMember.user_id),
        "project grades": rows(ProjectGrade, ProjectGrade.group_id, ProjectGrade.level, ProjectGrade.released,
                               ProjectGrade.feedback),
        "project grade members": rows(ProjectGradeMember, ProjectGradeMember.user_id, ProjectGradeMember.level,
                                      ProjectGradeMember.override_reason),
        "submissions": rows(Submission, Submission.group_id, Submission.version, Submission.is_final),
        "project settings": rows(ProjectSetting, ProjectSetting.title, ProjectSetting.due_at,
                                 ProjectSetting.late_policy),
    }


def _page_text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _post(client: Any, path: str, data: dict[str, Any], form_page: str | None = None) -> str:
    data = {"csrf_token": csrf_token(client, form_page or path), **data}
    return _page_text(client.post(path, data=data, follow_redirects=True))


def _cli(runner: Any, *args: str) -> str:
    result = runner.invoke(args=["lms", *args])
    assert result.exit_code == 1, result.output
    return result.output


def _uid(world: dict[str, Any], email: str) -> int:
    return world["users"][email].id


def _moved_course_file(world: dict[str, Any], old: str, new: str) -> str:
    text = COURSE_FILE.read_text(encoding="utf-8")
    assert old in text
    path = world["tmp"] / "course.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return str(path)


#: name → attempt(client, runner, world) returning what the person reads.
PATHS: dict[str, Callable[[Any, Any, dict[str, Any]], str]] = {
    "browser: gradebook mark": lambda c, r, w: _post(c, f"{C}/gradebook", {
        f"mark-{_uid(w, 'lan.nguyen@example.org')}-final_project": "excellent"}),
    "browser: roll call": lambda c, r, w: _post(c, f"{C}/sessions/1/attendance", {
        f"status-{_uid(w, 'lan.nguyen@example.org')}": "present", "bulk": "present"}),
    "browser: meeting-report import": lambda c, r, w: _post(c, f"{C}/sessions/1/attendance/import", {
        "report_text": REPORT, "zone": "Europe/Zurich", "stage": "confirm"}, f"{C}/sessions/1/attendance/import"),
    "browser: participation mark": lambda c, r, w: _post(c, f"{C}/participation", {
        f"points-{_uid(w, 'amit@example.org')}-course": "15"}),
    "browser: new session": lambda c, r, w: _post(c, f"{C}/sessions/new", {
        "title": "Extra session", "day": "2024-11-13", "start": "15:00", "end": "17:00", "zone": "Europe/Zurich"}),
    "browser: move a session": lambda c, r, w: _post(c, f"{C}/sessions/2/edit", {
        "title": "Session 2", "day": "2024-11-02", "start": "15:00", "end": "17:00", "zone": "Europe/Zurich"}),
    "browser: cancel a session": lambda c, r, w: _post(c, f"{C}/sessions/2/cancel", {}, f"{C}/sessions/2"),
    "browser: restore a cancelled session": lambda c, r, w: _post(c, f"{C}/sessions/5/restore", {},
                                                                   f"{C}/sessions/5"),
    "browser: add a participant": lambda c, r, w: _post(c, f"{C}/people", {
        "email": "newcomer@example.org", "name": "Newcomer", "role": "participant"}),
    "browser: remove a certified participant": lambda c, r, w: _post(
        c, f"{C}/people/{_membership(w, 'ivan@example.org')}/remove", {"reason": "left the programme"},
        f"{C}/people"),
    "browser: remove a participant": lambda c, r, w: _post(
        c, f"{C}/people/{_membership(w, 'lan.nguyen@example.org')}/remove", {}, f"{C}/people"),
    "browser: start a quiz attempt": lambda c, r, w: _post(_as(c, w, "ivan@example.org"), f"{_quiz(w)}/start",
                                                            {}, _quiz(w)),
    "browser: save and submit quiz answers": lambda c, r, w: _amit_answer(c, w),
    "browser: quiz settings": lambda c, r, w: _post(c, f"{_quiz(w)}/edit", {
        "title": "Changed", "attempts_allowed": "3", "feedback": "after_submit", "grading": "score",
        "component_key": "knowledge_check"}),
    "browser: edit a quiz question": lambda c, r, w: _post(c, f"{_quiz(w)}/questions/1", {
        "kind": "true_false", "text": "Changed?", "correct": "true"}),
    "browser: add a quiz question": lambda c, r, w: _post(c, f"{_quiz(w)}/questions/new", {
        "kind": "true_false", "text": "New?", "correct": "true"}),
    "browser: remove a quiz question": lambda c, r, w: _post(c, f"{_quiz(w)}/questions/1/remove", {},
                                                              f"{_quiz(w)}/edit"),
    "browser: reopen a quiz attempt": lambda c, r, w: _post(
        c, f"{_quiz(w)}/attempts/{_lan_attempt(w)}/reopen", {"reason": "lost connection"}, f"{_quiz(w)}/attempts"),
    "browser: regrade a quiz": lambda c, r, w: _post(c, f"{_quiz(w)}/regrade", {}),
    "browser: form groups": lambda c, r, w: _post(c, f"{C}/groups/form", {"seed": "2", "stage": "save"},
                                                  f"{C}/groups"),
    "browser: move a person to another group": lambda c, r, w: _post(c, f"{C}/groups/move", {
        "user_id": _uid(w, "ivan@example.org"), "group_id": _group_id("Group 2")}, f"{C}/groups"),
    "browser: project settings": lambda c, r, w: _post(c, f"{C}/project/settings", {
        "title": "Plan", "brief": "Plan.", "due_day": "2024-12-30", "due_time": "12:00", "zone": "UTC",
        "presentation": "5", "late_policy": "flag"}),
    "browser: upload a project version": lambda c, r, w: _upload(c, w),
    "browser: mark a version final": lambda c, r, w: _final(c, w),
    "browser: grade a group": lambda c, r, w: _post(c, f"{C}/groups/{_group_id('Group 2')}/grade", {
        "level": "excellent", "feedback": "Excellent.", "release": "yes"}),
    "browser: override one member's project grade": lambda c, r, w: _post(
        c, f"{C}/groups/{_group_id('Group 1')}/override", {"user_id": _uid(w, "wang@example.org"),
                                                           "level": "excellent", "reason": "did most of it"},
        f"{C}/groups/{_group_id('Group 1')}/grade"),
    "browser: release a project grade": lambda c, r, w: _post(c, f"{C}/groups/{_group_id('Group 1')}/release", {},
                                                              f"{C}/groups/{_group_id('Group 1')}/grade"),
    "cli: form-groups": lambda c, r, w: _cli(r, "form-groups", SLUG, "--seed", "1"),
    "cli: import-groups": lambda c, r, w: _cli(r, "import-groups", SLUG, _groups_csv(w)),
    "browser: select an applicant": lambda c, r, w: _post(
        c, f"{C}/applications/{_applicant(w, 'submitted')}/decide", {"status": "selected"},
        f"{C}/applications/{_applicant(w, 'submitted')}"),
    "browser: a selected applicant withdraws": lambda c, r, w: _post(
        c, f"{C}/apply/withdraw", {}, f"{C}/apply") if _applicant(w, "selected", "clara@example.org") else "",
    "cli: import-grades": lambda c, r, w: _cli(r, "import-grades", SLUG, _grades(
        w["tmp"], {"lan.nguyen@example.org": "10,15,15,excellent"})),
    "cli: import-attendance": lambda c, r, w: _cli(
        r, "import-attendance", SLUG, "1", str(ROOT / "tests" / "data" / "zoom-participants-session1-plain.csv")),
    "cli: enrol-csv": lambda c, r, w: _cli(r, "enrol-csv", SLUG, _enrol_csv(w)),
    "cli: import-course moving a session": lambda c, r, w: _cli(r, "import-course", _moved_course_file(
        w, "{ number = 2, starts_at = 2024-11-01T15:00:00 }", "{ number = 2, starts_at = 2024-11-01T16:00:00 }")),
    "cli: import-course changing the grading scheme": lambda c, r, w: _cli(r, "import-course", _moved_course_file(
        w, "[grading]\nthreshold = 80", "[grading]\nthreshold = 70")),
}


def _applicant(world: dict[str, Any], status: str, email: str | None = None) -> int:
    """An application to the finalised cohort by ``email`` (a newcomer by default; the
    logged-in coordinator's own for the applicant's pages)."""
    from lms.applications.models import Application, ApplicationStatus
    from lms.auth.models import User
    from tests.applying import submitted

    email = email or "applicant@example.org"
    user = db.session.execute(sa.select(User).where(User.email == email)).scalar() or make_user(
        email, "Nguyễn Văn Ứng")
    existing = db.session.execute(sa.select(Application.id).where(Application.user_id == user.id)).scalar()
    return existing or submitted(get_cohort(SLUG), user, ApplicationStatus(status)).id


def _membership(world: dict[str, Any], email: str) -> int:
    return db.session.execute(sa.select(Membership.id).where(
        Membership.cohort_id == world["cohort_id"], Membership.user_id == _uid(world, email),
        Membership.role == Role.PARTICIPANT)).scalar_one()


def _groups_csv(world: dict[str, Any]) -> str:
    path = world["tmp"] / "groups.csv"
    path.write_text("group,email\nGroup 9,ivan@example.org\n", encoding="utf-8")
    return str(path)


def _enrol_csv(world: dict[str, Any]) -> str:
    path = world["tmp"] / "enrol.csv"
    path.write_text("email,name,role\nlate.joiner@example.org,Late Joiner,participant\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("path", list(PATHS))
def test_every_write_path_is_refused_on_a_finalised_cohort(client, runner, finalised, path):
    before = _state(client)
    events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    said = PATHS[path](client, runner, finalised)
    assert REFUSAL in said, said[-2000:]
    after = _state(client)
    for name in before:
        assert after[name] == before[name], f"{path} changed {name}"
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events


def test_the_freeze_list_covers_every_service_that_writes_what_feeds_a_grade():
    """The walk above must grow with the code: every service function that writes marks,
    attendance, participation, sessions or participants calls ``ensure_open``."""
    import inspect

    from lms.applications import services as applications
    from lms.attendance import marks
    from lms.attendance import services as attendance
    from lms.cohorts import services as cohorts
    from lms.courses import services as courses
    from lms.gradebook import importer
    from lms.gradebook import services as gradebook
    from lms.groups import services as groups
    from lms.projects import services as projects
    from lms.quizzes import editing as quiz_editing
    from lms.quizzes import services as quizzes
    from lms.sessions import services as sessions

    writers = [gradebook.set_mark, importer.import_grades, attendance.save_roll_call, attendance.apply_preview,
               marks.set_participation, sessions.create_session, sessions.update_session, sessions.cancel_session,
               sessions.restore_session, cohorts.add_member, cohorts.enrol_people, cohorts.remove_member,
               courses.import_course, quizzes.start_attempt, quizzes.save_answers, quizzes.submit_attempt,
               quizzes.reopen_attempt, quizzes.regrade, quiz_editing.update_settings, quiz_editing.save_question,
               quiz_editing.remove_question, groups.set_groups, groups.move_member, projects.save_project,
               projects.submit_version, projects.mark_final, projects.grade_group, projects.override_member,
               projects.release_grade, applications.decide, applications.withdraw_application,
               applications.accept_offer]
    for writer in writers:
        source = inspect.getsource(writer)
        if writer is courses.import_course:
            source += inspect.getsource(courses._import_cohort)
        assert "ensure_open(" in source, f"{writer.__module__}.{writer.__name__} does not call ensure_open"


def test_reopen_then_refinalise_recomputes_and_flags_certificates_to_revoke(client, runner, finalised):
    ivan = finalised["users"]["ivan@example.org"]
    reopen = _post(client, f"{C}/reopen", {"reason": ""}, f"{C}/certificates")
    assert "Say why the cohort is reopened" in reopen
    reopen = _post(client, f"{C}/reopen", {"reason": "Ivan's project was plagiarised"}, f"{C}/certificates")
    assert "The cohort is open again" in reopen
    # Now the same paths work, and are audited.
    said = _post(client, f"{C}/gradebook", {f"mark-{ivan.id}-final_project": "0"})
    assert "Marks saved (1 change)." in said
    said = _post(client, f"{C}/gradebook", {f"mark-{_uid(finalised, 'amit@example.org')}-participation": "15"})
    assert "Marks saved (1 change)." in said
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "cohort.reopen")).scalar_one()
    assert event.after["reason"] == "Ivan's project was plagiarised"

    confirm = _page_text(client.get(f"{C}/finalise"))
    assert "Certificates to review" in confirm
    assert "Иван Петров" in confirm and "no longer passes" in confirm
    assert "Finalise and issue 1 new certificate" in confirm  # Amit now passes
    done = _post(client, f"{C}/finalise", {})
    assert "1 certificate(s) were issued to people who no longer pass" in done
    db.session.expire_all()
    certificate = db.session.execute(sa.select(Certificate).where(Certificate.user_id == ivan.id)).scalar_one()
    assert certificate.revoked_at is None, "never revoked silently"
    listed = client.get(f"{C}/certificates.csv").get_data(as_text=True)
    assert "Иван Петров" in listed and certificate.code in listed  # still valid until revoked
    assert "अमित कुमार" in listed

    revoked = _post(client, f"/certificates/{certificate.code}/revoke", {"reason": "plagiarism"}, f"{C}/certificates")
    assert f"Certificate {certificate.code} is revoked." in revoked
    assert "Certificates to review" not in revoked


def test_removing_a_certified_participant_needs_a_reason_and_keeps_the_certificate(client, runner, finalised):
    ivan = finalised["users"]["ivan@example.org"]
    _post(client, f"{C}/reopen", {"reason": "a participant asked to leave"}, f"{C}/certificates")
    people = _page_text(client.get(f"{C}/people"))
    assert "Reason for removing Иван Петров, who holds a certificate" in people
    membership = _membership(finalised, "ivan@example.org")
    said = _post(client, f"{C}/people/{membership}/remove", {}, f"{C}/people")
    assert "Иван Петров holds certificate" in said and "Give a reason" in said
    assert db.session.get(Membership, membership) is not None
    said = _post(client, f"{C}/people/{membership}/remove", {"reason": "moved to another ministry"}, f"{C}/people")
    assert "Иван Петров is no longer participant in this cohort." in said
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "membership.remove")).scalar_one()
    assert event.before["user_id"] == ivan.id and event.before["certificate"]
    assert event.after == {"reason": "moved to another ministry"}
    # The certificate stays, valid, and is listed on the certificates page and for review.
    page = _page_text(client.get(f"{C}/certificates"))
    assert "Former participants with certificates" in page and "Иван Петров" in page
    assert "no longer a participant of this cohort" in page
