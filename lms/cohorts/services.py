"""Cohorts and memberships."""
from __future__ import annotations

from dataclasses import dataclass, replace

from lms.auth.models import User
from lms.cohorts.models import Cohort, Membership, Role
from lms.core.db import db
from lms.core.errors import NotFoundError, ValidationError
from lms.core.text import check_single_line
from lms.courses.models import Course


@dataclass(frozen=True)
class CohortRoles:
    cohort: Cohort
    roles: tuple[Role, ...]


ROLE_ORDER = {Role.COORDINATOR: 0, Role.INSTRUCTOR: 1, Role.PARTICIPANT: 2}


def cohorts_of(user: User) -> list[CohortRoles]:
    """The cohorts ``user`` belongs to with their roles, newest first; one query."""
    rows = db.session.execute(
        db.select(Cohort, Membership.role)
        .join(Membership, Membership.cohort_id == Cohort.id)
        .join(Course, Course.id == Cohort.course_id)
        .where(Membership.user_id == user.id)
        .options(db.contains_eager(Cohort.course))
        .order_by(Cohort.created_at.desc(), Cohort.id.desc())
    ).all()
    found: dict[int, tuple[Cohort, list[Role]]] = {}
    for cohort, role in rows:
        found.setdefault(cohort.id, (cohort, []))[1].append(role)
    return [CohortRoles(c, tuple(sorted(r, key=ROLE_ORDER.__getitem__))) for c, r in found.values()]


def get_cohort(slug: str) -> Cohort:
    cohort = db.session.execute(
        db.select(Cohort).where(Cohort.slug == slug).options(db.joinedload(Cohort.course))
    ).scalar_one_or_none()
    if cohort is None:
        raise NotFoundError(f"No cohort {slug!r}.")
    return cohort


def members(cohort: Cohort) -> list[Membership]:
    """Everyone in ``cohort`` with each role, staff first then by name; one query."""
    rows = db.session.execute(
        db.select(Membership)
        .join(User, Membership.user_id == User.id)
        .where(Membership.cohort_id == cohort.id)
        .options(db.contains_eager(Membership.user))
        .order_by(User.name, User.id)
    ).scalars().all()
    return sorted(rows, key=lambda m: ROLE_ORDER[m.role])


def add_member(cohort: Cohort, user: User, role: Role) -> Membership:
    """Give ``user`` ``role`` in ``cohort``; returns the existing row when already there."""
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
    return membership


def participant_count(cohort: Cohort) -> int:
    return db.session.execute(
        db.select(db.func.count(Membership.id)).where(Membership.cohort_id == cohort.id,
                                                      Membership.role == Role.PARTICIPANT)
    ).scalar_one()


@dataclass(frozen=True)
class Enrolment:
    email: str
    name: str
    role: Role
    country: str | None = None
    organisation: str | None = None


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


def enrol_people(cohort: Cohort, people: list[Enrolment]) -> list[Enrolled]:
    """Give each person their role in ``cohort``, creating accounts (with a set-password
    e-mail) for new addresses. Refuses the whole list when participants would exceed the
    capacity, or a new account has no name."""
    from lms.auth.services import Profile, find_user_by_email, normalise_email, register_user, send_password_link

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
                                                             cohort.timezone))
            send_password_link(user, "welcome", cohort.title)
            accounts[person.email] = user
        added = person.role not in held[person.email]
        add_member(cohort, user, person.role)
        held[person.email].add(person.role)
        results.append(Enrolled(user, created, added))
    return results


def _roles(cohort: Cohort, user: User) -> set[Role]:
    return set(db.session.execute(
        db.select(Membership.role).where(Membership.cohort_id == cohort.id, Membership.user_id == user.id)
    ).scalars())


def remove_member(cohort: Cohort, membership_id: int) -> tuple[str, Role]:
    """Take one role away from one person; returns their name and the role. A cohort
    always keeps at least one coordinator."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.cohort_id != cohort.id:
        raise NotFoundError("No such membership in this cohort.")
    if membership.role == Role.COORDINATOR:
        coordinators = db.session.execute(db.select(db.func.count(Membership.id)).where(
            Membership.cohort_id == cohort.id, Membership.role == Role.COORDINATOR)).scalar_one()
        if coordinators == 1:
            raise ValidationError(f"{membership.user.name} is the cohort's only coordinator. Add another "
                                  "coordinator first.")
    removed = (membership.user.name, membership.role)
    db.session.delete(membership)
    db.session.flush()
    return removed
