"""Session e-mail: reminders 24 hours and 1 hour before each session to every member, and a
notice to every member when a session is added, moved, cancelled or restored. Each carries
the session's .ics (the feed's UID, the current SEQUENCE), so calendars update the event.
Times are shown in each recipient's own zone with the cohort's beside it."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import render_template

from lms.auth.models import User
from lms.calendar.services import build_feed
from lms.cohorts.models import Cohort, Membership
from lms.core.db import db
from lms.core.signals import members_changed, session_changed
from lms.core.time import utcnow
from lms.core.timefmt import show_span
from lms.core.urls import external_url
from lms.jobs.models import Reminder
from lms.jobs.registry import Due, Mail, reminder_source
from lms.jobs.reminders import derive_reminders
from lms.notifications.services import Attachment, queue_email
from lms.sessions.models import Session, SessionStatus

#: How long before a session each reminder goes out, longest first.
OFFSETS = (("24h", timedelta(hours=24)), ("1h", timedelta(hours=1)))

#: What a change is called in a notice's subject; a change of title or topics sends none.
NOTICES = {"session.create": "new session", "session.move": "moved", "session.cancel": "cancelled",
           "session.restore": "back on the schedule"}


def session_ics(session: Session) -> Attachment:
    """The session as an .ics with the feed's UID and the current SEQUENCE (and STATUS:CANCELLED when it is)."""
    content = build_feed(session.cohort.title, [session], with_join_links=True)
    return Attachment(f"session-{session.number}.ics", "text/calendar; method=PUBLISH; charset=utf-8", content)


def upcoming_session_reminders(now: datetime, until: datetime, cohort_id: int | None) -> Iterator[Due]:
    """A reminder per member and offset for every scheduled session starting in ``(now, until]``.

    An offset whose time passed before the session was last changed is left out (the notice
    of the change told them), and so is a 24-hour reminder when the 1-hour one is already due."""
    query = (sa.select(Session, Membership.user_id).join(Membership, Membership.cohort_id == Session.cohort_id)
             .where(Session.status == SessionStatus.SCHEDULED, Session.starts_at > now, Session.starts_at <= until))
    if cohort_id is not None:
        query = query.where(Session.cohort_id == cohort_id)
    seen: set[tuple[int, int]] = set()
    for session, user_id in db.session.execute(query):
        if (session.id, user_id) in seen:  # one person with two roles gets one reminder
            continue
        seen.add((session.id, user_id))
        for position, (label, offset) in enumerate(OFFSETS):
            due = session.starts_at - offset
            if due < session.updated_at:
                continue
            shorter = OFFSETS[position + 1][1] if position + 1 < len(OFFSETS) else None
            if shorter is not None and session.starts_at - shorter <= now:
                continue
            yield Due(key=f"session:{session.uid}@{session.starts_at:%Y%m%dT%H%MZ}:{label}:user:{user_id}",
                      object_id=session.id, cohort_id=session.cohort_id, user_id=user_id, label=label, due_at=due,
                      event_at=session.starts_at)


def _context(session: Session, user: User) -> dict[str, Any]:
    cohort = session.cohort
    return {"session": session, "cohort": cohort, "user": user,
            "shown": show_span(session.starts_at, session.duration_minutes, user.timezone or "UTC", cohort.timezone),
            "session_url": external_url("lms.sessions.session_view", slug=cohort.slug, number=session.number),
            "settings_url": external_url("lms.notifications.notifications")}


def _mail(kind: str, subject: str, session: Session, user: User, **extra: Any) -> Mail:
    context = {**_context(session, user), "subject": subject, **extra}
    return Mail(subject, render_template(f"lms/mail/{kind}.txt", **context),
                render_template(f"lms/mail/{kind}.html", **context), (session_ics(session),))


def compose_session_reminder(reminder: Reminder, user: User) -> Mail | None:
    session = db.session.get(Session, reminder.object_id)
    if session is None or session.is_cancelled or session.starts_at != reminder.event_at:
        return None
    when = "tomorrow" if reminder.label == "24h" else "in one hour"
    subject = f"Reminder: {session.cohort.title}, session {session.number} “{session.title}” starts {when}"
    return _mail("session_reminder", subject, session, user, when=when)


reminder_source("sessions", upcoming=upcoming_session_reminders, compose=compose_session_reminder)


def _recipients(cohort: Cohort) -> list[User]:
    return list(db.session.execute(
        sa.select(User).where(User.id.in_(sa.select(Membership.user_id).where(Membership.cohort_id == cohort.id)))
        .order_by(User.id)).scalars())


@session_changed.connect
def _on_session_changed(session: Session, action: str, before: dict[str, Any] | None = None, **_: Any) -> None:
    cohort = session.cohort
    previous = datetime.fromisoformat(str(before["starts_at"])) if action == "session.move" and before else None
    # Correcting the record of a session long past tells nobody.
    ahead = session.starts_at > utcnow() or (previous is not None and previous > utcnow())
    if action in NOTICES and ahead:
        what = NOTICES[action]
        subject = f"{cohort.title}: session {session.number} “{session.title}” — {what}"
        for user in _recipients(cohort):
            previous_shown = (show_span(previous, int(str(before["duration_minutes"])), user.timezone or "UTC",
                                        cohort.timezone) if previous is not None and before else None)
            mail = _mail("session_notice", subject, session, user, action=action, what=what, previous=previous_shown)
            queue_email(user.email, mail.subject, mail.body, html=mail.html, attachments=mail.attachments,
                        kind="notice", user=user)
    derive_reminders(cohort_id=cohort.id, sources=["sessions"])


@members_changed.connect
def _on_members_changed(cohort: Cohort, **_: Any) -> None:
    derive_reminders(cohort_id=cohort.id)
