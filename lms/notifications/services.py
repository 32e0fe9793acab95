"""Queueing e-mail. Messages go to the outbox in the caller's transaction and to the log."""
from __future__ import annotations

import logging

from flask import current_app

from lms.core.db import db
from lms.notifications.models import OutboxMessage

log = logging.getLogger("lms.mail")


def queue_email(recipient: str, subject: str, body: str) -> OutboxMessage:
    """Put one message in the outbox. The body is logged only where ``LMS_MAIL_LOG_BODY``
    is on (development): bodies carry one-time links that a production log must not keep."""
    message = OutboxMessage(recipient=recipient, subject=subject, body=body)
    db.session.add(message)
    db.session.flush()
    if current_app.config.get("LMS_MAIL_LOG_BODY"):
        log.info("mail #%s to %s: %s\n%s", message.id, recipient, subject, body)
    else:
        log.info("mail #%s to %s: %s", message.id, recipient, subject)
    return message
