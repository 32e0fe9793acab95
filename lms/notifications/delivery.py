"""Delivering the outbox over SMTP (``smtplib``), exactly once where the server allows it.

Each message is *claimed* (status ``sending``, a holder and a claim expiry, committed)
before it is sent, and marked ``sent`` with the server's answer (committed) right after the
server accepts it. So a sender that crashes mid-batch never sends the messages already
marked sent again; the claimed ones it had not reached are free again once the claim
expires and go out then. Only the one message in flight at the moment of the crash can
reach the server twice, and it carries the same Message-ID both times so it can be
recognised.

Answers: 2xx → ``sent``. 4xx, a dropped connection or a server that cannot be reached →
back to ``pending`` with the reason and a next attempt after a back-off (1, 2, 4 … minutes,
at most an hour), for up to ``LMS_MAIL_GIVE_UP_AFTER`` seconds after the message was queued
(5 days, as mail servers do), then ``failed``. 5xx → ``failed`` at once with the reason: a
permanent refusal (RFC 5321 §4.2.1) will be given again, so retrying only repeats it;
``flask lms outbox --retry ID`` queues it again once the cause is fixed.
"""
from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from lms.auth.models import User
from lms.core.db import db
from lms.core.time import utcnow
from lms.notifications.mail import build_message, sender_address
from lms.notifications.models import OutboxMessage

log = logging.getLogger("lms.mail")

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    use_tls: bool
    use_ssl: bool
    username: str | None
    password: str | None
    sender: str
    timeout: float


def _flag(value: object) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def mail_settings(config: dict) -> MailSettings | None:  # type: ignore[type-arg]
    """The SMTP settings, or None when ``MAIL_SERVER`` is not set (mail then stays in the outbox)."""
    server = (config.get("MAIL_SERVER") or "").strip()
    if not server:
        return None
    use_ssl = _flag(config.get("MAIL_USE_SSL"))
    port = int(config.get("MAIL_PORT") or (465 if use_ssl else 587 if _flag(config.get("MAIL_USE_TLS")) else 25))
    return MailSettings(server, port, _flag(config.get("MAIL_USE_TLS")), use_ssl,
                        config.get("MAIL_USERNAME") or None, config.get("MAIL_PASSWORD") or None,
                        config.get("MAIL_FROM") or "lms@localhost", float(config.get("LMS_MAIL_TIMEOUT", 30)))


@dataclass
class DeliveryReport:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    #: Why nothing was tried (no server configured, server unreachable).
    note: str = ""
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = f"{self.sent} sent, {self.retry} to retry, {self.failed} failed"
        return f"{text} ({self.note})" if self.note else text


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try: 1, 2, 4 … minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def _free() -> sa.ColumnElement[bool]:
    now = utcnow()
    return sa.or_(sa.and_(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now),
                  sa.and_(OutboxMessage.status == SENDING, OutboxMessage.claimed_until < now))


def claim_messages(holder: str, limit: int) -> list[int]:
    """Claim up to ``limit`` messages that are due (or whose claim expired) for ``holder``
    and commit: each row is taken by one conditional UPDATE, so of two senders only one wins it."""
    lease = timedelta(seconds=current_app.config.get("LMS_MAIL_CLAIM_SECONDS", 600))
    candidates = db.session.execute(
        sa.select(OutboxMessage.id).where(_free()).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)).scalars().all()
    claimed = []
    for message_id in candidates:
        result = db.session.execute(
            sa.update(OutboxMessage).where(OutboxMessage.id == message_id, _free())
            .values(status=SENDING, claimed_by=holder, claimed_until=utcnow() + lease,
                    attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            claimed.append(message_id)
    db.session.commit()
    return claimed


def _connect(settings: MailSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.use_ssl:
        smtp = smtplib.SMTP_SSL(settings.server, settings.port, timeout=settings.timeout, context=context)
    else:
        smtp = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
    try:
        smtp.ehlo()
        if settings.use_tls:
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.username:
            smtp.login(settings.username, settings.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _send(smtp: smtplib.SMTP, envelope_from: str, recipient: str, data: bytes) -> str:
    """MAIL, RCPT, DATA for one message; the server's answer to DATA. A refusal raises
    ``SMTPResponseException`` with the server's code, after a RSET for the next message."""
    for command, arg, accepted in (("mail", envelope_from, (250,)), ("rcpt", recipient, (250, 251))):
        code, answer = getattr(smtp, command)(arg)
        if code not in accepted:
            if code != -1:
                smtp.rset()
            raise smtplib.SMTPResponseException(code, answer)
    try:
        code, answer = smtp.data(data)  # raises on a refused DATA command; returns the answer to the message
    except smtplib.SMTPDataError:
        smtp.rset()
        raise
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPDataError(code, answer)
    return f"{code} {answer.decode('utf-8', 'replace')}"


def _retry_later(message: OutboxMessage, reason: str, now: datetime, report: DeliveryReport) -> None:
    give_up = timedelta(seconds=current_app.config.get("LMS_MAIL_GIVE_UP_AFTER", 5 * 86400))
    message.claimed_by = message.claimed_until = None
    if now - message.created_at >= give_up:
        message.status, message.last_error = FAILED, f"gave up after {message.attempts} attempts: {reason}"
        report.failed += 1
    else:
        message.status, message.last_error = PENDING, reason
        message.next_attempt_at = now + backoff(message.attempts)
        report.retry += 1


def deliver_outbox(holder: str = "deliver", limit: int = 100) -> DeliveryReport:
    """Send what is due in the outbox over SMTP; see the module's docstring for the rules."""
    report = DeliveryReport()
    settings = mail_settings(current_app.config)
    if settings is None:
        waiting = db.session.execute(sa.select(sa.func.count(OutboxMessage.id)).where(
            OutboxMessage.status == PENDING)).scalar_one()
        report.note = f"MAIL_SERVER is not set: {waiting} message(s) wait in the outbox"
        return report
    sender = sender_address(settings.sender, current_app.config.get("LMS_SITE_NAME", "LMS"))
    ids = claim_messages(holder, limit)
    if not ids:
        return report
    try:
        smtp = _connect(settings)
    except (OSError, smtplib.SMTPException) as error:
        reason = f"could not reach {settings.server}:{settings.port}: {_describe(error)}"
        log.warning("outbox: %s", reason)
        for message_id in ids:
            _retry_later(db.session.get_one(OutboxMessage, message_id), reason, utcnow(), report)
        db.session.commit()
        report.note = reason
        return report
    remaining = list(ids)
    try:
        while remaining:
            message = db.session.get_one(OutboxMessage, remaining[0])
            if message.status != SENDING or message.claimed_by != holder:
                remaining.pop(0)  # the claim expired and another sender took it
                continue
            name = db.session.get(User, message.user_id).name if message.user_id else None
            data = build_message(message, sender, name).as_bytes()
            try:
                answer = _send(smtp, sender.addr_spec, message.recipient, data)
            except smtplib.SMTPResponseException as error:
                reason = _describe(error)
                if 500 <= error.smtp_code < 600:
                    message.status, message.last_error = FAILED, reason
                    message.claimed_by = message.claimed_until = None
                    report.failed += 1
                    log.warning("outbox: #%s to %s refused for good: %s", message.id, message.recipient, reason)
                else:
                    _retry_later(message, reason, utcnow(), report)
                report.errors.append(f"#{message.id}: {reason}")
            else:
                message.status, message.server_answer, message.sent_at = SENT, answer, utcnow()
                message.claimed_by = message.claimed_until = None
                message.last_error = None
                report.sent += 1
            db.session.commit()  # each answer is kept before the next message goes out
            remaining.pop(0)
    except (OSError, smtplib.SMTPException) as error:
        # The connection broke: what was not answered goes back to the queue.
        db.session.rollback()
        reason = f"connection to {settings.server}:{settings.port} lost: {_describe(error)}"
        for message_id in remaining:
            message = db.session.get_one(OutboxMessage, message_id)
            if message.status == SENDING and message.claimed_by == holder:
                _retry_later(message, reason, utcnow(), report)
        db.session.commit()
        report.note = reason
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return report


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        return f"{error.smtp_code} {text}"
    if isinstance(error, socket.timeout):
        return "timed out"
    return str(error) or type(error).__name__


def retry_message(message: OutboxMessage) -> None:
    """Queue a failed message again (after its cause was fixed), due now, with the same Message-ID."""
    message.status, message.next_attempt_at = PENDING, utcnow()
    message.claimed_by = message.claimed_until = None
    db.session.flush()


def outbox_counts() -> dict[str, int]:
    """How many messages are in each state; one query."""
    rows = db.session.execute(sa.select(OutboxMessage.status, sa.func.count(OutboxMessage.id))
                              .group_by(OutboxMessage.status)).all()
    counts = {PENDING: 0, SENDING: 0, SENT: 0, FAILED: 0}
    counts.update({status: count for status, count in rows})
    return counts
