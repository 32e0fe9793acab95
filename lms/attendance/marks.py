"""Participation marks and the attendance overview, with the points each feeds into its
grading component (per the course file's policy)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from lms.attendance import rules
from lms.attendance.models import AttendanceRecord, ParticipationMark
from lms.attendance.services import participants
from lms.auth.models import User
from lms.cohorts.models import Cohort
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.time import utcnow
from lms.courses.serialise import attendance_from_json, grading_from_json
from lms.courses.spec import ComponentSpec
from lms.sessions.models import Session, SessionStatus


def component(cohort: Cohort, policy: str) -> ComponentSpec | None:
    """The grading component with ``policy`` (attendance, marks …), if the course has one."""
    if not cohort.course.grading:
        return None
    return next((c for c in grading_from_json(cohort.course.grading).components if c.policy == policy), None)


def held_sessions(cohort: Cohort) -> list[Session]:
    return list(db.session.execute(
        db.select(Session).where(Session.cohort_id == cohort.id, Session.status == SessionStatus.SCHEDULED)
        .order_by(Session.starts_at)).scalars())


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
    setup = participation_setup(cohort)
    if user_id not in {u.id for u in participants(cohort)}:
        raise ValidationError("Only the cohort's participants get participation marks.")
    if (setup.per == "session") != (session_id is not None) or (
            session_id is not None and session_id not in {s.id for s in setup.sessions}):
        raise ValidationError(f"This course gives participation marks per {setup.per}.")
    if points is not None and (not points.is_finite() or not Decimal(0) <= points <= setup.mark_max):
        raise ValidationError(f"A participation mark is between 0 and {setup.mark_max} points, not {points}.")
    existing = marks_of(cohort).get((user_id, session_id))
    if points is None:
        if existing is None:
            return False
        db.session.delete(existing)
        db.session.flush()
        return True
    if existing is not None and (existing.points, existing.note) == (points, note.strip()):
        return False
    if existing is None:
        existing = ParticipationMark(cohort_id=cohort.id, user_id=user_id, session_id=session_id, points=points)
        db.session.add(existing)
    existing.points, existing.note, existing.grader_id, existing.updated_at = points, note.strip(), grader.id, utcnow()
    db.session.flush()
    return True


@dataclass
class PersonRow:
    user: User
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


def overview(cohort: Cohort) -> Overview:
    """Participants × held sessions, with rates and component points; four queries whatever
    the cohort's size."""
    sessions = held_sessions(cohort)
    people = participants(cohort)
    records = db.session.execute(
        db.select(AttendanceRecord.user_id, AttendanceRecord.session_id, AttendanceRecord.status)
        .where(AttendanceRecord.session_id.in_([s.id for s in sessions]))).all()
    status = {(uid, sid): st.value for uid, sid, st in records}
    marks = marks_of(cohort)
    policy = attendance_from_json(cohort.course.attendance_policy)
    attendance_spec, participation_spec = component(cohort, "attendance"), component(cohort, "marks")
    maximum = Fraction(attendance_spec.max_points) if attendance_spec else Fraction(0)
    rows = []
    for person in people:
        statuses = [status.get((person.id, s.id), "") for s in sessions]
        recorded = [s or rules.ABSENT for s in statuses]
        points = rules.attendance_points(recorded, maximum, policy=policy.policy, late_counts=policy.late_counts,
                                         late_weight=Fraction(policy.late_weight))
        own_marks = [m.points for (uid, _), m in marks.items() if uid == person.id]
        participation = sum(own_marks, Decimal(0)) if own_marks else None
        if participation is not None and participation_spec:
            participation = min(participation, participation_spec.max_points)
        rows.append(PersonRow(person, statuses, sum(1 for s in statuses if s in (rules.PRESENT, rules.LATE)),
                              sum(1 for s in statuses if s and s != rules.EXCUSED), points, participation))
    return Overview(sessions, rows, attendance_spec.max_points if attendance_spec else None,
                    participation_spec.max_points if participation_spec else None)
