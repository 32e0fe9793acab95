"""Groups of a cohort: forming them (``formation``), saving, moving people, and the CSV
format ``group,email,name,country,time_zone`` for export and import."""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from lms.audit.services import record_event
from lms.auth.models import User
from lms.cohorts.models import Cohort, Membership, Role
from lms.cohorts.services import ensure_open
from lms.core.csvfiles import CheckedReader
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.text import check_single_line
from lms.core.time import utcnow
from lms.groups.formation import Formation, FormationError, GroupScore, Person, Settings, evaluate, form_groups
from lms.groups.models import Group, GroupMember
from lms.sessions.models import Session

EXPORT_COLUMNS = ("group", "email", "name", "country", "time_zone")


def region_of(code: str | None) -> str | None:
    """The UN M49 region of an ISO country code (``KE`` → Africa), for spreading regions."""
    from lms.core.countries import country

    found = country(code) if code else None
    return found.region if found else None


def participants(cohort: Cohort) -> list[User]:
    """The cohort's participants by name; one query."""
    return list(db.session.execute(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == cohort.id, Membership.role == Role.PARTICIPANT)
        .order_by(User.name, User.id)).scalars())


def person(user: User) -> Person:
    return Person(user.id, user.name, user.timezone or "UTC", user.country, region_of(user.country),
                  user.organisation, user.gender)


def reference_day(cohort: Cohort) -> date:
    """The week groups are formed for: the one leading to the project's presentation (its
    daylight-saving state is the one the groups will meet in), else the cohort's last
    session's, else this week."""
    sessions: Sequence[Session] = [s for s in cohort.sessions]
    if sessions:
        return max(sessions, key=lambda s: s.starts_at).starts_at.date()
    return utcnow().date()


def settings_of(cohort: Cohort) -> Settings:
    course = cohort.course
    if not course.group_min or not course.group_max:
        raise ValidationError(f"The course file of {course.title!r} sets no group sizes "
                              "([groups] min_size and max_size).")
    return Settings(course.group_min, course.group_max, reference_day(cohort))


def propose_groups(cohort: Cohort, seed: int = 0) -> Formation:
    """Balanced groups of the cohort's participants; writes nothing."""
    settings = settings_of(cohort)
    try:
        return form_groups([person(u) for u in participants(cohort)], settings, seed)
    except FormationError as error:
        raise ValidationError(str(error)) from None


@dataclass(frozen=True)
class GroupView:
    group: Group
    members: list[User]
    score: GroupScore | None


def groups_of(cohort: Cohort, scored: bool = True) -> list[GroupView]:
    """Every group with its members (and their balance, for staff); two queries."""
    groups = list(db.session.execute(sa.select(Group).where(Group.cohort_id == cohort.id)
                                     .order_by(Group.name, Group.id)).scalars())
    rows = db.session.execute(
        sa.select(GroupMember.group_id, User).join(User, User.id == GroupMember.user_id)
        .where(GroupMember.cohort_id == cohort.id).order_by(User.name, User.id)).all()
    members: dict[int, list[User]] = {}
    for group_id, user in rows:
        members.setdefault(group_id, []).append(user)
    scores: list[GroupScore | None] = [None] * len(groups)
    if scored and groups and cohort.course.group_min and cohort.course.group_max:
        everyone = [person(u) for _, u in rows]
        listed = [[person(u) for u in members.get(g.id, [])] for g in groups]
        scores = [s if listed[i] else None
                  for i, s in enumerate(evaluate(listed, everyone, settings_of(cohort)))]
    return [GroupView(g, members.get(g.id, []), scores[i]) for i, g in enumerate(groups)]


def group_of(cohort: Cohort, user: User) -> Group | None:
    return db.session.execute(sa.select(Group).join(GroupMember, GroupMember.group_id == Group.id)
                              .where(GroupMember.cohort_id == cohort.id, GroupMember.user_id == user.id)
                              ).scalar_one_or_none()


def members_of(group: Group) -> list[User]:
    return list(db.session.execute(sa.select(User).join(GroupMember, GroupMember.user_id == User.id)
                                   .where(GroupMember.group_id == group.id).order_by(User.name, User.id)).scalars())


def get_group(cohort: Cohort, group_id: int) -> Group | None:
    group = db.session.get(Group, group_id)
    return group if group is not None and group.cohort_id == cohort.id else None


def _has_project_work(cohort: Cohort) -> bool:
    from lms.projects.models import ProjectGrade, Submission

    return bool(db.session.execute(sa.select(sa.literal(1)).where(sa.or_(
        sa.exists().where(Submission.cohort_id == cohort.id),
        sa.exists().where(ProjectGrade.cohort_id == cohort.id)))).first())


def set_groups(cohort: Cohort, assignment: dict[str, list[int]], actor: User | None, how: str) -> list[Group]:
    """Replace the cohort's groups by ``assignment`` (name → user ids, every participant at
    most once). Refused once a group has submitted or been graded: then people are moved one
    by one, so nobody's submissions or grade silently disappear."""
    ensure_open(cohort, "its groups")
    if _has_project_work(cohort):
        raise ValidationError("Groups have already submitted or been graded: move people one by one instead "
                              "of forming new groups.")
    allowed = {u.id for u in participants(cohort)}
    seen: set[int] = set()
    for name, ids in assignment.items():
        check_single_line(name, "A group's name")
        for user_id in ids:
            if user_id not in allowed:
                raise ValidationError(f"Person {user_id} is not a participant of this cohort.")
            if user_id in seen:
                raise ValidationError(f"Person {user_id} is in two groups.")
            seen.add(user_id)
    before = {g.group.name: [u.id for u in g.members] for g in groups_of(cohort, scored=False)}
    db.session.execute(sa.delete(Group).where(Group.cohort_id == cohort.id))
    db.session.flush()
    made = []
    for name, ids in assignment.items():
        group = Group(cohort_id=cohort.id, name=name.strip())
        group.members = [GroupMember(cohort_id=cohort.id, user_id=user_id) for user_id in ids]
        db.session.add(group)
        made.append(group)
    record_event(actor, f"groups.{how}", "cohort", cohort.id, cohort_id=cohort.id, before=before or None,
                 after={name: ids for name, ids in assignment.items()})
    db.session.flush()
    return made


def save_formation(cohort: Cohort, seed: int, actor: User | None) -> list[Group]:
    """Form the groups for ``seed`` (the same as the preview showed) and save them."""
    formation = propose_groups(cohort, seed)
    assignment = {f"Group {i}": [p.key for p in g.members] for i, g in enumerate(formation.groups, start=1)}
    return set_groups(cohort, assignment, actor, "form")


def move_member(cohort: Cohort, user: User, target: Group | None, actor: User | None) -> None:
    """Put ``user`` into ``target`` (or into no group). A grade already given stays with the
    group's members at the time; a newcomer to a graded group is ungraded until an
    instructor decides."""
    ensure_open(cohort, "its groups")
    if target is not None and target.cohort_id != cohort.id:
        raise ValidationError("That group is not in this cohort.")
    if user.id not in {u.id for u in participants(cohort)}:
        raise ValidationError(f"{user.name} is not a participant of this cohort.")
    current = db.session.execute(sa.select(GroupMember).where(
        GroupMember.cohort_id == cohort.id, GroupMember.user_id == user.id)).scalar_one_or_none()
    old = current.group.name if current else None
    if (current.group_id if current else None) == (target.id if target else None):
        return
    if current is not None:
        db.session.delete(current)
        db.session.flush()
    if target is not None:
        db.session.add(GroupMember(group_id=target.id, cohort_id=cohort.id, user_id=user.id))
    record_event(actor, "group.move", "user", user.id, cohort_id=cohort.id, before={"group": old},
                 after={"group": target.name if target else None})
    db.session.flush()


def export_groups(cohort: Cohort) -> str:
    """``group,email,name,country,time_zone``, one line per member."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for view in groups_of(cohort, scored=False):
        for user in view.members:
            writer.writerow([_cell(view.group.name), user.email, _cell(user.name), user.country or "",
                             user.timezone or ""])
    return out.getvalue()


def _cell(value: str) -> str:
    """A spreadsheet would run a cell starting with =, +, - or @ as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def parse_groups_csv(cohort: Cohort, text: str) -> dict[str, list[int]]:
    """Read the export format back, checking every line before anything is written."""
    from lms.auth.services import normalise_email

    reader = CheckedReader(text.lstrip("\ufeff"))
    header = [h.strip().lower() for h in reader.header]
    if "group" not in header or "email" not in header:
        raise ValidationError(f"line 1: the columns must include group and email ({','.join(EXPORT_COLUMNS)})")
    reader.use_header(header)
    by_email = {u.email: u for u in participants(cohort)}
    assignment: dict[str, list[int]] = {}
    seen: dict[int, int] = {}
    problems = []
    for line, raw in reader.numbered():
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        name = row.get("group", "")
        if name[:1] == "'" and name[1:2] in ("=", "+", "-", "@"):  # as export_groups wrote it
            name = name[1:]
        try:
            email = normalise_email(row.get("email", ""))
        except ValidationError as error:
            problems.append(f"line {line}: {error}")
            continue
        user = by_email.get(email)
        if not name:
            problems.append(f"line {line}: the group is empty")
        elif len(name) > 100:
            problems.append(f"line {line}: the group's name is longer than 100 characters")
        if user is None:
            problems.append(f"line {line}: {email} is not a participant of this cohort")
        elif user.id in seen:
            problems.append(f"line {line}: {email} is already in a group on line {seen[user.id]}")
        if user is not None and name and user.id not in seen:
            seen[user.id] = line
            assignment.setdefault(name, []).append(user.id)
    if problems:
        raise ValidationError(problems)
    if not assignment:
        raise ValidationError("the file has no one in it")
    return assignment


def import_groups(cohort: Cohort, text: str, actor: User | None) -> list[Group]:
    return set_groups(cohort, parse_groups_csv(cohort, text), actor, "import")
