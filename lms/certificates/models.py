"""Certificates issued when a cohort is finalised."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.cohorts.models import Cohort
from lms.core.db import UTCDateTime, db
from lms.core.time import utcnow


class Certificate(db.Model):
    __tablename__ = "lms_certificate"
    #: One per person and cohort, so issuing again can never issue twice.
    __table_args__ = (UniqueConstraint("cohort_id", "user_id", name="uq_lms_certificate_cohort_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohort.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    #: Unguessable (160 random bits, base32); the verification URL's key.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    #: The total at issue, rounded to 4 places for records; the decision used the exact value.
    total: Mapped[Decimal] = mapped_column(Numeric(9, 4))
    #: Name and titles as they were at issue, so the certificate never changes afterwards.
    recipient_name: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(Text)

    cohort: Mapped[Cohort] = relationship()
    user: Mapped[User] = relationship()

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None
