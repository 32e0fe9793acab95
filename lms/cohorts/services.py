"""Cohorts and memberships."""
from __future__ import annotations

from dataclasses import dataclass

from lms.auth.models import User
from lms.cohorts.models import Cohort, Membership, Role
from lms.courses.models import Course
from lms.core.db import db
from lms.core.errors import NotFoundError


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


def members(cohort: Cohort) -> list[tuple[User, Role]]:
    """Everyone in ``cohort`` with each role, staff first then by name; one query."""
    rows = db.session.execute(
        db.select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == cohort.id)
        .order_by(User.name, User.id)
    ).all()
    return sorted(((u, r) for u, r in rows), key=lambda pair: ROLE_ORDER[pair[1]])


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
