"""Delivering the outbox over SMTP to a real server (aiosmtpd on a loopback port): MIME
shape, UTF-8 names in headers, no header injection, claims, 4xx/5xx/unreachable answers."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.core import time as lms_time
from lms.core.db import db
from lms.core.time import utcnow
from lms.notifications.delivery import backoff, claim_messages, deliver_outbox
from lms.notifications.models import OutboxMessage
from lms.notifications.services import Attachment, queue_email
from tests.conftest import make_user
from tests.smtp import SMTPServer, free_port

NAMES = {"arabic": "ليلى عبد الله", "chinese": "王小明", "devanagari": "अनन्या शर्मा",
         "vietnamese": "Nguyễn Thị Hồng Nhung", "cyrillic": "Юлия Иванова"}


@pytest.fixture
def smtp(app):
    with SMTPServer() as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port,
                          MAIL_FROM="Cours à distance <lms@example.org>")
        yield server
        app.config.update(MAIL_SERVER=None, MAIL_PORT=None, MAIL_FROM="lms@localhost")


def _messages() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def test_names_in_every_script_are_encoded_and_read_back(ctx, smtp):
    for key, name in NAMES.items():
        user = make_user(f"{key}@example.org", name)
        queue_email(user.email, f"Séance 1 — {name}", f"Bonjour {name}\n", html=f"<p>Bonjour {name}</p>",
                    attachments=[Attachment("s.ics", "text/calendar; method=PUBLISH; charset=utf-8",
                                            b"BEGIN:VCALENDAR")],
                    user=user)
    db.session.commit()

    report = deliver_outbox()

    assert (report.sent, report.retry, report.failed) == (5, 0, 0)
    received = {rcpt[0]: message for rcpt, message in smtp.recorder.received}
    for key, name in NAMES.items():
        message = received[f"{key}@example.org"]
        assert message["To"].addresses[0].display_name == name
        assert message["Subject"] == f"Séance 1 — {name}"
        assert message["From"].addresses[0].display_name == "Cours à distance"
        raw = message.as_bytes()
        assert name.encode() not in raw.split(b"\n\n", 1)[0]  # headers carry it encoded (RFC 2047), not raw
        assert message.get_content_type() == "multipart/mixed"
        alternative = message.get_body(("plain",))
        assert alternative.get_content().replace("\r\n", "\n") == f"Bonjour {name}\n"
        assert message.get_body(("html",)).get_content().strip() == f"<p>Bonjour {name}</p>"
        (ics,) = list(message.iter_attachments())
        assert ics.get_content_type() == "text/calendar" and ics.get_param("method") == "PUBLISH"
    stored = _messages()
    assert all(m.status == "sent" and m.server_answer == "250 2.0.0 Ok: queued as TEST" for m in stored)
    assert {m.message_id for m in stored} == set(smtp.recorder.message_ids())


def test_line_breaks_in_names_and_subjects_cannot_add_headers(ctx, smtp):
    user = make_user("victim@example.org", "Eve\r\nBcc: everyone@example.org")
    queue_email(user.email, "Hello\r\nBcc: everyone@example.org\nX-Evil: 1", "body", user=user)
    db.session.commit()
    assert deliver_outbox().sent == 1
    (rcpts, message), = smtp.recorder.received
    assert rcpts == ["victim@example.org"]
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert message["Subject"] == "Hello Bcc: everyone@example.org X-Evil: 1"


def test_a_temporary_refusal_keeps_the_message_for_a_later_try(ctx, smtp):
    lms_time.freeze(utcnow())
    queue_email("pat@example.org", "Reminder", "body")
    db.session.commit()
    smtp.recorder.answer = "451 4.3.0 Mailbox busy, try later"

    report = deliver_outbox()

    (message,) = _messages()
    assert (report.retry, message.status, message.attempts) == (1, "pending", 1)
    assert message.last_error == "451 4.3.0 Mailbox busy, try later"
    assert message.next_attempt_at == utcnow() + backoff(1)
    assert deliver_outbox().sent == 0  # not due yet: nothing tried
    smtp.recorder.answer = None
    lms_time.freeze(utcnow() + timedelta(minutes=1))
    assert deliver_outbox().sent == 1
    (message,) = _messages()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, None)
    assert smtp.recorder.message_ids() == [message.message_id]


def test_a_permanent_refusal_fails_that_message_only_with_the_reason(ctx, smtp, runner):
    queue_email("gone@example.org", "One", "body")
    queue_email("here@example.org", "Two", "body")
    db.session.commit()
    smtp.recorder.answer, smtp.recorder.refuse_for = "550 5.1.1 No such user", {"gone@example.org"}

    report = deliver_outbox()

    gone, here = _messages()
    assert (report.sent, report.failed) == (1, 1)
    assert (gone.status, gone.last_error) == ("failed", "550 5.1.1 No such user")
    assert here.status == "sent"
    lms_time.freeze(utcnow() + timedelta(days=1))
    assert deliver_outbox().sent == 0  # 5xx is not retried

    # Once the cause is fixed, an operator queues it again; it goes with the same Message-ID.
    smtp.recorder.answer = None
    result = runner.invoke(args=["lms", "outbox", "--retry", str(gone.id)])
    assert result.exit_code == 0 and "queued again" in result.output
    assert deliver_outbox().sent == 1
    assert smtp.recorder.message_ids()[-1] == gone.message_id
    assert runner.invoke(args=["lms", "outbox", "--retry", str(gone.id)]).exit_code == 1  # sent: nothing to retry


def test_an_unreachable_server_delays_mail_without_losing_it(app, ctx):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nothing listens there
    try:
        lms_time.freeze(utcnow())
        for i in range(3):
            queue_email(f"p{i}@example.org", f"Notice {i}", "body")
        db.session.commit()
        for attempt in (1, 2, 3):
            report = deliver_outbox()
            assert report.retry == 3 and "could not reach 127.0.0.1" in report.note
            assert all(m.status == "pending" and m.attempts == attempt for m in _messages())
            lms_time.freeze(utcnow() + backoff(attempt))
        lms_time.freeze(utcnow() + timedelta(days=6))  # past LMS_MAIL_GIVE_UP_AFTER: failed, with the reason
        assert deliver_outbox().failed == 3
        assert all(m.status == "failed" and "gave up after 4 attempts: could not reach" in m.last_error
                   for m in _messages())
    finally:
        app.config.update(MAIL_SERVER=None, MAIL_PORT=None)


def test_the_server_coming_back_delivers_everything_once(app, ctx):
    port = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        lms_time.freeze(utcnow())
        for i in range(4):
            queue_email(f"p{i}@example.org", f"Notice {i}", "body")
        db.session.commit()
        assert deliver_outbox().retry == 4
        server = SMTPServer()
        server.port = port
        from aiosmtpd.controller import Controller

        server.controller = Controller(server.recorder, hostname="127.0.0.1", port=port)
        with server:
            lms_time.freeze(utcnow() + timedelta(minutes=1))
            assert deliver_outbox().sent == 4
            lms_time.freeze(utcnow() + timedelta(hours=1))
            assert deliver_outbox().sent == 0
        assert sorted(server.recorder.message_ids()) == sorted(m.message_id for m in _messages())
    finally:
        app.config.update(MAIL_SERVER=None, MAIL_PORT=None)


def test_a_crashed_sender_leaves_sent_mail_sent_and_its_claims_expire(app, ctx, smtp):
    """A sender claimed three messages, sent the first and died: the first is never sent
    again; the other two go out once the claim expires, with their own Message-IDs."""
    lms_time.freeze(utcnow())
    for i in range(3):
        queue_email(f"p{i}@example.org", f"Notice {i}", "body")
    db.session.commit()
    claimed = claim_messages("crashed-sender", 3)
    assert len(claimed) == 3
    first = db.session.get(OutboxMessage, claimed[0])
    first.status, first.sent_at, first.claimed_by = "sent", utcnow(), None  # what it committed before dying
    db.session.commit()

    assert deliver_outbox().sent == 0  # the other two are still claimed
    lms_time.freeze(utcnow() + timedelta(seconds=app.config["LMS_MAIL_CLAIM_SECONDS"] + 1))
    assert deliver_outbox().sent == 2
    assert sorted(smtp.recorder.message_ids()) == sorted(m.message_id for m in _messages()[1:])


def test_two_senders_at_once_send_each_message_once(app, smtp):
    import threading

    with app.app_context():
        for i in range(20):
            queue_email(f"p{i}@example.org", f"Notice {i}", "body")
        db.session.commit()
    start = threading.Barrier(2)

    def sender(name: str) -> None:
        with app.app_context():
            start.wait()
            deliver_outbox(holder=name, limit=20)
            db.session.remove()

    threads = [threading.Thread(target=sender, args=(f"sender-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = smtp.recorder.message_ids()
    assert len(ids) == 20 and len(set(ids)) == 20
