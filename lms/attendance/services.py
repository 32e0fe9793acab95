"""Attendance: the roll call by hand, the meeting-report import, participation marks,
and the overview. Services flush; the caller commits once."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from lms.attendance import rules
from lms.attendance.models import (
    AttendanceRecord,
    AttendanceSource,
    AttendanceStatus,
    NameMapping,
)
from lms.attendance.report import MeetingReport
from lms.audit.services import record_event
from lms.auth.models import User
from lms.cohorts.models import Cohort, Membership, Role
from lms.cohorts.services import ensure_open
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.localtime import in_zone
from lms.core.time import utcnow
from lms.sessions.models import Session


def participants(cohort: Cohort) -> list[User]:
    return list(db.session.execute(
        db.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == cohort.id, Membership.role == Role.PARTICIPANT).order_by(User.name, User.id)
    ).scalars())


def participant_rows(cohort: Cohort) -> list[sa.Row[tuple[int, str, str]]]:
    """The cohort's participants as light rows (``id``, ``name``, ``email``), for pages
    that list everyone: no ORM objects to build for 5,000 people."""
    return list(db.session.execute(
        sa.select(User.id, User.name, User.email).join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == cohort.id, Membership.role == Role.PARTICIPANT).order_by(User.name, User.id)
    ).all())


def is_participant(cohort: Cohort, user_id: int) -> bool:
    return db.session.execute(sa.select(Membership.id).where(
        Membership.cohort_id == cohort.id, Membership.user_id == user_id, Membership.role == Role.PARTICIPANT)
    ).first() is not None


def records_for(session: Session) -> dict[int, AttendanceRecord]:
    return {r.user_id: r for r in db.session.execute(
        db.select(AttendanceRecord).where(AttendanceRecord.session_id == session.id)).scalars()}


@dataclass(frozen=True)
class RollCallEntry:
    user_id: int
    status: AttendanceStatus
    minutes: int | None = None
    note: str = ""


def save_roll_call(session: Session, entries: list[RollCallEntry], actor: User) -> int:
    """Record statuses set by hand; returns how many records changed. Only the cohort's
    participants can be marked."""
    ensure_open(session.cohort, "its attendance")
    allowed = {u.id for u in participants(session.cohort)}
    stray = [e.user_id for e in entries if e.user_id not in allowed]
    if stray:
        raise ValidationError("Only the cohort's participants can be marked.")
    for entry in entries:
        if entry.minutes is not None and not 0 <= entry.minutes <= session.duration_minutes:
            raise ValidationError(f"Minutes must be between 0 and {session.duration_minutes}.")
    existing = records_for(session)
    changed = 0
    for entry in entries:
        record = existing.get(entry.user_id)
        if record is None:
            record = AttendanceRecord(session_id=session.id, user_id=entry.user_id, source=AttendanceSource.MANUAL,
                                      status=entry.status)
            db.session.add(record)
        elif (record.status, record.minutes, record.note) == (entry.status, entry.minutes, entry.note.strip()):
            continue
        before = _record_state(record) if record.id is not None else None
        record.status, record.minutes, record.note = entry.status, entry.minutes, entry.note.strip()
        _audit_record(actor, "attendance.set", session, entry.user_id, before, record)
        record.source, record.updated_by_id, record.updated_at = AttendanceSource.MANUAL, actor.id, utcnow()
        changed += 1
    db.session.flush()
    return changed


def _record_state(record: AttendanceRecord) -> dict[str, object]:
    return {"status": record.status.value, "minutes": record.minutes, "note": record.note or "",
            "source": record.source.value}


def _audit_record(actor: User | None, action: str, session: Session, user_id: int, before: dict[str, object] | None,
                  record: AttendanceRecord) -> None:
    record_event(actor, action, "attendance", f"{session.id}:{user_id}", cohort_id=session.cohort_id,
                 before=before, after={**_record_state(record), "session": session.number})


# ---- the meeting report -------------------------------------------------------------------

@dataclass
class Line:
    """One participant's outcome in a preview."""

    user: User
    minutes: int
    status: str
    before: str | None
    matched_by: str

    @property
    def changes(self) -> bool:
        return self.before != self.status


@dataclass
class Unmatched:
    name: str
    normalised: str
    minutes: int
    emails: list[str]


@dataclass
class Preview:
    session: Session
    zone: str
    lines: list[Line] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def change_count(self) -> int:
        return sum(1 for line in self.lines if line.changes)


def _to_utc(naive: datetime, zone: str) -> datetime:
    # A report's clock times are read in ``zone``; in a repeated hour the first one is taken.
    return naive.replace(tzinfo=ZoneInfo(zone)).astimezone(ZoneInfo("UTC"))


def preview_report(session: Session, report: MeetingReport, zone: str | None = None,
                   mappings: dict[str, int] | None = None) -> Preview:
    """What importing ``report`` for ``session`` would change, without changing anything.

    Rows are matched to participants by e-mail, then by normalised name, then by a name
    mapping remembered from earlier sessions or given in ``mappings`` (normalised name →
    user id). Staff rows are set aside; the rest are listed as unmatched.
    """
    cohort = session.cohort
    zone = zone or cohort.timezone
    policy = cohort.course.attendance_spec
    preview = Preview(session, zone)
    people = participants(cohort)
    by_email = {u.email: u for u in people}
    by_name = {rules.normalise_name(u.name): u for u in people}
    by_id = {u.id: u for u in people}
    remembered = {m.normalised_name: m.user_id for m in db.session.execute(
        db.select(NameMapping).where(NameMapping.cohort_id == cohort.id)).scalars()}
    remembered.update(mappings or {})
    staff = db.session.execute(
        db.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == cohort.id, Membership.role != Role.PARTICIPANT)).scalars().all()
    staff_emails = {u.email for u in staff}
    staff_names = {rules.normalise_name(u.name) for u in staff}

    intervals: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    how: dict[int, str] = {}
    loose: dict[str, Unmatched] = {}
    loose_intervals: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for row in report.rows:
        span = (_to_utc(row.joined, zone), _to_utc(row.left, zone))
        normalised = rules.normalise_name(row.name)
        user = by_email.get(row.email) if row.email else None
        matched_by = "e-mail"
        if user is None and normalised in by_name:
            user, matched_by = by_name[normalised], "name"
        if user is None and remembered.get(normalised) in by_id:
            user, matched_by = by_id[remembered[normalised]], "mapping"
        if user is None:
            if (row.email and row.email in staff_emails) or normalised in staff_names:
                if row.name not in preview.staff:
                    preview.staff.append(row.name)
                continue
            entry = loose.setdefault(normalised, Unmatched(row.name, normalised, 0, []))
            if row.email and row.email not in entry.emails:
                entry.emails.append(row.email)
            loose_intervals[normalised].append(span)
            continue
        intervals[user.id].append(span)
        how.setdefault(user.id, matched_by)

    start, end = session.starts_at, session.ends_at
    for name, entry in loose.items():
        entry.minutes = rules.attended_seconds(loose_intervals[name], start, end) // 60
    preview.unmatched = sorted(loose.values(), key=lambda u: u.name)

    existing = records_for(session)
    present, late = Fraction(policy.present_share), Fraction(policy.late_share)
    for user in people:
        seconds = rules.attended_seconds(intervals.get(user.id, []), start, end)
        before = existing[user.id].status.value if user.id in existing else None
        status = rules.merge_status(before, rules.status_for(seconds, session.duration_minutes, present, late))
        preview.lines.append(Line(user, seconds // 60, status, before, how.get(user.id, "not in the report")))

    preview.warnings.extend(_date_warnings(session, report, zone))
    return preview


def _date_warnings(session: Session, report: MeetingReport, zone: str) -> list[str]:
    day = in_zone(session.starts_at, zone).date()
    report_days = sorted({r.joined.date() for r in report.rows})
    warnings = []
    if day not in report_days:
        days = ", ".join(f"{d:%d %b %Y}" for d in report_days)
        warnings.append(f"This report is from {days}, but session {session.number} was on {day:%d %b %Y} "
                        f"({zone}). Check that you chose the right session and time zone.")
    elif all(_to_utc(r.left, zone) <= session.starts_at - timedelta(hours=1)
             or _to_utc(r.joined, zone) >= session.ends_at + timedelta(hours=1) for r in report.rows):
        warnings.append(f"Nobody in this report was in the meeting during session {session.number}'s scheduled time "
                        f"({zone}). Check the time zone the report was exported in.")
    return warnings


def apply_preview(preview: Preview, actor: User | None, mappings: dict[str, int] | None = None) -> int:
    """Write a preview's statuses and remember the name mappings used; returns how many
    records changed. One transaction: the caller commits."""
    cohort = preview.session.cohort
    ensure_open(cohort, "its attendance")
    allowed = {line.user.id for line in preview.lines}
    for normalised, user_id in (mappings or {}).items():
        if user_id not in allowed:
            raise ValidationError("A name can only be mapped to a participant of this cohort.")
        mapping = db.session.execute(db.select(NameMapping).where(
            NameMapping.cohort_id == cohort.id, NameMapping.normalised_name == normalised)).scalar_one_or_none()
        before = {"user_id": mapping.user_id} if mapping else None
        if mapping is None:
            db.session.add(NameMapping(cohort_id=cohort.id, normalised_name=normalised, user_id=user_id))
        elif mapping.user_id == user_id:
            continue
        else:
            mapping.user_id = user_id
        record_event(actor, "name_mapping.set", "name_mapping", normalised, cohort_id=cohort.id,
                     before=before, after={"user_id": user_id})
    existing = records_for(preview.session)
    changed = 0
    for line in preview.lines:
        record = existing.get(line.user.id)
        if record is None:
            record = AttendanceRecord(session_id=preview.session.id, user_id=line.user.id, note="",
                                      status=AttendanceStatus(line.status), source=AttendanceSource.MEETING_REPORT)
            db.session.add(record)
        elif (record.status.value, record.minutes) == (line.status, line.minutes):
            continue
        before = _record_state(record) if record.id is not None else None
        record.status, record.minutes = AttendanceStatus(line.status), line.minutes
        record.source, record.updated_at = AttendanceSource.MEETING_REPORT, utcnow()
        record.updated_by_id = actor.id if actor else None
        _audit_record(actor, "attendance.import", preview.session, line.user.id, before, record)
        changed += 1
    db.session.flush()
    return changed
