"""iCalendar (RFC 5545) feeds of sessions, built with the ``icalendar`` library.

Each session is one VEVENT whose UID never changes; its SEQUENCE rises when the session
moves or is cancelled, so calendar apps update the event instead of adding a second one.
Times are written in UTC.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable

from icalendar import Calendar, Event

from lms.auth.models import User
from lms.cohorts.models import Cohort, Membership
from lms.core.db import db
from lms.core.time import utcnow
from lms.sessions.models import Session

PRODID = "-//lms cohort course runner//EN"


#: The UID's right-hand side: fixed, so the same session has the same UID whatever host
#: name or proxy the feed is fetched through (the left side is a random UUID).
UID_DOMAIN = "lms.sessions"


def build_feed(name: str, sessions: Iterable[Session], *, with_join_links: bool) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    stamp = utcnow()
    for session in sessions:
        event = Event()
        event.add("uid", f"{session.uid}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("last-modified", session.updated_at)
        event.add("sequence", session.sequence)
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        event.add("summary", f"{session.cohort.title} — Session {session.number}: {session.title}")
        description = "\n".join(f"• {topic}" for topic in session.topics)
        if with_join_links and session.join_url:
            event.add("url", session.join_url)
            event.add("location", session.join_url)
            description = f"Join: {session.join_url}\n\n{description}"
        if description:
            event.add("description", description)
        event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()


def cohort_sessions(cohort: Cohort) -> list[Session]:
    return list(db.session.execute(
        db.select(Session).where(Session.cohort_id == cohort.id).order_by(Session.starts_at)
        .options(db.joinedload(Session.cohort))
    ).scalars())


def person_sessions(user: User) -> list[Session]:
    """Every session of every cohort ``user`` belongs to, in one query."""
    my_cohorts = db.select(Membership.cohort_id).where(Membership.user_id == user.id)
    return list(db.session.execute(
        db.select(Session).where(Session.cohort_id.in_(my_cohorts)).order_by(Session.starts_at)
        .options(db.joinedload(Session.cohort))
    ).scalars())


def new_calendar_token(user: User) -> str:
    """A new secret address; an old one stops working at once."""
    user.calendar_token = secrets.token_urlsafe(32)
    db.session.flush()
    return user.calendar_token


def user_by_calendar_token(token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    return db.session.execute(db.select(User).where(User.calendar_token == token)).scalar_one_or_none()
