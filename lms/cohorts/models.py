"""Courses, their cohorts and who takes part in them with which role."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.core.db import UTCDateTime, db, value_enum
from lms.core.time import utcnow
from lms.courses.models import Course


class Role(enum.StrEnum):
    COORDINATOR = "coordinator"
    INSTRUCTOR = "instructor"
    PARTICIPANT = "participant"


class CohortStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    RUNNING = "running"
    FINALISED = "finalised"


def new_stamp() -> int:
    return secrets.randbits(62)


class Cohort(db.Model):
    """One run of a course, with its own people and dates."""

    __tablename__ = "lms_cohort"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_course.id"), index=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    #: IANA zone the programme announces its times in (``Europe/Zurich`` for CET).
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    capacity: Mapped[int] = mapped_column(Integer, default=32)
    status: Mapped[CohortStatus] = mapped_column(
        value_enum(CohortStatus, "lms_cohort_status"), default=CohortStatus.DRAFT
    )
    applications_open_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applications_close_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When results were frozen and certificates issued; None while marks may change.
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A new random number in every transaction that takes the cohort's lock: every write that
    #: feeds a grade does (``ensure_open``), so standings computed at one stamp hold until it
    #: changes (``lms.gradebook.services`` keeps them by it). Random rather than counted, so
    #: a restored backup or a reused id never brings back a stamp already seen.
    grades_stamp: Mapped[int] = mapped_column(BigInteger, default=new_stamp, server_default="0")
    #: How many participant memberships the cohort has, kept by the database itself: triggers
    #: on ``lms_membership`` (migration 0013) add or take one at every insert, delete or change
    #: of a participant's row, whatever writes it (a service, a cascade, raw SQL). Shown on the
    #: cohort page, which thus reads one row at any cohort size; rules that depend on the
    #: number (capacity) still count the rows under the cohort's lock. Read it fresh: a
    #: Cohort loaded before a membership changed in the same session keeps the old number.
    participant_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    course: Mapped[Course] = relationship(back_populates="cohorts")
    memberships: Mapped[list[Membership]] = relationship(back_populates="cohort", cascade="all, delete-orphan")
    sessions: Mapped[list[Session]] = relationship(  # noqa: F821 - lms.sessions.models
        back_populates="cohort", cascade="all, delete-orphan", order_by="Session.starts_at")


class Membership(db.Model):
    """A person's role in one cohort. One person may hold several roles (one row each)."""

    __tablename__ = "lms_membership"
    __table_args__ = (
        UniqueConstraint("cohort_id", "user_id", "role", name="uq_lms_membership_cohort_user_role"),
        # A cohort's people by role: the participant count and the teaching team read a range
        # of it (with the person: nothing else to look up), not every membership of a cohort of
        # 5,000. It serves lookups by cohort alone too.
        Index("ix_lms_membership_cohort_id_role", "cohort_id", "role", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohort.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(value_enum(Role, "lms_role"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()
