"""Attendance: the roll call by hand, the meeting-report import, participation marks,
and the overview. Services flush; the caller commits once."""
from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from lms.attendance import rules
from lms.attendance.models import (
    AttendanceRecord,
    AttendanceSource,
    AttendanceStatus,
    NameMapping,
)
from lms.attendance.report import DATE_ORDER_LABELS, MAX_NAME, MeetingReport
from lms.audit.services import record_event
from lms.auth.models import User
from lms.cohorts.models import Cohort, Membership, Role
from lms.cohorts.services import ensure_open
from lms.core.db import db
from lms.core.errors import NeedsConfirmationError, ValidationError
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
    return list(db.session.execute(_participant_rows_statement(), {"cohort_id": cohort.id}).all())


@functools.cache
def _participant_rows_statement() -> sa.Select[Any]:
    return (sa.select(User.id, User.name, User.email).join(Membership, Membership.user_id == User.id)
            .where(Membership.cohort_id == sa.bindparam("cohort_id"), Membership.role == Role.PARTICIPANT)
            .order_by(User.name, User.id))


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
    #: How the first of the person's rows was matched: "e-mail", "name", "mapping", or
    #: "not in the report"; ``reasons`` says it for every row, in words.
    matched_by: str
    reasons: list[str] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return self.before != self.status

    @property
    def why(self) -> str:
        return "; ".join(self.reasons) or self.matched_by


@dataclass
class Unmatched:
    name: str
    normalised: str
    minutes: int
    emails: list[str]
    #: Why no participant was found, in words.
    reason: str = ""

    @property
    def mappable(self) -> bool:
        """A name that normalises to nothing cannot be remembered: it would match every such name."""
        return bool(self.normalised)


@dataclass
class Preview:
    session: Session
    zone: str
    lines: list[Line] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: How the report was read (encoding, delimiter, date order, waiting room), in words.
    notes: list[str] = field(default_factory=list)
    report: MeetingReport | None = None

    @property
    def change_count(self) -> int:
        return sum(1 for line in self.lines if line.changes)


def _to_utc(naive: datetime, zone: str) -> datetime:
    # A report's clock times are read in ``zone``; in a repeated hour the first one is taken.
    return naive.replace(tzinfo=ZoneInfo(zone)).astimezone(ZoneInfo("UTC"))


def _unique_names(people: list[User], *, fold_accents: bool) -> tuple[dict[str, User], dict[str, int]]:
    """Participants by normalised name, leaving out empty keys and names two people share
    (those are returned with their count: a row with such a name is for the instructor to map)."""
    found: dict[str, list[User]] = defaultdict(list)
    for user in people:
        key = rules.normalise_name(user.name, fold_accents=fold_accents)
        if key:
            found[key].append(user)
    return ({key: users[0] for key, users in found.items() if len(users) == 1},
            {key: len(users) for key, users in found.items() if len(users) > 1})


def preview_report(session: Session, report: MeetingReport, zone: str | None = None,
                   mappings: dict[str, int] | None = None, *, other_date: bool = False) -> Preview:
    """What importing ``report`` for ``session`` would change, without changing anything.

    Rows are matched to participants by e-mail, then by name (exactly, then with accents on
    Latin letters folded; a name two participants share, or one that normalises to nothing,
    is never matched), then by a name mapping remembered from earlier sessions or given in
    ``mappings`` (normalised name → user id). Staff rows are set aside; the rest are listed
    as unmatched. Waiting-room rows were left out by the reader.

    A report whose day/month order is ambiguous is read in the order that puts it on the
    session's date; one that is not from the session's date (in ``zone``) raises
    NeedsConfirmationError unless ``other_date`` is true, and ValidationError when no
    reading of its dates fits.
    """
    cohort = session.cohort
    zone = zone or cohort.timezone
    policy = cohort.course.attendance_spec
    preview = Preview(session, zone)
    report = _settle_dates(session, report, zone, other_date, preview)
    preview.report = report
    if report.waiting_room_rows:
        count = report.waiting_room_rows
        preview.notes.append(f"{count} waiting-room row{'s' if count != 1 else ''} not counted: time in the waiting "
                             "room is not time in the session.")
    people = participants(cohort)
    by_email = {u.email.lower(): u for u in people}
    by_exact_name, _ = _unique_names(people, fold_accents=False)
    by_name, shared_names = _unique_names(people, fold_accents=True)
    by_id = {u.id: u for u in people}
    chosen = {key: user_id for key, user_id in (mappings or {}).items() if key}
    remembered = {m.normalised_name: m.user_id for m in db.session.execute(
        db.select(NameMapping).where(NameMapping.cohort_id == cohort.id)).scalars() if m.normalised_name}
    remembered.update(chosen)
    staff = db.session.execute(
        db.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == cohort.id, Membership.role != Role.PARTICIPANT)).scalars().all()
    staff_emails = {u.email.lower() for u in staff}
    staff_names = {key for key in (rules.normalise_name(u.name) for u in staff) if key}

    intervals: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    how: dict[int, str] = {}
    reasons: dict[int, list[str]] = defaultdict(list)
    loose: dict[tuple[str, str], Unmatched] = {}
    loose_intervals: dict[tuple[str, str], list[tuple[datetime, datetime]]] = defaultdict(list)
    for row in report.rows:
        span = (_to_utc(row.joined, zone), _to_utc(row.left, zone))
        normalised = rules.normalise_name(row.name)
        exact = rules.normalise_name(row.name, fold_accents=False)
        user, matched_by, reason = by_email.get(row.email) if row.email else None, "e-mail", f"e-mail {row.email}"
        if user is None and (exact in by_exact_name or normalised in by_name):
            user = by_exact_name.get(exact) or by_name[normalised]
            matched_by, reason = "name", f"name “{row.name}” = “{user.name}”"
        if user is None and normalised and remembered.get(normalised) in by_id:
            user, matched_by = by_id[remembered[normalised]], "mapping"
            reason = f"{'mapping chosen now' if normalised in chosen else 'remembered mapping'} “{row.name}”"
        if user is None:
            if (row.email and row.email in staff_emails) or normalised in staff_names:
                if row.name not in preview.staff:
                    preview.staff.append(row.name)
                continue
            key = (normalised, "" if normalised else row.name)
            if key not in loose:
                loose[key] = Unmatched(row.name, normalised, 0, [], _unmatched_reason(normalised, shared_names))
            entry = loose[key]
            if row.email and row.email not in entry.emails:
                entry.emails.append(row.email)
            loose_intervals[key].append(span)
            continue
        intervals[user.id].append(span)
        how.setdefault(user.id, matched_by)
        if reason not in reasons[user.id]:
            reasons[user.id].append(reason)

    start, end = session.starts_at, session.ends_at
    for key, entry in loose.items():
        entry.minutes = rules.attended_seconds(loose_intervals[key], start, end) // 60
    preview.unmatched = sorted(loose.values(), key=lambda u: u.name)

    existing = records_for(session)
    present, late = Fraction(policy.present_share), Fraction(policy.late_share)
    for user in people:
        seconds = rules.attended_seconds(intervals.get(user.id, []), start, end)
        before = existing[user.id].status.value if user.id in existing else None
        status = rules.merge_status(before, rules.status_for(seconds, session.duration_minutes, present, late))
        preview.lines.append(Line(user, seconds // 60, status, before, how.get(user.id, "not in the report"),
                                  reasons.get(user.id, [])))

    preview.warnings.extend(_time_warnings(session, report, zone))
    return preview


def _unmatched_reason(normalised: str, shared_names: dict[str, int]) -> str:
    if not normalised:
        return "the name has no letters or digits to match by; it cannot be matched or mapped"
    if normalised in shared_names:
        return f"{shared_names[normalised]} participants have this name; choose who it is"
    return "no participant has this e-mail or name"


def _report_days(report: MeetingReport) -> list[date]:
    return sorted({r.joined.date() for r in report.rows})


def _days_text(days: list[date]) -> str:
    return ", ".join(f"{d:%d %b %Y}" for d in days)


def _settle_dates(session: Session, report: MeetingReport, zone: str, other_date: bool,
                  preview: Preview) -> MeetingReport:
    """The report read in the day/month order that fits the session, after checking that it
    is from the session's date (or that the person confirmed it is not)."""
    day = in_zone(session.starts_at, zone).date()
    when = f"session {session.number}'s date, {day:%d %b %Y} ({zone})"
    if report.ambiguous_dates:
        readings = {order: report.in_date_order(order) for order in report.date_orders}
        days = {order: _report_days(reading) for order, reading in readings.items()}
        fitting = [order for order in readings if day in days[order]]
        if len(set(map(tuple, days.values()))) > 1:
            either = " or as ".join(f"{_days_text(d)} ({DATE_ORDER_LABELS[o]})" for o, d in days.items())
            if len(fitting) != 1:
                why = "neither is" if not fitting else "both include"
                raise ValidationError(f"The dates in this report can be read as {either}; {why} {when}, so day and "
                                      "month cannot be told apart. Nothing was imported: check that you chose the "
                                      "right session and time zone.")
            preview.notes.append(f"The dates in this report can be read as {either}; read as "
                                 f"{DATE_ORDER_LABELS[fitting[0]]}, which puts it on {when}.")
        report = readings[fitting[0] if fitting else report.date_order]
    report_days = _report_days(report)
    if day not in report_days:
        message = (f"This report is from {_days_text(report_days)}, but session {session.number} was on "
                   f"{day:%d %b %Y} ({zone}).")
        if not other_date:
            raise NeedsConfirmationError(f"{message} Nothing was imported: check that you chose the right session "
                                         "and time zone, or confirm that the report is from another day.")
        preview.warnings.append(f"{message} Imported as you confirmed: the report is from another day.")
    return report


def _time_warnings(session: Session, report: MeetingReport, zone: str) -> list[str]:
    if in_zone(session.starts_at, zone).date() not in _report_days(report):
        return []  # already said: the report is from another day
    if all(_to_utc(r.left, zone) <= session.starts_at - timedelta(hours=1)
           or _to_utc(r.joined, zone) >= session.ends_at + timedelta(hours=1) for r in report.rows):
        return [f"Nobody in this report was in the meeting during session {session.number}'s scheduled time "
                f"({zone}). Check the time zone the report was exported in."]
    return []


def apply_preview(preview: Preview, actor: User | None, mappings: dict[str, int] | None = None) -> int:
    """Write a preview's statuses and remember the name mappings used; returns how many
    records changed. One transaction: the caller commits."""
    cohort = preview.session.cohort
    ensure_open(cohort, "its attendance")
    allowed = {line.user.id for line in preview.lines}
    for normalised, user_id in (mappings or {}).items():
        if user_id not in allowed:
            raise ValidationError("A name can only be mapped to a participant of this cohort.")
        if not normalised or len(normalised) > MAX_NAME:
            raise ValidationError("Only a name with letters or digits (at most 200 characters) can be mapped.")
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
