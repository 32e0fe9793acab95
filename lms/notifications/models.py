"""E-mail waiting to be delivered, and what was delivered."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, db
from lms.core.time import utcnow


class OutboxMessage(db.Model):
    """One e-mail. Written in the same transaction as the change that causes it, so no
    mail goes out for a change that was rolled back; the ``outbox.deliver`` job sends it
    later (``lms/notifications/delivery.py``)."""

    __tablename__ = "lms_outbox_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    #: The account the message is for (its notifications page), when there is one.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id", ondelete="SET NULL"), index=True)
    #: ``notice`` (always sent), ``reminder`` (muted by the person's setting) or ``account``.
    kind: Mapped[str] = mapped_column(String(20), default="notice")
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    #: Optional HTML alternative of ``body``.
    html: Mapped[str | None] = mapped_column(Text)
    #: ``<…@…>``, fixed when queued: a resend after a crash carries the same one, so it can be recognised.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    #: pending → sending (claimed) → sent; back to pending after a temporary refusal; failed
    #: after a permanent one (5xx) or when it could not be delivered for ``LMS_MAIL_GIVE_UP_AFTER``.
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: Not tried again before this time (back-off after a temporary failure).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: Which sender holds the message, and until when; an expired claim is free again.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The SMTP server's answer to the accepted message (``250 2.0.0 Ok: queued as …``).
    server_answer: Mapped[str | None] = mapped_column(Text)
    #: Why the last attempt failed (the server's refusal, or why it could not be reached).
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attachments: Mapped[list[OutboxAttachment]] = relationship(back_populates="message", cascade="all, delete-orphan",
                                                               order_by="OutboxAttachment.id")


class OutboxAttachment(db.Model):
    """A file sent with a message (a session's .ics)."""

    __tablename__ = "lms_outbox_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("lms_outbox_message.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    #: ``text/calendar; method=PUBLISH``: main type/subtype and parameters.
    content_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)

    message: Mapped[OutboxMessage] = relationship(back_populates="attachments")
