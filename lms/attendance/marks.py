"""Participation marks and the attendance overview, with the points each feeds into its
grading component (per the course file's policy)."""
from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa

from lms.attendance import rules
from lms.attendance.models import AttendanceRecord, ParticipationMark
from lms.attendance.services import is_participant, participant_rows
from lms.audit.services import record_event
from lms.auth.models import User
from lms.cohorts import kept as keeping
from lms.cohorts.models import Cohort
from lms.cohorts.services import ensure_open
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.time import utcnow
from lms.courses.spec import ComponentSpec
from lms.sessions.models import Session, SessionStatus


def component(cohort: Cohort, policy: str) -> ComponentSpec | None:
    """The grading component with ``policy`` (attendance, marks …), if the course has one."""
    if not cohort.course.grading:
        return None
    return next((c for c in cohort.course.grading_spec.components if c.policy == policy), None)


@functools.cache
def _held_statement() -> sa.Select[Any]:
    return (sa.select(Session).where(Session.cohort_id == sa.bindparam("cohort_id"),
                                     Session.status == SessionStatus.SCHEDULED).order_by(Session.starts_at))


def held_sessions(cohort: Cohort) -> list[Session]:
    return list(db.session.execute(_held_statement(), {"cohort_id": cohort.id}).scalars())


@dataclass(frozen=True)
class ParticipationSetup:
    per: str
    #: The most one mark can give: the component maximum, shared out over the sessions when
    #: marks are per session.
    mark_max: Decimal
    component_max: Decimal
    sessions: tuple[Session, ...]


def participation_setup(cohort: Cohort) -> ParticipationSetup:
    spec = component(cohort, "marks")
    maximum = spec.max_points if spec else Decimal(100)
    per = cohort.course.participation_per
    sessions = tuple(held_sessions(cohort)) if per == "session" else ()
    mark_max = (maximum / len(sessions)).quantize(Decimal("0.01")) if sessions else maximum
    return ParticipationSetup(per, mark_max, maximum, sessions)


def marks_of(cohort: Cohort) -> dict[tuple[int, int | None], ParticipationMark]:
    return {(m.user_id, m.session_id): m for m in db.session.execute(
        db.select(ParticipationMark).where(ParticipationMark.cohort_id == cohort.id)).scalars()}


def set_participation(cohort: Cohort, user_id: int, session_id: int | None, points: Decimal | None, note: str,
                      grader: User) -> bool:
    """Set (or with ``points`` None, clear) one mark; returns True when something changed."""
    ensure_open(cohort, "its participation marks")
    setup = participation_setup(cohort)
    if not is_participant(cohort, user_id):
        raise ValidationError("Only the cohort's participants get participation marks.")
    if (setup.per == "session") != (session_id is not None) or (
            session_id is not None and session_id not in {s.id for s in setup.sessions}):
        raise ValidationError(f"This course gives participation marks per {setup.per}.")
    if points is not None and (not points.is_finite() or not Decimal(0) <= points <= setup.mark_max):
        raise ValidationError(f"A participation mark is between 0 and {setup.mark_max} points, not {points}.")
    existing = db.session.execute(db.select(ParticipationMark).where(
        ParticipationMark.cohort_id == cohort.id, ParticipationMark.user_id == user_id,
        ParticipationMark.session_id.is_(None) if session_id is None else ParticipationMark.session_id == session_id)
    ).scalar_one_or_none()
    before = {"points": str(existing.points), "note": existing.note} if existing else None
    target = f"{user_id}:{session_id or 'course'}"
    if points is None:
        if existing is None:
            return False
        db.session.delete(existing)
        record_event(grader, "participation.clear", "participation", target, cohort_id=cohort.id, before=before)
        db.session.flush()
        return True
    if existing is not None and (existing.points, existing.note) == (points, note.strip()):
        return False
    if existing is None:
        existing = ParticipationMark(cohort_id=cohort.id, user_id=user_id, session_id=session_id, points=points)
        db.session.add(existing)
    existing.points, existing.note, existing.grader_id, existing.updated_at = points, note.strip(), grader.id, utcnow()
    record_event(grader, "participation.set", "participation", target, cohort_id=cohort.id, before=before,
                 after={"points": str(points), "note": note.strip()})
    db.session.flush()
    return True


@dataclass
class PersonRow:
    #: A ``User``, or a light row with its ``id``, ``name`` and ``email``.
    user: Any
    #: status per held session, in session order ("" where nothing is recorded yet)
    statuses: list[str]
    attended: int
    counted: int
    attendance_points: Fraction
    participation_points: Decimal | None

    @property
    def rate(self) -> Fraction | None:
        return Fraction(self.attended, self.counted) if self.counted else None


@dataclass
class Overview:
    sessions: list[Session]
    rows: list[PersonRow]
    attendance_max: Decimal | None
    participation_max: Decimal | None

    def session_rate(self, index: int) -> Fraction | None:
        marked = [r.statuses[index] for r in self.rows if r.statuses[index] and r.statuses[index] != rules.EXCUSED]
        if not marked:
            return None
        return Fraction(sum(1 for s in marked if s in (rules.PRESENT, rules.LATE)), len(marked))


@functools.cache
def _overview_statements() -> tuple[sa.Select[Any], sa.Select[Any]]:
    """Attendance records (the status as its stored text: no enum to build for each of 25,000
    records) and participation marks of a cohort; built once."""
    query = (sa.select(AttendanceRecord.user_id, AttendanceRecord.session_id,
                       sa.type_coerce(AttendanceRecord.status, sa.String))
             .where(AttendanceRecord.session_id.in_(sa.bindparam("sessions", expanding=True))))
    marks_query = sa.select(ParticipationMark.user_id, ParticipationMark.points).where(
        ParticipationMark.cohort_id == sa.bindparam("cohort_id"))
    return query, marks_query


@functools.cache
def _own_statements() -> tuple[sa.Select[Any], sa.Select[Any]]:
    """One person's: the held sessions each with that person's status (None where nothing is
    recorded), and their participation marks."""
    record = sa.and_(AttendanceRecord.session_id == Session.id, AttendanceRecord.user_id == sa.bindparam("user_id"))
    status = sa.type_coerce(AttendanceRecord.status, sa.String).label("status")
    query = (sa.select(Session, status).outerjoin(AttendanceRecord, record)
             .where(Session.cohort_id == sa.bindparam("cohort_id"), Session.status == SessionStatus.SCHEDULED)
             .order_by(Session.starts_at))
    marks_query = sa.select(ParticipationMark.user_id, ParticipationMark.points).where(
        ParticipationMark.cohort_id == sa.bindparam("cohort_id"), ParticipationMark.user_id == sa.bindparam("user_id"))
    return query, marks_query


def overview(cohort: Cohort, only: User | None = None, kept: bool = False) -> Overview:
    """Participants × held sessions, with rates and component points; four queries whatever
    the cohort's size, and work linear in it. With ``only``, that one participant's row,
    read by two queries for that person alone (My grades). With ``kept`` (the overview page),
    the rows computed earlier at the cohort's current ``grades_stamp`` (lms/cohorts/kept.py),
    for the same held sessions and grading, are reused: the page then reads only the sessions
    and who the participants are now (their names fresh), and computes nothing."""
    values: dict[str, Any] = {"cohort_id": cohort.id}
    attendance_spec, participation_spec = component(cohort, "attendance"), component(cohort, "marks")
    maxima = (attendance_spec.max_points if attendance_spec else None,
              participation_spec.max_points if participation_spec else None)
    if only is None:
        sessions = held_sessions(cohort)
        people: list[Any] = participant_rows(cohort)
        at = (cohort.grades_stamp, cohort.course.attendance_spec, attendance_spec, participation_spec,
              tuple(s.id for s in sessions))
        found = keeping.kept(("attendance overview", cohort.id), at) if kept else None
        if found is not None and all(p.id in found for p in people):
            return Overview(sessions, [replace(found[p.id], user=p) for p in people], *maxima)
        query, marks_query = _overview_statements()
        values["sessions"] = [s.id for s in sessions]
        status = {(uid, sid): st for uid, sid, st in db.session.execute(query, values).all()}
    else:
        people, values["user_id"] = [only], only.id
        query, marks_query = _own_statements()
        own = db.session.execute(query, values).all()
        sessions = [session for session, _ in own]
        status = {(only.id, session.id): st for session, st in own if st is not None}
    marks_by_person: dict[int, list[Decimal]] = {}
    for uid, points in db.session.execute(marks_query, values).all():
        marks_by_person.setdefault(uid, []).append(points)
    policy = cohort.course.attendance_spec
    maximum = Fraction(attendance_spec.max_points) if attendance_spec else Fraction(0)
    rows = []
    points_for: dict[tuple[str, ...], Fraction] = {}  # people share few status patterns: compute each once
    for person in people:
        statuses = [status.get((person.id, s.id), "") for s in sessions]
        pattern = tuple(statuses)
        points = points_for.get(pattern)
        if points is None:
            recorded = [s or rules.ABSENT for s in statuses]
            points = points_for[pattern] = rules.attendance_points(
                recorded, maximum, policy=policy.policy, late_counts=policy.late_counts,
                late_weight=Fraction(policy.late_weight))
        own_marks = marks_by_person.get(person.id)
        participation = sum(own_marks, Decimal(0)) if own_marks else None
        if participation is not None and participation_spec:
            participation = min(participation, participation_spec.max_points)
        rows.append(PersonRow(person, statuses, sum(1 for s in statuses if s in (rules.PRESENT, rules.LATE)),
                              sum(1 for s in statuses if s and s != rules.EXCUSED), points, participation))
    if kept and only is None:
        keeping.keep(("attendance overview", cohort.id), at, {row.user.id: replace(row, user=None) for row in rows})
    return Overview(sessions, rows, *maxima)
