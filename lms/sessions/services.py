"""Scheduling a cohort's live sessions: create, reschedule, cancel, with the rules that
keep a timetable sane (end after start, no overlap, https join links)."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from lms.audit.services import record_event
from lms.auth.models import User
from lms.cohorts.models import Cohort
from lms.cohorts.services import ensure_open
from lms.core.db import db
from lms.core.errors import NotFoundError, ValidationError
from lms.core.localtime import LocalTimeError, to_utc
from lms.core.signals import session_changed
from lms.core.time import is_time_zone, utcnow
from lms.sessions.models import Session, SessionStatus

HTTPS_RE = re.compile(r"^https://[^\s/$.?#][^\s]*$")


@dataclass(frozen=True)
class SessionPlan:
    """What a person typed: a day and wall-clock times in ``zone``."""

    title: str
    day: date
    start: time
    end: time
    zone: str
    join_url: str = ""
    topics: tuple[str, ...] = ()


def get_session(cohort: Cohort, number: int) -> Session:
    session = db.session.execute(
        db.select(Session).where(Session.cohort_id == cohort.id, Session.number == number)
    ).scalar_one_or_none()
    if session is None:
        raise NotFoundError(f"No session {number} in {cohort.slug}.")
    # The cohort is already loaded: no second query for it when the caller lets go of ``cohort``.
    set_committed_value(session, "cohort", cohort)
    return session


@functools.cache
def _session_at_statement(with_materials: bool) -> sa.Select[Any]:
    query = (sa.select(Session).join(Cohort, Cohort.id == Session.cohort_id)
             .where(Cohort.slug == sa.bindparam("slug"), Session.number == sa.bindparam("number")))
    if not with_materials:
        return query.options(contains_eager(Session.cohort).joinedload(Cohort.course))
    # The session page: its materials joined, and not the course (the page shows nothing of
    # it, and it was an object more to build on every visit).
    return query.options(contains_eager(Session.cohort), joinedload(Session.materials))


def get_session_at(slug: str, number: int, with_materials: bool = False) -> Session:
    """Session ``number`` of the cohort ``slug`` with its cohort and course (and materials),
    in one statement; NotFoundError when either does not exist."""
    session = db.session.execute(_session_at_statement(with_materials),
                                 {"slug": slug, "number": number}).unique().scalar_one_or_none()
    if session is None:
        raise NotFoundError(f"No session {number} in {slug}.")
    return session


def _times(plan: SessionPlan) -> tuple[datetime, int]:
    problems = []
    if not plan.title.strip():
        problems.append("Give the session a title.")
    if not is_time_zone(plan.zone):
        problems.append(f"{plan.zone!r} is not a known time zone.")
    if plan.join_url and not HTTPS_RE.match(plan.join_url.strip()):
        problems.append("The join link must be an https:// address.")
    if plan.end <= plan.start:
        problems.append("The end must be after the start.")
    if problems:
        raise ValidationError(problems)
    try:
        starts = to_utc(datetime.combine(plan.day, plan.start), plan.zone)
        ends = to_utc(datetime.combine(plan.day, plan.end), plan.zone)
    except LocalTimeError as error:
        if error.repeated:
            raise ValidationError(f"{plan.start:%H:%M} on {plan.day:%d %b %Y} happens twice in {plan.zone} (the clocks "
                                  "go back that night). Give the times in UTC instead: choose UTC as the time zone."
                                  ) from None
        raise ValidationError(str(error)) from None
    return starts, int((ends - starts) / timedelta(minutes=1))


def _check_overlap(cohort: Cohort, starts: datetime, minutes: int, ignore: Session | None) -> None:
    ends = starts + timedelta(minutes=minutes)
    others = db.session.execute(
        db.select(Session).where(Session.cohort_id == cohort.id, Session.status == SessionStatus.SCHEDULED)
    ).scalars()
    for other in others:
        if other is not ignore and other.starts_at < ends and starts < other.ends_at:
            raise ValidationError(f"This overlaps session {other.number}, “{other.title}”. Choose another time.")


def session_state(session: Session) -> dict[str, object]:
    """What a session audit event records before and after a change."""
    return {"number": session.number, "title": session.title, "starts_at": session.starts_at.isoformat(),
            "duration_minutes": session.duration_minutes, "status": session.status.value}


def audit_session(actor: User | None, action: str, session: Session, before: dict[str, object] | None) -> None:
    """``session.create``, ``.move``, ``.update``, ``.cancel`` or ``.restore``, from the browser
    or (``actor`` None) a course file."""
    record_event(actor, action, "session", session.id, cohort_id=session.cohort_id, before=before,
                 after=session_state(session))
    db.session.flush()
    # Members are told and reminders follow the session (lms/sessions/jobs.py), in this transaction.
    session_changed.send(session, action=action, before=before)


def create_session(cohort: Cohort, plan: SessionPlan, actor: User | None = None) -> Session:
    """A new session; it counts for attendance, so a finalised cohort refuses it."""
    starts, minutes = _times(plan)
    ensure_open(cohort, "its sessions")
    _check_overlap(cohort, starts, minutes, None)
    number = (db.session.execute(
        db.select(db.func.max(Session.number)).where(Session.cohort_id == cohort.id)).scalar() or 0) + 1
    session = Session(cohort=cohort, number=number, title=plan.title.strip(), topics=list(plan.topics),
                      starts_at=starts, duration_minutes=minutes, join_url=plan.join_url.strip(), sequence=0)
    db.session.add(session)
    db.session.flush()
    audit_session(actor, "session.create", session, None)
    return session


def update_session(session: Session, plan: SessionPlan, actor: User | None = None) -> bool:
    """Change a session; returns True when its time moved (calendars then see a higher
    SEQUENCE on the same UID). On a finalised cohort the title, topics and join link may
    still be corrected, but the session cannot move."""
    starts, minutes = _times(plan)
    if session.is_cancelled:
        raise ValidationError("This session is cancelled; restore it before changing it.")
    moved = (session.starts_at, session.duration_minutes) != (starts, minutes)
    if moved:
        ensure_open(session.cohort, "its sessions' times")
    _check_overlap(session.cohort, starts, minutes, session)
    before = session_state(session)
    changed = moved or (session.title, session.join_url, session.topics) != (
        plan.title.strip(), plan.join_url.strip(), list(plan.topics))
    session.title = plan.title.strip()
    session.join_url = plan.join_url.strip()
    session.topics = list(plan.topics)
    session.starts_at, session.duration_minutes = starts, minutes
    if changed:
        session.sequence += 1
        session.updated_at = utcnow()
        audit_session(actor, "session.move" if moved else "session.update", session, before)
    db.session.flush()
    return moved


def cancel_session(session: Session, actor: User | None = None) -> None:
    """Cancel; a cancelled session no longer counts for attendance, so a finalised cohort
    refuses it."""
    if session.is_cancelled:
        return
    ensure_open(session.cohort, "its sessions")
    before = session_state(session)
    session.status = SessionStatus.CANCELLED
    session.sequence += 1
    session.updated_at = utcnow()
    audit_session(actor, "session.cancel", session, before)
    db.session.flush()


def restore_session(session: Session, actor: User | None = None) -> None:
    if not session.is_cancelled:
        return
    ensure_open(session.cohort, "its sessions")
    _check_overlap(session.cohort, session.starts_at, session.duration_minutes, session)
    before = session_state(session)
    session.status = SessionStatus.SCHEDULED
    session.sequence += 1
    session.updated_at = utcnow()
    audit_session(actor, "session.restore", session, before)
    db.session.flush()
