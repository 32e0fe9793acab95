"""Groups and the group project through the services, the CLI and the pages: forming and
saving groups for 32 participants, moving people, CSV export/import, versioned uploads and
refused files, downloads, grading with an override flowing into the gradebook, membership
changes after grading, peer comments."""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from lms.audit.models import AuditEvent
from lms.auth.models import User
from lms.cohorts.models import Role
from lms.cohorts.services import get_cohort
from lms.core import time as lms_time
from lms.core.db import db
from lms.gradebook.services import gradebook, person_grades, set_mark
from lms.groups import services as groups
from lms.groups.models import Group, GroupMember
from lms.projects import services as projects
from lms.projects.models import PeerComment, ProjectGrade, Submission
from lms.projects.storage import storage
from tests.cohort_people import PEOPLE
from tests.conftest import enrol, log_in_as, make_cohort, make_session, make_user, post_form

C = "/cohorts/itu-dpg-oss-2024"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _pptx() -> bytes:
    """The same bytes at every call: each member carries a fixed date, not the clock's (two calls
    a second apart wrote different timestamps, and the test comparing them failed in CI)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in (("[Content_Types].xml", "<Types/>"), ("ppt/presentation.xml", "<p:presentation/>")):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 11, 20, 12, 0, 0)), text)
    return out.getvalue()


@pytest.fixture
def cohort(ctx):
    """The ITU cohort with its five sessions (session 5 on 27 Nov 2024) and 32 participants
    from everywhere, plus an instructor and a coordinator."""
    lms_time.freeze(datetime(2024, 11, 20, 12, tzinfo=UTC))  # a week before the presentation
    cohort = make_cohort()
    for number in range(1, 6):
        make_session(cohort, number)  # 30 Oct … 27 Nov 2024, 14:00 UTC
    for name, email, country, _region, zone, org, gender in PEOPLE:
        enrol(make_user(email, name, country=country, timezone=zone, organisation=org, gender=gender), cohort,
              Role.PARTICIPANT)
    enrol(make_user("ines@example.org", "Ines Instructor"), cohort, Role.INSTRUCTOR)
    enrol(make_user("clara@example.org", "Clara Coordinator"), cohort, Role.COORDINATOR)
    return cohort


def _user(email: str) -> User:
    return db.session.execute(sa.select(User).where(User.email == email)).scalar_one()


def _formed(cohort, seed: int = 7) -> list[Group]:
    made = groups.save_formation(cohort, seed, _user("ines@example.org"))
    db.session.commit()
    return made


def test_forming_saves_every_participant_once_with_scores_and_the_database_refuses_a_second_group(cohort):
    preview = groups.propose_groups(cohort, 7)
    assert db.session.scalar(sa.select(sa.func.count(Group.id))) == 0  # a preview writes nothing
    made = _formed(cohort)
    views = groups.groups_of(cohort)
    assert [len(v.members) for v in views] == [len(g.members) for g in preview.groups]
    assert sorted(u.email for v in views for u in v.members) == sorted(p[1] for p in PEOPLE)
    assert all(v.score and v.score.window_minutes >= 120 for v in views)
    assert [v.score.score for v in views] == [g.score for g in preview.groups]
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "groups.form")).scalar_one()
    assert sorted(sum(event.after.values(), [])) == sorted(u.id for v in views for u in v.members)
    someone = views[0].members[0]
    db.session.add(GroupMember(group_id=made[1].id, cohort_id=cohort.id, user_id=someone.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_moving_a_person_updates_the_balance_and_is_audited(cohort):
    _formed(cohort)
    views = groups.groups_of(cohort)
    mover, target = views[0].members[0], views[1].group
    before = (views[0].score.score, views[1].score.score)
    groups.move_member(cohort, mover, target, _user("clara@example.org"))
    db.session.commit()
    after = groups.groups_of(cohort)
    assert mover in after[1].members and mover not in after[0].members
    assert (after[0].score.score, after[1].score.score) != before
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "group.move")).scalar_one()
    assert event.before == {"group": views[0].group.name} and event.after == {"group": target.name}


def test_export_then_import_round_trips_and_a_bad_file_changes_nothing(cohort, runner, tmp_path):
    _formed(cohort)
    out = tmp_path / "groups.csv"
    result = runner.invoke(args=["lms", "export-groups", cohort.slug, "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "group,email,name,country,time_zone"
    assert "Nguyễn Thị Lan" in text and "محمد عبد الله" in text and "Asia/Kathmandu" in text
    swapped = text.replace("Group 1,", "Group X,").replace("Group 2,", "Group 1,").replace("Group X,", "Group 2,")
    bad = swapped + "Group 3,nobody@example.org,Nobody,,UTC\n"
    (tmp_path / "bad.csv").write_text(bad, encoding="utf-8")
    snapshot = groups.export_groups(cohort)
    result = runner.invoke(args=["lms", "import-groups", cohort.slug, str(tmp_path / "bad.csv")])
    assert result.exit_code == 1 and "nobody@example.org is not a participant of this cohort" in result.output
    assert groups.export_groups(get_cohort(cohort.slug)) == snapshot
    (tmp_path / "good.csv").write_text(swapped, encoding="utf-16")
    result = runner.invoke(args=["lms", "import-groups", cohort.slug, str(tmp_path / "good.csv")])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    now = groups.export_groups(get_cohort(cohort.slug))
    assert sorted(now.splitlines()) == sorted(swapped.splitlines())


def test_form_groups_command_prints_scores_and_a_dry_run_saves_nothing(cohort, runner):
    result = runner.invoke(args=["lms", "form-groups", cohort.slug, "--seed", "3", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert re.search(r"Group 1 \(score \d+\): ", result.output) and "can meet" in result.output
    assert "Dry run: nothing was saved." in result.output
    assert db.session.scalar(sa.select(sa.func.count(Group.id))) == 0
    again = runner.invoke(args=["lms", "form-groups", cohort.slug, "--seed", "3"])
    assert again.output.split("Weakest")[0] == result.output.split("Weakest")[0]  # deterministic
    assert db.session.scalar(sa.select(sa.func.count(Group.id))) == 6
    assert runner.invoke(args=["lms", "form-groups", "no-such-cohort"]).exit_code == 1


def test_too_few_people_say_why(ctx, runner):
    cohort = make_cohort()
    for i in range(4):
        enrol(make_user(f"p{i}@example.org", f"Участник {i}"), cohort, Role.PARTICIPANT)
    result = runner.invoke(args=["lms", "form-groups", cohort.slug])
    assert result.exit_code == 1
    assert "only 4 participant(s): fewer than the smallest group size (5)" in result.output


# ---- submissions --------------------------------------------------------------------------

def _group_of(cohort, email: str) -> Group:
    group = groups.group_of(cohort, _user(email))
    assert group is not None
    return group


def test_each_upload_is_a_new_version_never_overwritten(cohort):
    _formed(cohort)
    lan = _user("lan.nguyen@example.org")
    group = _group_of(cohort, lan.email)
    mate = next(u for u in groups.members_of(group) if u.id != lan.id)
    first = projects.submit_version(cohort, group, lan, io.BytesIO(PDF), "kế hoạch.pdf")
    second = projects.submit_version(cohort, group, mate, io.BytesIO(_pptx()), "slides.pptx")
    db.session.commit()
    assert (first.version, second.version) == (1, 2)
    assert first.sha256 == hashlib.sha256(PDF).hexdigest() and first.uploaded_by_id == lan.id
    assert storage().open(first.stored_name).read() == PDF
    assert storage().open(second.stored_name).read() == _pptx()
    assert first.stored_name != second.stored_name and not first.late
    projects.mark_final(cohort, first, mate)
    db.session.commit()
    assert [s.is_final for s in projects.submissions_of(group)] == [False, True]
    projects.mark_final(cohort, second, lan)
    db.session.commit()
    assert [s.is_final for s in projects.submissions_of(group)] == [True, False]
    actions = db.session.execute(sa.select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
    assert actions.count("submission.upload") == 2 and actions.count("submission.final") == 2


@pytest.mark.parametrize(("name", "data", "says"), [
    ("plan.exe", b"MZ\x90\x00", "Files of type “.exe” are not accepted"),
    ("plan.html", b"<html></html>", "Files of type “.html” are not accepted"),
    ("plan.png", b"\x89PNG\r\n\x1a\n", "Files of type “.png” are not accepted"),
    ("plan.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "does not look like a .pdf file"),
    ("plan.docx", PDF, "does not look like a .docx file"),
    ("plan.pdf", b"", "The file is empty"),
])
def test_wrong_and_disguised_files_are_refused(cohort, name, data, says):
    _formed(cohort)
    lan = _user("lan.nguyen@example.org")
    with pytest.raises(Exception, match=re.escape(says)):
        projects.submit_version(cohort, _group_of(cohort, lan.email), lan, io.BytesIO(data), name)


def test_too_big_is_refused_and_path_tricks_are_harmless(cohort, app):
    _formed(cohort)
    lan = _user("lan.nguyen@example.org")
    group = _group_of(cohort, lan.email)
    app.config["LMS_PROJECT_MAX_BYTES"] = len(PDF) - 1
    try:
        with pytest.raises(Exception, match="larger than 0 MB, the most a project file may be"):
            projects.submit_version(cohort, group, lan, io.BytesIO(PDF), "plan.pdf")
    finally:
        app.config["LMS_PROJECT_MAX_BYTES"] = 50 * 1024 * 1024
    sneaky = projects.submit_version(cohort, group, lan, io.BytesIO(PDF), "../../../etc/passwd.pdf")
    assert sneaky.original_name == "passwd.pdf"
    chinese = projects.submit_version(cohort, group, lan, io.BytesIO(PDF), "C:\\Users\\王芳\\计划\u202e.pdf")
    assert chinese.original_name == "计划.pdf"
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", sneaky.stored_name)
    with pytest.raises(FileNotFoundError):
        storage().open("../" + sneaky.stored_name)


def test_late_uploads_are_flagged_or_refused_as_the_project_says(cohort):
    _formed(cohort)
    lan = _user("lan.nguyen@example.org")
    group = _group_of(cohort, lan.email)
    assert projects.project_of(cohort).due_at == datetime(2024, 11, 27, 14, tzinfo=UTC)  # session 5's start
    lms_time.freeze(datetime(2024, 11, 27, 14, 1, tzinfo=UTC))
    late = projects.submit_version(cohort, group, lan, io.BytesIO(PDF), "plan.pdf")
    assert late.late
    projects.save_project(cohort, title="Plan", brief="Write a plan.", due_at=datetime(2024, 11, 27, 14, tzinfo=UTC),
                          presentation_number=5, late_policy="refuse", actor=None)
    with pytest.raises(Exception, match="does not accept late uploads"):
        projects.submit_version(cohort, group, lan, io.BytesIO(PDF), "plan.pdf")


def test_only_members_upload(cohort):
    _formed(cohort)
    lan, outsider_group = _user("lan.nguyen@example.org"), None
    for view in groups.groups_of(cohort, scored=False):
        if lan not in view.members:
            outsider_group = view.group
    with pytest.raises(Exception, match="Only the group's members can upload"):
        projects.submit_version(cohort, outsider_group, lan, io.BytesIO(PDF), "plan.pdf")


# ---- grading ------------------------------------------------------------------------------

def _points(cohort, user: User) -> str | None:
    row = person_grades(cohort, user)
    score = next(s for s in row.result.components if s.key == "final_project")
    return None if score.missing else str(score.earned)


def test_a_released_grade_with_an_override_flows_into_the_gradebook_and_a_hand_mark_still_wins(cohort):
    _formed(cohort)
    ines = _user("ines@example.org")
    group = _group_of(cohort, "amit.kumar@example.org")
    members = groups.members_of(group)
    amit = _user("amit.kumar@example.org")
    other, third = [m for m in members if m.id != amit.id][:2]
    projects.grade_group(cohort, group, "good", "A realistic plan.", False, ines)
    db.session.commit()
    assert _points(cohort, amit) is None  # not released: not in the gradebook, not shown
    with pytest.raises(Exception, match="Say why"):
        projects.override_member(cohort, group, other, "excellent", "  ", ines)
    projects.override_member(cohort, group, other, "excellent", "led the risk analysis", ines)
    projects.release_grade(cohort, group, ines)
    db.session.commit()
    assert _points(cohort, amit) == "50" and _points(cohort, other) == "60"
    book = {row.user.id: row for row in gradebook(cohort).rows}
    assert book[amit.id].levels["final_project"] == "good" and "final_project" in book[amit.id].computed
    assert book[other.id].levels["final_project"] == "excellent"
    outside = next(u for u in groups.participants(cohort) if u not in members)
    assert "final_project" not in book[outside.id].levels
    # Re-grading changes everyone but the override.
    projects.grade_group(cohort, group, "excellent", "Even better after revision.", False, ines)
    db.session.commit()
    assert _points(cohort, amit) == "60" and _points(cohort, other) == "60"
    projects.grade_group(cohort, group, "submission", "", False, ines)
    db.session.commit()
    assert _points(cohort, amit) == "40" and _points(cohort, other) == "60"
    # A mark entered by hand in the gradebook overrides the group's grade.
    assert set_mark(cohort, third, "final_project", "good", ines)
    db.session.commit()
    assert _points(cohort, third) == "50"
    actions = db.session.execute(sa.select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
    assert actions.count("project_grade.set") == 3 and actions.count("project_grade.override") == 1
    assert "project_grade.release" in actions and "mark.set" in actions


def test_membership_changes_after_grading_keep_the_grade_with_who_was_there(cohort):
    _formed(cohort)
    ines = _user("ines@example.org")
    views = groups.groups_of(cohort, scored=False)
    graded, other = views[0], views[1]
    leaver, joiner = graded.members[0], other.members[0]
    projects.grade_group(cohort, graded.group, "good", "", True, ines)
    db.session.commit()
    groups.move_member(cohort, leaver, other.group, ines)
    groups.move_member(cohort, joiner, graded.group, ines)
    db.session.commit()
    assert _points(cohort, leaver) == "50"  # keeps the grade given while a member
    assert _points(cohort, joiner) is None  # ungraded until an instructor decides
    grade = projects.grade_of(graded.group)
    people = {p.user.id: p for p in projects.member_grades(graded.group, grade, groups.members_of(graded.group))}
    assert not people[joiner.id].graded and people[joiner.id].current
    assert people[leaver.id].graded and not people[leaver.id].current
    projects.override_member(cohort, graded.group, joiner, "", "", ines)  # the group's level
    db.session.commit()
    assert _points(cohort, joiner) == "50"
    # Grading the group the leaver moved to does not give them a second grade.
    projects.grade_group(cohort, other.group, "excellent", "", True, ines)
    db.session.commit()
    assert _points(cohort, leaver) == "50"


def test_peer_comments_reach_the_group_once_released(cohort):
    _formed(cohort)
    views = groups.groups_of(cohort, scored=False)
    author, target = views[1].members[0], views[0].group
    with pytest.raises(Exception, match="not your own"):
        projects.add_comment(cohort, target, views[0].members[0], "We did well.")
    projects.add_comment(cohort, target, author, "Хороший план; 计划很清楚.")
    db.session.commit()
    assert projects.comments_on(target, released_only=True) == []
    assert projects.release_comments(cohort, target, None) == 1
    db.session.commit()
    [comment] = projects.comments_on(target, released_only=True)
    assert comment.body == "Хороший план; 计划很清楚."


# ---- pages ---------------------------------------------------------------------------------

def test_participant_sees_their_group_with_local_times_and_never_gender(cohort, client):
    _formed(cohort)
    sita = _user("sita.thapa@example.org")
    log_in_as(client, sita.id)
    page = client.get(f"{C}/groups").get_data(as_text=True)
    group = _group_of(cohort, sita.email)
    assert f"Your group: {group.name}" in page
    for member in groups.members_of(group):
        assert member.name in page and member.timezone in page
    assert "Nepal" in page and "(Asia/Kathmandu)" in page
    assert re.search(r"<li>(Mon|Tue|Wed|Thu|Fri) \d\d:\d\d–\d\d:\d\d</li>", page)
    for word in ("woman", "non-binary", "gender"):
        assert word not in page.lower().replace("alone in their gender", "")


def test_staff_preview_then_save_then_move_in_the_browser(cohort, client):
    log_in_as(client, _user("ines@example.org").id)
    page = client.get(f"{C}/groups").get_data(as_text=True)
    assert "No groups yet" in page
    preview = post_form(client, f"{C}/groups/form", {"seed": "5", "stage": "preview"}, f"{C}/groups")
    text = preview.get_data(as_text=True)
    assert "Proposed groups (seed 5)" in text and "can meet" in text and "Иван Петров" in text
    assert db.session.scalar(sa.select(sa.func.count(Group.id))) == 0
    saved = post_form(client, f"{C}/groups/form", {"seed": "5", "stage": "save"}, f"{C}/groups")
    assert saved.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Group.id))) == 6
    bad = post_form(client, f"{C}/groups/form", {"seed": "1" * 30, "stage": "preview"}, f"{C}/groups")
    assert bad.status_code == 302
    wang = _user("wang.fang@example.org")
    target = next(v.group for v in groups.groups_of(cohort, scored=False) if wang not in v.members)
    moved = post_form(client, f"{C}/groups/move", {"user_id": wang.id, "group_id": target.id}, f"{C}/groups")
    assert moved.status_code == 302
    assert groups.group_of(cohort, wang).id == target.id


def test_upload_download_and_grade_in_the_browser(cohort, client, app):
    _formed(cohort)
    lan = _user("lan.nguyen@example.org")
    group = _group_of(cohort, lan.email)
    log_in_as(client, lan.id)
    page = client.get(f"{C}/project").get_data(as_text=True)
    assert "Final group project: a DPG use case" in page and "Wed 27 Nov 2024, 21:00" in page  # Asia/Ho_Chi_Minh
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"{C}/project/upload", data={"csrf_token": token, "file": (io.BytesIO(PDF), "kế hoạch.pdf")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "Version 1 uploaded" in response.get_data(as_text=True)
    submission = db.session.execute(sa.select(Submission)).scalar_one()
    download = client.get(f"/submissions/{submission.id}/download")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    stranger = next(u for u in groups.participants(cohort) if u not in groups.members_of(group))
    log_in_as(client, stranger.id)
    assert client.get(f"/submissions/{submission.id}/download").status_code == 403
    log_in_as(client, _user("ines@example.org").id)
    assert client.get(f"/submissions/{submission.id}/download").status_code == 200
    graded = post_form(client, f"{C}/groups/{group.id}/grade", {"level": "excellent", "feedback": "Clear.",
                                                                "release": "yes"})
    assert graded.status_code == 302
    grade = db.session.execute(sa.select(ProjectGrade)).scalar_one()
    assert grade.level == "excellent" and grade.released
    log_in_as(client, lan.id)
    assert "<strong>excellent</strong> (60" in client.get(f"{C}/project").get_data(as_text=True)
    assert "60" in client.get(f"{C}/my-grades").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(PeerComment.id))) == 0
