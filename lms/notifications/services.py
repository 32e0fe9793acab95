"""Queueing e-mail. Messages go to the outbox in the caller's transaction and to the log;
``lms/notifications/delivery.py`` sends them."""
from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parseaddr
from typing import TYPE_CHECKING

from flask import current_app

from lms.core.db import db
from lms.notifications.models import OutboxAttachment, OutboxMessage

if TYPE_CHECKING:
    from lms.auth.models import User

log = logging.getLogger("lms.mail")

KINDS = ("notice", "reminder", "account")
#: Line breaks and other control characters: in a header they would start a new header.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


@dataclass(frozen=True)
class Attachment:
    filename: str
    #: ``text/calendar; method=PUBLISH; charset=utf-8``
    content_type: str
    content: bytes


def one_line(text: str) -> str:
    """``text`` fit for a header: every run of control characters (CR, LF, tab …) becomes
    one space, so a title or name can never add a header of its own."""
    return _CONTROL.sub(" ", text).strip()


def message_id_domain() -> str:
    """The right-hand side of Message-IDs: the sender's domain."""
    address = parseaddr(current_app.config.get("MAIL_FROM") or "")[1]
    domain = address.rpartition("@")[2]
    return domain if re.fullmatch(r"[A-Za-z0-9.-]+", domain or "") else "lms.outbox"


def new_message_id() -> str:
    return f"<{uuid.uuid4().hex}@{message_id_domain()}>"


def queue_email(recipient: str, subject: str, body: str, *, html: str | None = None,
                attachments: Iterable[Attachment] = (), kind: str = "notice", user: User | None = None
                ) -> OutboxMessage:
    """Put one message in the outbox, to be sent by the ``outbox.deliver`` job.

    ``html`` is an optional alternative to the plain-text ``body``; ``attachments`` go with
    it (a session's .ics); ``kind`` is ``notice``, ``reminder`` or ``account``; ``user`` is
    the account it is for (it then appears on their notifications page). The subject is
    made one line. The body is logged only where ``LMS_MAIL_LOG_BODY`` is on (development):
    bodies carry one-time links that a production log must not keep."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    message = OutboxMessage(recipient=recipient, subject=one_line(subject)[:300], body=body, html=html, kind=kind,
                            user_id=user.id if user is not None else None, message_id=new_message_id())
    for attachment in attachments:
        message.attachments.append(OutboxAttachment(filename=one_line(attachment.filename),
                                                    content_type=attachment.content_type,
                                                    content=attachment.content))
    db.session.add(message)
    db.session.flush()
    if current_app.config.get("LMS_MAIL_LOG_BODY"):
        log.info("mail #%s to %s: %s\n%s", message.id, recipient, message.subject, body)
    else:
        log.info("mail #%s to %s: %s", message.id, recipient, message.subject)
    return message


def set_reminders_muted(user: User, muted: bool) -> None:
    """Mute (or unmute) ``user``'s reminder e-mails; notices of changes are always sent."""
    user.mute_reminders = muted
    db.session.flush()
