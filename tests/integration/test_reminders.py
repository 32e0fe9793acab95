"""Reminders and notices derived from sessions: created, moved and removed with them, sent
once each in the recipient's zone with the session's .ics (same UID, higher SEQUENCE)."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from icalendar import Calendar

from lms.cohorts.models import Role
from lms.cohorts.services import add_member
from lms.core import time as lms_time
from lms.core.db import db
from lms.jobs.models import Reminder
from lms.jobs.reminders import derive_reminders, send_due_reminders
from lms.notifications.models import OutboxMessage
from lms.sessions.services import SessionPlan, cancel_session, create_session, restore_session, update_session
from tests.conftest import enrol, make_cohort, make_user

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
#: Names in five scripts, each in a zone of their own.
PEOPLE = [("ليلى عبد الله", "Africa/Cairo"), ("王小明", "Asia/Shanghai"), ("अनन्या शर्मा", "Asia/Kolkata"),
          ("Nguyễn Thị Hồng Nhung", "Asia/Ho_Chi_Minh"), ("Юлия Иванова", "Europe/Moscow")]


def _world():
    lms_time.freeze(NOW)
    cohort = make_cohort(timezone="Europe/Zurich")
    users = [make_user(f"p{i}@example.org", name, timezone=zone) for i, (name, zone) in enumerate(PEOPLE)]
    for user in users:
        enrol(user, cohort, Role.PARTICIPANT)
    return cohort, users


def _plan(day: int, hour: int = 15, title: str = "Open source licences") -> SessionPlan:
    return SessionPlan(title, datetime(2025, 3, day).date(), time(hour), time(hour + 2), "Europe/Zurich",
                       "https://meet.example.org/s1")


def _reminders() -> list[Reminder]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(Reminder).order_by(Reminder.id)).scalars())


def _mail(kind: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.execute(query).scalars())


def _event(message: OutboxMessage):
    (attachment,) = message.attachments
    assert attachment.content_type.startswith("text/calendar")
    (event,) = Calendar.from_ical(attachment.content).walk("VEVENT")
    return event


def test_reminders_are_created_moved_and_removed_with_their_session(ctx):
    cohort, users = _world()
    session = create_session(cohort, _plan(5))
    db.session.commit()
    starts = datetime(2025, 3, 5, 14, 0, tzinfo=UTC)  # 15:00 in Zurich (CET)
    assert sorted((r.user_id, r.label, r.due_at) for r in _reminders()) == sorted(
        [(u.id, "24h", starts - timedelta(hours=24)) for u in users]
        + [(u.id, "1h", starts - timedelta(hours=1)) for u in users])

    update_session(session, _plan(7, 10))  # moved to Friday 10:00 Zurich
    db.session.commit()
    moved = datetime(2025, 3, 7, 9, 0, tzinfo=UTC)
    assert {r.due_at for r in _reminders()} == {moved - timedelta(hours=24), moved - timedelta(hours=1)}
    assert all(r.event_at == moved and "@20250307T0900Z:" in r.key for r in _reminders())

    cancel_session(session)
    db.session.commit()
    assert _reminders() == []

    restore_session(session)
    db.session.commit()
    assert len(_reminders()) == 10


def test_a_new_member_gets_reminders_and_a_leaving_one_loses_them(ctx):
    cohort, users = _world()
    create_session(cohort, _plan(5))
    db.session.commit()
    newcomer = make_user("new@example.org", "Nomvula Dlamini", timezone="Africa/Johannesburg")
    membership = add_member(cohort, newcomer, Role.PARTICIPANT)
    db.session.commit()
    assert sum(r.user_id == newcomer.id for r in _reminders()) == 2
    from lms.cohorts.services import remove_member

    remove_member(cohort, membership.id)
    db.session.commit()
    assert sum(r.user_id == newcomer.id for r in _reminders()) == 0


def test_each_reminder_is_sent_once_in_the_recipients_zone_with_link_and_ics(ctx):
    cohort, users = _world()
    session = create_session(cohort, _plan(5))
    users[4].mute_reminders = True
    db.session.commit()
    lms_time.freeze(datetime(2025, 3, 4, 14, 0, tzinfo=UTC))  # 24 h before

    first = send_due_reminders()
    again = send_due_reminders()
    derive_reminders()
    db.session.commit()
    third = send_due_reminders()

    assert (first.sent, first.muted, again.sent, third.sent) == (4, 1, 0, 0)
    mails = {m.recipient: m for m in _mail("reminder")}
    assert set(mails) == {"p0@example.org", "p1@example.org", "p2@example.org", "p3@example.org"}
    kolkata = mails["p2@example.org"]
    assert "starts tomorrow" in kolkata.subject
    assert "Wed 5 Mar 2025, 19:30–21:30 (Asia/Kolkata)" in kolkata.body
    assert "15:00–17:00 (Europe/Zurich, the cohort's time)" in kolkata.body
    assert "https://meet.example.org/s1" in kolkata.body and "https://meet.example.org/s1" in kolkata.html
    assert kolkata.user_id == users[2].id
    event = _event(kolkata)
    assert str(event["uid"]) == f"{session.uid}@lms.sessions"

    lms_time.freeze(datetime(2025, 3, 5, 13, 0, tzinfo=UTC))  # 1 h before
    assert send_due_reminders().sent == 4
    assert len(_mail("reminder")) == 8


def test_a_missed_reminder_is_marked_not_sent_late(ctx):
    cohort, users = _world()
    create_session(cohort, _plan(5))
    db.session.commit()
    lms_time.freeze(datetime(2025, 3, 5, 16, 0, tzinfo=UTC))  # the scheduler was down until after the start
    report = send_due_reminders()
    assert (report.sent, report.missed) == (0, 10)
    assert _mail("reminder") == []


def test_notices_of_new_moved_and_cancelled_sessions_update_the_same_calendar_event(ctx):
    cohort, users = _world()
    session = create_session(cohort, _plan(5))
    db.session.commit()
    created = _mail("notice")
    assert len(created) == 5 and all("new session" in m.subject for m in created)
    first = _event(created[0])

    update_session(session, _plan(7, 10))
    db.session.commit()
    moved = _mail("notice")[5:]
    assert len(moved) == 5 and all("moved" in m.subject for m in moved)
    shanghai = next(m for m in moved if m.recipient == "p1@example.org")
    assert "Was: Wed 5 Mar 2025, 22:00–Thu 6 Mar 00:00 (Asia/Shanghai)" in shanghai.body
    assert "Fri 7 Mar 2025, 17:00–19:00 (Asia/Shanghai)" in shanghai.body
    second = _event(shanghai)
    assert str(second["uid"]) == str(first["uid"])
    assert int(second["sequence"]) > int(first["sequence"])
    assert second.decoded("dtstart") == datetime(2025, 3, 7, 9, 0, tzinfo=UTC)

    cancel_session(session)
    db.session.commit()
    cancelled = _mail("notice")[10:]
    third = _event(cancelled[0])
    assert str(third["uid"]) == str(first["uid"]) and int(third["sequence"]) > int(second["sequence"])
    assert str(third["status"]) == "CANCELLED"
    assert len(_mail("notice")) == 15


def test_a_title_change_sends_no_notice_and_past_sessions_tell_nobody(ctx):
    cohort, users = _world()
    session = create_session(cohort, _plan(5))
    db.session.commit()
    update_session(session, _plan(5, title="Licences, revised"))
    db.session.commit()
    assert len(_mail("notice")) == 5
    lms_time.freeze(datetime(2025, 4, 1, tzinfo=UTC))
    cancel_session(session)
    db.session.commit()
    assert len(_mail("notice")) == 5


def test_a_certificate_issued_sends_a_notice_with_its_links(ctx):
    from decimal import Decimal

    from lms.certificates.models import Certificate
    from lms.core.signals import certificate_issued

    cohort, users = _world()
    certificate = Certificate(cohort_id=cohort.id, user_id=users[3].id, code="Q" * 32, total=Decimal("91"),
                              recipient_name=users[3].name)
    db.session.add(certificate)
    db.session.flush()
    certificate_issued.send(certificate)
    db.session.commit()
    (notice,) = _mail("notice")
    assert notice.recipient == "p3@example.org" and notice.user_id == users[3].id
    assert f"http://127.0.0.1:5000/verify/{'Q' * 32}" in notice.body
    assert "Nguyễn Thị Hồng Nhung" in notice.body
