"""Live sessions of a cohort and their materials."""
from __future__ import annotations

import enum
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, db, value_enum
from lms.core.time import utcnow

if TYPE_CHECKING:
    from lms.cohorts.models import Cohort


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Session(db.Model):
    """One live session of one cohort. Times are stored in UTC."""

    __tablename__ = "lms_session"
    __table_args__ = (UniqueConstraint("cohort_id", "number", name="uq_lms_session_cohort_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohort.id", ondelete="CASCADE"), index=True)
    #: 1, 2, 3 … in the course outline's order.
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    key_points: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    join_url: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[SessionStatus] = mapped_column(value_enum(SessionStatus, "lms_session_status"),
                                                  default=SessionStatus.SCHEDULED)
    #: iCalendar UID: stable for the life of the session, so calendars update the event.
    uid: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: uuid.uuid4().hex)
    #: iCalendar SEQUENCE: raised whenever the time changes or the session is cancelled.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="sessions")
    materials: Mapped[list[Material]] = relationship(back_populates="session", cascade="all, delete-orphan",
                                                     order_by="Material.position, Material.id")

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED


class MaterialKind(enum.StrEnum):
    SLIDES = "slides"
    VIDEO = "video"
    READING = "reading"
    EXERCISE = "exercise"
    OTHER = "other"


class Material(db.Model):
    """A link or an uploaded file shown with a session, with its licence and attribution
    (programmes reuse openly licensed material and must credit it)."""

    __tablename__ = "lms_material"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("lms_session.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[MaterialKind] = mapped_column(value_enum(MaterialKind, "lms_material_kind"))
    url: Mapped[str | None] = mapped_column(String(1000))
    #: Generated name under the uploads folder; never the uploader's file name.
    stored_name: Mapped[str | None] = mapped_column(String(100))
    original_name: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    licence: Mapped[str] = mapped_column(String(200), default="")
    attribution: Mapped[str] = mapped_column(Text, default="")
    #: ``course_file`` (kept in step with the file on import) or ``staff`` (added in the browser).
    origin: Mapped[str] = mapped_column(String(20), default="staff")
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[Session] = relationship(back_populates="materials")
