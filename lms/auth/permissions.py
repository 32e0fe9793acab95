"""Who may do what. Every view and template asks these predicates; nothing else decides.

Roles are per cohort (coordinator, instructor, participant); a site admin may do
everything. A person's roles are read once per request and kept on ``g``.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, g
from werkzeug.local import LocalProxy

from lms.cohorts.models import Cohort, CohortStatus, Membership, Role
from lms.core.db import db

Predicate = TypeVar("Predicate", bound=Callable[..., Any])


def _unproxied(predicate: Predicate) -> Predicate:
    """Views pass ``current_user``, a proxy that finds the user anew at every attribute read
    (about 2 µs each, and a predicate reads several through the ones it calls): the user it
    stands for is found once, at the outermost predicate."""

    @functools.wraps(predicate)
    def check(user: Any, *args: Any) -> Any:
        if isinstance(user, LocalProxy):
            user = user._get_current_object()
        return predicate(user, *args)

    return check  # type: ignore[return-value]


def _user_id(user: Any) -> int | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.id


@_unproxied
def is_site_admin(user: Any) -> bool:
    return _user_id(user) is not None and bool(user.is_site_admin)


@_unproxied
def roles_in(user: Any, cohort: Cohort) -> frozenset[Role]:
    """The roles ``user`` holds in ``cohort`` (empty for strangers and anonymous users)."""
    uid = _user_id(user)
    if uid is None:
        return frozenset()
    return all_roles(uid).get(cohort.id, frozenset())


def all_roles(user_id: int) -> dict[int, frozenset[Role]]:
    """cohort id → roles, for one person; one query per request."""
    cache: dict[int, dict[int, frozenset[Role]]] = g.setdefault("lms_roles", {})
    if user_id not in cache:
        rows = db.session.execute(
            db.select(Membership.cohort_id, Membership.role).where(Membership.user_id == user_id)
        ).all()
        roles: dict[int, set[Role]] = {}
        for cohort_id, role in rows:
            roles.setdefault(cohort_id, set()).add(role)
        cache[user_id] = {cid: frozenset(r) for cid, r in roles.items()}
    return cache[user_id]


@_unproxied
def is_member(user: Any, cohort: Cohort) -> bool:
    return bool(roles_in(user, cohort))


@_unproxied
def is_staff(user: Any, cohort: Cohort) -> bool:
    """Instructors and coordinators of the cohort, and site admins."""
    return is_site_admin(user) or bool(roles_in(user, cohort) & {Role.INSTRUCTOR, Role.COORDINATOR})


@_unproxied
def can_view_cohort(user: Any, cohort: Cohort) -> bool:
    """Announced cohorts are public (title, schedule, team); drafts only to their people."""
    return cohort.status != CohortStatus.DRAFT or is_site_admin(user) or is_member(user, cohort)


@_unproxied
def can_join(user: Any, cohort: Cohort) -> bool:
    """See the meeting links and member-only files: the cohort's people and site admins."""
    return is_site_admin(user) or is_member(user, cohort)


@_unproxied
def is_participant(user: Any, cohort: Cohort) -> bool:
    """Takes part as a learner (uploads a group's project, comments on presentations)."""
    return Role.PARTICIPANT in roles_in(user, cohort)


@_unproxied
def can_see_people(user: Any, cohort: Cohort) -> bool:
    """The list of everyone in a cohort with e-mails: staff only (participants see names)."""
    return is_staff(user, cohort)


@_unproxied
def can_manage_cohort(user: Any, cohort: Cohort) -> bool:
    """Enrol people, select applicants, finalise: coordinators and site admins."""
    return is_site_admin(user) or Role.COORDINATOR in roles_in(user, cohort)


@_unproxied
def can_teach(user: Any, cohort: Cohort) -> bool:
    """Schedule sessions, take attendance, grade: instructors, coordinators, site admins."""
    return is_staff(user, cohort)


@_unproxied
def can_see_jobs(user: Any) -> bool:
    """The scheduled-work page (jobs, reminders, outbox counts): site admins and anyone who
    coordinates a cohort (they answer "did the reminder go out?")."""
    uid = _user_id(user)
    return uid is not None and (is_site_admin(user) or any(Role.COORDINATOR in r for r in all_roles(uid).values()))


@_unproxied
def can_see_outbox_messages(user: Any) -> bool:
    """Other people's addresses and the reasons their mail failed: site admins only."""
    return is_site_admin(user)


@_unproxied
def is_application_reviewer(user: Any, cohort: Cohort) -> bool:
    """An instructor of ``cohort`` given the reviewer role for its applications."""
    from lms.applications.models import ApplicationReviewer

    uid = _user_id(user)
    if uid is None or Role.INSTRUCTOR not in roles_in(user, cohort):
        return False
    cache: dict[int, bool] = g.setdefault("lms_reviewer", {})
    if cohort.id not in cache:
        cache[cohort.id] = db.session.execute(db.select(ApplicationReviewer.id).where(
            ApplicationReviewer.cohort_id == cohort.id, ApplicationReviewer.user_id == uid)).first() is not None
    return cache[cohort.id]


@_unproxied
def can_review_applications(user: Any, cohort: Cohort) -> bool:
    """Read applications (answers and attachments) and score them: the cohort's
    coordinators, its instructors given the reviewer role, and site admins."""
    return can_manage_cohort(user, cohort) or is_application_reviewer(user, cohort)


def authorize(allowed: bool) -> None:
    """Stop the request with 403 unless ``allowed``."""
    if not allowed:
        abort(403)


#: What templates may call, as ``can.view_cohort(current_user, cohort)``.
TEMPLATE_PREDICATES = {
    "view_cohort": can_view_cohort,
    "join": can_join,
    "see_people": can_see_people,
    "manage_cohort": can_manage_cohort,
    "review_applications": can_review_applications,
    "teach": can_teach,
    "admin": is_site_admin,
    "see_jobs": can_see_jobs,
}
