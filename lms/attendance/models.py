"""Attendance at live sessions, remembered name mappings, and participation marks."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.core.db import UTCDateTime, db, value_enum
from lms.core.time import utcnow
from lms.sessions.models import Session


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"
    EXCUSED = "excused"


class AttendanceSource(enum.StrEnum):
    MANUAL = "manual"
    MEETING_REPORT = "meeting-report"


class AttendanceRecord(db.Model):
    __tablename__ = "lms_attendance_record"
    __table_args__ = (UniqueConstraint("session_id", "user_id", name="uq_lms_attendance_record_session_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("lms_session.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(value_enum(AttendanceStatus, "lms_attendance_status"))
    #: Minutes within the scheduled time (the union of the person's joins, clipped).
    minutes: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[AttendanceSource] = mapped_column(value_enum(AttendanceSource, "lms_attendance_source"))
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[Session] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class NameMapping(db.Model):
    """A display name from a meeting report that an instructor matched to a participant,
    remembered for the cohort's later sessions."""

    __tablename__ = "lms_name_mapping"
    __table_args__ = (UniqueConstraint("cohort_id", "normalised_name", name="uq_lms_name_mapping_cohort_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohort.id", ondelete="CASCADE"), index=True)
    normalised_name: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ParticipationMark(db.Model):
    """Points for contributions: per session, or once for the course (session None), as the
    course file says."""

    __tablename__ = "lms_participation_mark"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id", "session_id",
                                       name="uq_lms_participation_mark_cohort_user_session"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohort.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("lms_session.id", ondelete="CASCADE"))
    points: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    note: Mapped[str] = mapped_column(Text, default="")
    grader_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
