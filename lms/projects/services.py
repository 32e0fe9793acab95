"""The group project: its settings, submissions (versions, never overwritten), grades by
level with per-member overrides, and peer comments on presentations.

A grade is given to the people who are members of the group when it is given; they keep it
when they move. Once released it reaches the gradebook (``lms.gradebook.services``) as each
member's mark for the course's ``levels`` component, unless a mark was entered by hand."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app

from lms.audit.services import record_event
from lms.auth.models import User
from lms.cohorts.models import Cohort
from lms.cohorts.services import ensure_open
from lms.core.db import db
from lms.core.errors import NotFoundError, ValidationError
from lms.core.text import check_single_line
from lms.core.time import utcnow
from lms.courses.spec import LATE_UPLOADS, ComponentSpec
from lms.groups.models import Group, GroupMember
from lms.projects.models import PeerComment, ProjectGrade, ProjectGradeMember, ProjectSetting, Submission
from lms.projects.storage import display_name, read_limited, storage
from lms.sessions.materials import upload_limits
from lms.sessions.models import Session, SessionStatus

COMMENT_MAX = 1000
FEEDBACK_MAX = 10_000


@dataclass(frozen=True)
class Project:
    """A cohort's project as shown: saved settings, or the course file's defaults."""

    title: str
    brief: str
    deliverables: tuple[str, ...]
    due_at: datetime | None
    presentation: Session | None
    late_policy: str
    #: name → (points, description), lowest first.
    levels: tuple[tuple[str, Decimal, str], ...]
    saved: bool


def levels_component(cohort: Cohort) -> ComponentSpec:
    """The grading component with policy ``levels`` (``final_project`` in the ITU course)."""
    scheme = cohort.course.grading_spec
    found = [c for c in (scheme.components if scheme else ()) if c.policy == "levels"]
    if not found:
        raise ValidationError("The course file's grading scheme has no component with policy \"levels\" "
                              "for the project.")
    return found[0]


def project_of(cohort: Cohort) -> Project:
    """What the cohort's project is; reads, never writes."""
    spec = cohort.course.project or {}
    setting = db.session.execute(sa.select(ProjectSetting).where(ProjectSetting.cohort_id == cohort.id)
                                 ).scalar_one_or_none()
    held = [s for s in cohort.sessions if s.status == SessionStatus.SCHEDULED]
    presentation: Session | None = None
    if setting is not None and setting.presentation_session_id:
        presentation = next((s for s in cohort.sessions if s.id == setting.presentation_session_id), None)
    elif spec.get("presentation_session"):
        presentation = next((s for s in held if s.number == spec["presentation_session"]), None)
    elif held:
        presentation = max(held, key=lambda s: s.number)
    descriptions = {lv["name"]: lv.get("description", "") for lv in spec.get("levels", [])}
    try:
        levels = tuple((name, points, descriptions.get(name, "")) for name, points in levels_component(cohort).levels)
    except ValidationError:
        levels = ()
    if setting is not None:
        return Project(setting.title or spec.get("title", ""), setting.brief, tuple(spec.get("deliverables", [])),
                       setting.due_at, presentation, setting.late_policy, levels, True)
    return Project(spec.get("title", "Group project"), spec.get("brief", ""), tuple(spec.get("deliverables", [])),
                   presentation.starts_at if presentation else None, presentation,
                   spec.get("late_uploads", "flag"), levels, False)


def save_project(cohort: Cohort, *, title: str, brief: str, due_at: datetime | None,
                 presentation_number: int | None, late_policy: str, actor: User | None) -> ProjectSetting:
    """Set the brief, due date, presentation session and late policy (audited): the due
    date decides which uploads are late."""
    ensure_open(cohort, "its project settings")
    check_single_line(title, "The title")
    if not brief.strip():
        raise ValidationError("Write the brief: what the groups are to deliver.")
    if late_policy not in LATE_UPLOADS:
        raise ValidationError(f"Late uploads are either {' or '.join(LATE_UPLOADS)}.")
    presentation = None
    if presentation_number is not None:
        presentation = next((s for s in cohort.sessions if s.number == presentation_number), None)
        if presentation is None:
            raise ValidationError(f"The cohort has no session {presentation_number}.")
    setting = db.session.execute(sa.select(ProjectSetting).where(ProjectSetting.cohort_id == cohort.id)
                                 ).scalar_one_or_none()
    before = _setting_json(setting) if setting else None
    if setting is None:
        setting = ProjectSetting(cohort_id=cohort.id)
        db.session.add(setting)
    setting.title, setting.brief, setting.due_at = title.strip()[:300], brief.strip(), due_at
    setting.presentation_session_id = presentation.id if presentation else None
    setting.late_policy, setting.updated_at = late_policy, utcnow()
    record_event(actor, "project.settings", "cohort", cohort.id, cohort_id=cohort.id, before=before,
                 after=_setting_json(setting))
    db.session.flush()
    return setting


def _setting_json(setting: ProjectSetting) -> dict[str, object]:
    return {"title": setting.title, "due_at": setting.due_at.isoformat() if setting.due_at else None,
            "presentation_session_id": setting.presentation_session_id, "late_policy": setting.late_policy}


# ---- submissions ------------------------------------------------------------------------

def is_member(group: Group, user: User) -> bool:
    return db.session.execute(sa.select(GroupMember.id).where(
        GroupMember.group_id == group.id, GroupMember.user_id == user.id)).first() is not None


def submissions_of(group: Group) -> list[Submission]:
    """Every version, newest first, with who uploaded it; one query."""
    return list(db.session.execute(sa.select(Submission).where(Submission.group_id == group.id)
                                   .options(sa.orm.joinedload(Submission.uploaded_by))
                                   .order_by(Submission.version.desc())).scalars())


def submit_version(cohort: Cohort, group: Group, user: User, stream: BinaryIO, filename: str) -> Submission:
    """A new version of ``group``'s project from one of its members: checked, stored under a
    new name, numbered after the last one, flagged late after the due date (or refused when
    the project says late uploads are refused)."""
    ensure_open(cohort, "its project submissions")  # also serialises versions of one cohort
    if group.cohort_id != cohort.id or not is_member(group, user):
        raise ValidationError("Only the group's members can upload its project.")
    project = project_of(cohort)
    now = utcnow()
    late = project.due_at is not None and now > project.due_at
    if late and project.late_policy == "refuse":
        raise ValidationError(f"The project was due {project.due_at:%d %b %Y %H:%M} UTC; this course does not "
                              "accept late uploads. Ask an instructor.")
    data = read_limited(stream, current_app.config["LMS_PROJECT_MAX_BYTES"])
    shown = display_name(filename)
    # store_upload sees an ASCII name with the same extension: it checks type and content.
    extension = shown.rsplit(".", 1)[-1] if "." in shown else ""
    stored = storage().save(data, f"upload.{extension}" if extension.isascii() and extension else shown,
                            upload_limits())
    last = db.session.execute(sa.select(sa.func.max(Submission.version)).where(Submission.group_id == group.id)
                              ).scalar_one()
    submission = Submission(group_id=group.id, cohort_id=cohort.id, version=(last or 0) + 1,
                            stored_name=stored.stored_name, original_name=shown,
                            content_type=stored.content_type, size_bytes=stored.size_bytes, sha256=stored.sha256,
                            uploaded_by_id=user.id, uploaded_at=now, late=late)
    db.session.add(submission)
    db.session.flush()
    record_event(user, "submission.upload", "submission", submission.id, cohort_id=cohort.id,
                 after={"group": group.name, "version": submission.version, "sha256": stored.sha256,
                        "late": late})
    return submission


def mark_final(cohort: Cohort, submission: Submission, user: User) -> None:
    """The version the group wants graded; one per group."""
    ensure_open(cohort, "its project submissions")
    group = db.session.get(Group, submission.group_id)
    assert group is not None
    if not is_member(group, user):
        raise ValidationError("Only the group's members choose its final version.")
    previous = db.session.execute(sa.select(Submission.version).where(
        Submission.group_id == group.id, Submission.is_final.is_(True))).scalar_one_or_none()
    db.session.execute(sa.update(Submission).where(Submission.group_id == group.id)
                       .values(is_final=Submission.id == submission.id).execution_options(synchronize_session=False))
    db.session.expire_all()
    record_event(user, "submission.final", "submission", submission.id, cohort_id=cohort.id,
                 before={"version": previous}, after={"version": submission.version})
    db.session.flush()


def get_submission(submission_id: int) -> Submission:
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        raise NotFoundError("No such submission.")
    return submission


# ---- grades -----------------------------------------------------------------------------

def _level(cohort: Cohort, name: str) -> tuple[str, Decimal]:
    levels = dict(levels_component(cohort).levels)
    key = name.strip().lower()
    if key not in levels:
        raise ValidationError(f"Choose one of the levels: {', '.join(levels)}.")
    return key, levels[key]


def grade_of(group: Group) -> ProjectGrade | None:
    return db.session.execute(sa.select(ProjectGrade).where(ProjectGrade.group_id == group.id)
                              .options(sa.orm.selectinload(ProjectGrade.members))).scalar_one_or_none()


def grade_group(cohort: Cohort, group: Group, level: str, feedback: str, release: bool,
                actor: User | None) -> ProjectGrade:
    """Give ``group`` a level and feedback. The first grade goes to its members of now; a
    change of level reaches everyone it was given to except those with an override."""
    ensure_open(cohort, "project grades")
    name, points = _level(cohort, level)
    if len(feedback) > FEEDBACK_MAX:
        raise ValidationError(f"The feedback is longer than {FEEDBACK_MAX:,} characters.")
    grade = grade_of(group)
    before = _grade_json(grade) if grade else None
    if grade is None:
        grade = ProjectGrade(group_id=group.id, cohort_id=cohort.id, level=name, points=points)
        db.session.add(grade)
        graded_elsewhere = set(db.session.execute(sa.select(ProjectGradeMember.user_id).where(
            ProjectGradeMember.cohort_id == cohort.id)).scalars())
        member_ids = db.session.execute(sa.select(GroupMember.user_id).where(GroupMember.group_id == group.id)
                                        ).scalars()
        grade.members = [ProjectGradeMember(cohort_id=cohort.id, user_id=uid, level=name, points=points)
                         for uid in member_ids if uid not in graded_elsewhere]
    grade.level, grade.points, grade.feedback = name, points, feedback.strip()
    grade.released = grade.released or release
    grade.graded_by_id, grade.graded_at = getattr(actor, "id", None), utcnow()
    for member in grade.members:
        if member.override_reason is None:
            member.level, member.points = name, points
    after = _grade_json(grade)
    if after != before:
        record_event(actor, "project_grade.set", "group", group.id, cohort_id=cohort.id, before=before, after=after)
    db.session.flush()
    return grade


def _grade_json(grade: ProjectGrade) -> dict[str, object]:
    return {"level": grade.level, "points": str(grade.points), "released": grade.released,
            "members": sorted(m.user_id for m in grade.members)}


def override_member(cohort: Cohort, group: Group, user: User, level: str, reason: str,
                    actor: User | None) -> None:
    """Give one person another level than the group's, with a reason; or (empty ``level``)
    the group's level again. Also how an instructor decides for someone who joined the
    group after it was graded."""
    ensure_open(cohort, "project grades")
    grade = grade_of(group)
    if grade is None:
        raise ValidationError("Grade the group first; then change one member's grade.")
    row = next((m for m in grade.members if m.user_id == user.id), None)
    if row is None and not is_member(group, user):
        raise ValidationError(f"{user.name} is not in this group and was not graded with it.")
    if row is None and db.session.execute(sa.select(ProjectGradeMember.id).where(
            ProjectGradeMember.cohort_id == cohort.id, ProjectGradeMember.user_id == user.id)).first():
        raise ValidationError(f"{user.name} already holds a project grade from another group.")
    before = {"level": row.level, "points": str(row.points), "reason": row.override_reason} if row else None
    if level.strip():
        name, points = _level(cohort, level)
        reason = reason.strip()
        if not reason:
            raise ValidationError(f"Say why {user.name}'s grade differs from the group's.")
        check_single_line(reason, "The reason")
    else:
        name, points, reason = grade.level, grade.points, ""
    if row is None:
        row = ProjectGradeMember(cohort_id=cohort.id, user_id=user.id, level=name, points=points)
        grade.members.append(row)
    row.level, row.points = name, points
    row.override_reason = reason or None
    record_event(actor, "project_grade.override", "user", user.id, cohort_id=cohort.id, before=before,
                 after={"group": group.name, "level": name, "points": str(points), "reason": reason or None})
    db.session.flush()


def release_grade(cohort: Cohort, group: Group, actor: User | None) -> None:
    """Members see the grade and feedback, and it counts in the gradebook."""
    ensure_open(cohort, "project grades")
    grade = grade_of(group)
    if grade is None:
        raise ValidationError("There is no grade to release yet.")
    if not grade.released:
        grade.released = True
        record_event(actor, "project_grade.release", "group", group.id, cohort_id=cohort.id,
                     before={"released": False}, after={"released": True})
    db.session.flush()


@dataclass(frozen=True)
class MemberGrade:
    user: User
    level: str | None
    points: Decimal | None
    reason: str | None
    #: Member now, and when graded.
    current: bool
    graded: bool


def member_grades(group: Group, grade: ProjectGrade | None, members: list[User]) -> list[MemberGrade]:
    """Everyone the grade concerns: current members (graded or, if they joined later, not)
    and former members who keep it."""
    rows = {m.user_id: m for m in (grade.members if grade else [])}
    out = [MemberGrade(u, rows[u.id].level if u.id in rows else None, rows[u.id].points if u.id in rows else None,
                       rows[u.id].override_reason if u.id in rows else None, True, u.id in rows) for u in members]
    current = {u.id for u in members}
    out += [MemberGrade(m.user, m.level, m.points, m.override_reason, False, True)
            for m in rows.values() if m.user_id not in current]
    return out


def released_project_marks(cohort: Cohort, only: User | None = None) -> dict[int, tuple[Decimal, str | None]]:
    """user id → (points, level) of released project grades; what the gradebook adds."""
    query = (sa.select(ProjectGradeMember.user_id, ProjectGradeMember.points, ProjectGradeMember.level)
             .join(ProjectGrade, ProjectGrade.id == ProjectGradeMember.grade_id)
             .where(ProjectGradeMember.cohort_id == cohort.id, ProjectGrade.released.is_(True)))
    if only is not None:
        query = query.where(ProjectGradeMember.user_id == only.id)
    return {uid: (points, level) for uid, points, level in db.session.execute(query).all()}


# ---- peer comments ----------------------------------------------------------------------

def add_comment(cohort: Cohort, group: Group, author: User, body: str) -> PeerComment:
    """A short comment on another group's presentation."""
    body = body.strip()
    if not body:
        raise ValidationError("Write a comment first.")
    if len(body) > COMMENT_MAX:
        raise ValidationError(f"Keep the comment under {COMMENT_MAX:,} characters.")
    if is_member(group, author):
        raise ValidationError("Comment on other groups' presentations, not your own.")
    comment = PeerComment(group_id=group.id, cohort_id=cohort.id, author_id=author.id, body=body)
    db.session.add(comment)
    db.session.flush()
    return comment


def comments_on(group: Group, released_only: bool) -> list[PeerComment]:
    query = (sa.select(PeerComment).where(PeerComment.group_id == group.id)
             .options(sa.orm.joinedload(PeerComment.author)).order_by(PeerComment.created_at, PeerComment.id))
    if released_only:
        query = query.where(PeerComment.released.is_(True))
    return list(db.session.execute(query).scalars())


def release_comments(cohort: Cohort, group: Group, actor: User | None) -> int:
    count = db.session.execute(sa.update(PeerComment).where(PeerComment.group_id == group.id,
                                                            PeerComment.released.is_(False))
                               .values(released=True).execution_options(synchronize_session=False)).rowcount
    if count:
        record_event(actor, "peer_comments.release", "group", group.id, cohort_id=cohort.id,
                     after={"released": count})
    db.session.flush()
    return int(count or 0)
