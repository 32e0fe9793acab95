"""E-mail waiting to be delivered."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import UTCDateTime, db
from lms.core.time import utcnow


class OutboxMessage(db.Model):
    """One e-mail. Written in the same transaction as the change that causes it, so no
    mail goes out for a change that was rolled back; a delivery job sends it later."""

    __tablename__ = "lms_outbox_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    #: pending → sent, or failed after too many attempts.
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
