"""Marks entered by staff or imported, one per participant and grading component."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import UTCDateTime, db
from lms.core.time import utcnow


class Mark(db.Model):
    """A component mark. For ``levels`` components ``level`` names the level and ``points``
    is its value; for attendance and participation a mark here overrides what is computed."""

    __tablename__ = "lms_mark"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id", "component_key",
                                       name="uq_lms_mark_cohort_user_component"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohort.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    component_key: Mapped[str] = mapped_column(String(50))
    points: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    level: Mapped[str | None] = mapped_column(String(50))
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
