"""Cohorts and memberships."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from lms.audit.services import record_event
from lms.auth.models import User
from lms.cohorts.models import Cohort, CohortStatus, Membership, Role, new_stamp
from lms.core.db import db, json_rows
from lms.core.errors import CohortFinalisedError, NotFoundError, ValidationError
from lms.core.signals import members_changed
from lms.core.text import check_single_line
from lms.courses.models import Course
from lms.sessions.models import Session, SessionStatus


@dataclass(frozen=True)
class CohortRoles:
    #: A light row with the cohort's ``id``, ``slug``, ``title`` and ``course_title``.
    cohort: Any
    roles: tuple[Role, ...]


ROLE_ORDER = {Role.COORDINATOR: 0, Role.INSTRUCTOR: 1, Role.PARTICIPANT: 2}


@functools.cache
def _cohorts_of_statement() -> sa.Select[Any]:
    return (sa.select(Cohort.id, Cohort.slug, Cohort.title, Course.title.label("course_title"), Membership.role)
            .join(Membership, Membership.cohort_id == Cohort.id)
            .join(Course, Course.id == Cohort.course_id)
            .where(Membership.user_id == sa.bindparam("user_id"))
            .order_by(Cohort.created_at.desc(), Cohort.id.desc()))


def cohorts_of(user: User) -> list[CohortRoles]:
    """The cohorts ``user`` belongs to with their roles, newest first; one query, light rows
    (the dashboard shows titles only: no course file to load)."""
    found: dict[int, tuple[Any, list[Role]]] = {}
    for row in db.session.execute(_cohorts_of_statement(), {"user_id": user.id}):
        found.setdefault(row.id, (row, []))[1].append(row.role)
    return [CohortRoles(c, tuple(sorted(r, key=ROLE_ORDER.__getitem__))) for c, r in found.values()]


@functools.cache
def _cohort_statement() -> sa.Select[Any]:
    return sa.select(Cohort).where(Cohort.slug == sa.bindparam("slug")).options(db.joinedload(Cohort.course))


#: Every role but the participant's: the teaching team (read by role, as the index is).
STAFF_ROLES = tuple(role for role in Role if role != Role.PARTICIPANT)


def _written(role: Role) -> Any:
    """``role`` as a constant of the SQL text (``'instructor'``), for a statement whose plan
    must fit the role it asks for; its values are the enum's own, never anyone's input."""
    return sa.literal_column(f"'{role.value}'", sa.String)


@functools.cache
def _cohort_page_statement(dialect: str) -> sa.Select[Any]:
    # Each subquery is over this cohort's rows only (correlated with the one cohort row). The
    # participant count is the cohort's own column, kept by the database (Cohort.participant_count;
    # counting the rows read all 5,000 of a large cohort on every visit), read as a column of its
    # own: a Cohort object already in the session would keep the number it was loaded with.
    # The teaching team as one JSON array of [name, role, id], and the schedule as one of
    # [number, title, starts_at, duration_minutes, status]: one row to read and two strings
    # to parse, not an object built for every session.
    # The staff roles are written into the SQL, not bound as parameters: once PostgreSQL plans
    # the prepared statement for any value (after five runs) it cannot tell that staff are a
    # handful of a cohort's rows, and it read every membership and every user of a cohort of
    # 5,000 (3.4 ms instead of 0.05). Not in_(): its list is rewritten at every execution.
    person = (User.name, sa.type_coerce(Membership.role, sa.String), User.id)
    staff = (sa.select(json_rows(dialect, *person)).select_from(Membership)
             .join(User, Membership.user_id == User.id)
             .where(Membership.cohort_id == Cohort.id,
                    sa.or_(*(Membership.role == _written(role) for role in STAFF_ROLES)))
             .correlate(Cohort).scalar_subquery())
    session = (Session.number, Session.title, Session.starts_at, Session.duration_minutes,
               sa.type_coerce(Session.status, sa.String))
    sessions = (sa.select(json_rows(dialect, *session)).where(Session.cohort_id == Cohort.id)
                .correlate(Cohort).scalar_subquery())
    # The course's slug and title as two columns: building a Course object as well (a
    # joinedload) took about a third of this statement's time.
    return (sa.select(Cohort, Cohort.participant_count, staff, sessions, Course.slug, Course.title)
            .join(Course, Course.id == Cohort.course_id).where(Cohort.slug == sa.bindparam("slug")))


@dataclass(frozen=True)
class ScheduledSession:
    """A session as the cohort page's schedule shows it."""

    number: int
    title: str
    starts_at: datetime
    duration_minutes: int
    status: str

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED


def _utc(text: str) -> datetime:
    """A moment as a JSON array carries it: ISO 8601 with its offset (PostgreSQL) or naive
    UTC text (SQLite, as ``UTCDateTime`` stores it)."""
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class StaffMember:
    name: str
    role: Role
    id: int


@dataclass(frozen=True)
class CohortPage:
    cohort: Cohort
    course_slug: str
    course_title: str
    participants: int
    #: Coordinators first, then instructors, each by name.
    staff: list[StaffMember]
    #: The cohort's sessions by start.
    sessions: list[ScheduledSession]


def cohort_page(slug: str) -> CohortPage:
    """The cohort with its course's slug and title, how many participants it has, its
    teaching team and its schedule (``ScheduledSession``): what the cohort page shows, in
    one statement. (``cohort.course`` and ``cohort.sessions`` are read if asked for.)"""
    found = db.session.execute(_cohort_page_statement(db.engine.dialect.name), {"slug": slug}).one_or_none()
    if found is None:
        raise NotFoundError(f"No cohort {slug!r}.")
    cohort, participants, staff, schedule, course_slug, course_title = found
    team = [StaffMember(name, Role(role), uid) for name, role, uid in json.loads(staff or "[]")]
    team.sort(key=lambda m: (ROLE_ORDER[m.role], m.name.casefold(), m.name, m.id))
    sessions = [ScheduledSession(number, title, _utc(starts), minutes, status)
                for number, title, starts, minutes, status in json.loads(schedule or "[]")]
    sessions.sort(key=lambda s: (s.starts_at, s.number))
    return CohortPage(cohort, course_slug, course_title, participants, team, sessions)


def get_cohort(slug: str) -> Cohort:
    cohort = db.session.execute(_cohort_statement(), {"slug": slug}).scalar_one_or_none()
    if cohort is None:
        raise NotFoundError(f"No cohort {slug!r}.")
    return cohort


def lock_cohort(cohort: Cohort) -> None:
    """Make this transaction the cohort's only writer until it commits or rolls back.

    An UPDATE takes a row lock on PostgreSQL and the database's write lock on SQLite (the
    first write of a transaction begins it there), so a rule that reads and then writes
    (capacity, "a finalised cohort is frozen") cannot be beaten by a request running at the
    same moment: the second one waits here and then reads what the first one wrote.

    The UPDATE renews ``grades_stamp``, so whatever this transaction writes under the lock is
    seen as new by anything kept by the stamp (the gradebook's standings).
    """
    db.session.execute(sa.update(Cohort).where(Cohort.id == cohort.id).values(grades_stamp=new_stamp())
                       .execution_options(synchronize_session=False))


def ensure_open(cohort: Cohort, what: str = "", lock: bool = True) -> None:
    """The one check of the rule "once a cohort is finalised, nothing that feeds a grade
    changes": every service that writes marks, attendance, participation, sessions or
    participants calls it first. Raises :class:`CohortFinalisedError` until a coordinator
    reopens the cohort with a reason. Reads the status under the cohort's lock, so a write
    racing the finalising either lands before it (and is in the results) or is refused.

    ``lock=False`` reads the status without taking the cohort's lock, for a write that
    feeds no grade by itself and must not queue behind every other participant's: a quiz
    answer saved into an attempt under way (the attempt's score reaches the gradebook only
    when it is submitted, and submitting takes the lock). Such a caller holds its own row's
    lock first; on SQLite that is the database's write lock, so the read is still exact."""
    if lock:
        lock_cohort(cohort)
    status = db.session.execute(sa.select(Cohort.status).where(Cohort.id == cohort.id)).scalar_one()
    if status == CohortStatus.FINALISED:
        raise CohortFinalisedError(what)


def members(cohort: Cohort) -> list[Membership]:
    """Everyone in ``cohort`` with each role, staff first then by name; one query."""
    query = (db.select(Membership).join(User, Membership.user_id == User.id).where(Membership.cohort_id == cohort.id)
             .options(db.contains_eager(Membership.user)).order_by(User.name, User.id))
    rows = db.session.execute(query).scalars().all()
    return sorted(rows, key=lambda m: ROLE_ORDER[m.role])


def add_member(cohort: Cohort, user: User, role: Role, actor: User | None = None) -> Membership:
    """Give ``user`` ``role`` in ``cohort``; returns the existing row when already there.
    Adding a participant changes the gradebook, so it is refused on a finalised cohort."""
    if role == Role.PARTICIPANT:
        ensure_open(cohort, "its participants")
    existing = db.session.execute(
        db.select(Membership).where(
            Membership.cohort_id == cohort.id, Membership.user_id == user.id, Membership.role == role
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    membership = Membership(cohort=cohort, user=user, role=role)
    db.session.add(membership)
    db.session.flush()
    record_event(actor, "membership.add", "membership", membership.id, cohort_id=cohort.id,
                 after={"user_id": user.id, "email": user.email, "role": role.value})
    members_changed.send(cohort)
    return membership


@functools.cache
def _participant_count_statement() -> sa.Select[Any]:
    return sa.select(sa.func.count(Membership.id)).where(Membership.cohort_id == sa.bindparam("cohort_id"),
                                                         Membership.role == Role.PARTICIPANT)


def participant_count(cohort: Cohort) -> int:
    return db.session.execute(_participant_count_statement(), {"cohort_id": cohort.id}).scalar_one()


@dataclass(frozen=True)
class Enrolment:
    email: str
    name: str
    role: Role
    country: str | None = None
    organisation: str | None = None
    #: IANA zone; for a new account (else the cohort's), or an existing one still on UTC.
    timezone: str | None = None
    #: Self-described; set when the account has none yet.
    gender: str | None = None


@dataclass(frozen=True)
class Enrolled:
    user: User
    created: bool
    #: False when the person already had this role (nothing changed).
    added: bool


def _seats_message(cohort: Cohort, free: int, wanted: int) -> str:
    if free <= 0:
        return f"The cohort is full: all {cohort.capacity} participant places are taken."
    return (f"Only {free} of the cohort's {cohort.capacity} participant places {'is' if free == 1 else 'are'} free, "
            f"and this would add {wanted} participants.")


def enrol_people(cohort: Cohort, people: list[Enrolment], actor: User | None = None) -> list[Enrolled]:
    """Give each person their role in ``cohort``, creating accounts (with a set-password
    e-mail) for new addresses. Refuses the whole list when participants would exceed the
    capacity, or a new account has no name. The capacity is counted under the cohort's
    lock, so requests arriving together cannot overfill it."""
    from lms.auth.services import Profile, find_user_by_email, normalise_email, register_user, send_password_link

    if any(p.role == Role.PARTICIPANT for p in people):
        ensure_open(cohort, "its participants")
    else:
        lock_cohort(cohort)
    people = [replace(p, email=normalise_email(p.email)) for p in people]
    accounts = {p.email: find_user_by_email(p.email) for p in people}
    held = {email: _roles(cohort, user) if user else set() for email, user in accounts.items()}
    new_participants = 0
    for person in people:
        check_single_line(person.name, f"The name for {person.email}")
        check_single_line(person.organisation or "", f"The organisation for {person.email}")
        if accounts[person.email] is None and not person.name.strip():
            raise ValidationError(f"{person.email} has no account yet: give their full name.")
        if person.role == Role.PARTICIPANT and Role.PARTICIPANT not in held[person.email]:
            new_participants += 1
    free = cohort.capacity - participant_count(cohort)
    if new_participants > free:
        raise ValidationError(_seats_message(cohort, free, new_participants))
    results = []
    for person in people:
        user = accounts[person.email]
        created = user is None
        if user is None:
            user = register_user(person.email, None, Profile(person.name, person.country, person.organisation,
                                                             person.timezone or cohort.timezone))
            send_password_link(user, "welcome", cohort.title)
            accounts[person.email] = user
        elif person.timezone and user.timezone == "UTC":
            user.timezone = person.timezone
        if person.gender and not user.gender:
            user.gender = person.gender.strip()
        added = person.role not in held[person.email]
        add_member(cohort, user, person.role, actor)
        held[person.email].add(person.role)
        results.append(Enrolled(user, created, added))
    return results


def _roles(cohort: Cohort, user: User) -> set[Role]:
    return set(db.session.execute(
        db.select(Membership.role).where(Membership.cohort_id == cohort.id, Membership.user_id == user.id)
    ).scalars())


def certificate_held(cohort: Cohort, user: User) -> str | None:
    """The code of ``user``'s valid certificate for ``cohort``, if they hold one."""
    from lms.certificates.models import Certificate

    return db.session.execute(sa.select(Certificate.code).where(
        Certificate.cohort_id == cohort.id, Certificate.user_id == user.id, Certificate.revoked_at.is_(None))
    ).scalar_one_or_none()


def certified_users(cohort: Cohort) -> set[int]:
    """Ids of the people holding a valid certificate of ``cohort``; one query."""
    from lms.certificates.models import Certificate

    return set(db.session.execute(sa.select(Certificate.user_id).where(
        Certificate.cohort_id == cohort.id, Certificate.revoked_at.is_(None))).scalars())


def remove_member(cohort: Cohort, membership_id: int, actor: User | None = None,
                  reason: str = "") -> tuple[str, Role]:
    """Take one role away from one person; returns their name and the role. A cohort
    always keeps at least one coordinator. Participants leave the gradebook, so removing
    one is refused on a finalised cohort, and removing someone who holds a certificate
    needs a reason (the certificate stays valid and listed until it is revoked)."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.cohort_id != cohort.id:
        raise NotFoundError("No such membership in this cohort.")
    code = None
    if membership.role == Role.PARTICIPANT:
        ensure_open(cohort, "its participants")
        code = certificate_held(cohort, membership.user)
        if code and not reason.strip():
            raise ValidationError(f"{membership.user.name} holds certificate {code}. Give a reason to remove them; "
                                  "the certificate stays valid and listed until you revoke it.")
    if membership.role == Role.COORDINATOR:
        coordinators = db.session.execute(db.select(db.func.count(Membership.id)).where(
            Membership.cohort_id == cohort.id, Membership.role == Role.COORDINATOR)).scalar_one()
        if coordinators == 1:
            raise ValidationError(f"{membership.user.name} is the cohort's only coordinator. Add another "
                                  "coordinator first.")
    removed = (membership.user.name, membership.role)
    record_event(actor, "membership.remove", "membership", membership.id, cohort_id=cohort.id,
                 before={"user_id": membership.user_id, "email": membership.user.email, "role": membership.role.value,
                         "certificate": code},
                 after={"reason": reason.strip()} if reason.strip() else None)
    db.session.delete(membership)
    db.session.flush()
    members_changed.send(cohort)
    return removed
