"""Who changed what, when: every grade, attendance, selection and certificate change."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import UTCDateTime, db
from lms.core.time import utcnow


class AuditEvent(db.Model):
    __tablename__ = "lms_audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: None for the command line and scheduled jobs.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id", ondelete="SET NULL"))
    #: ``mark.set``, ``cohort.finalise``, ``certificate.issue``, ``certificate.revoke`` …
    action: Mapped[str] = mapped_column(String(50), index=True)
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[str] = mapped_column(String(100))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("lms_cohort.id", ondelete="CASCADE"), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
