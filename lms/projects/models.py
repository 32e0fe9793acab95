"""Project settings per cohort, submitted file versions, grades and peer comments."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.core.db import UTCDateTime, db
from lms.core.time import utcnow


class ProjectSetting(db.Model):
    """A cohort's project: the brief (from the course file or edited), when it is due and
    in which session it is presented."""

    __tablename__ = "lms_project_setting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohort.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    brief: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    presentation_session_id: Mapped[int | None] = mapped_column(ForeignKey("lms_session.id", ondelete="SET NULL"))
    #: ``flag``: late uploads are accepted and marked late; ``refuse``: refused after ``due_at``.
    late_policy: Mapped[str] = mapped_column(String(20), default="flag")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Submission(db.Model):
    """One uploaded version of a group's project; never overwritten."""

    __tablename__ = "lms_submission"
    __table_args__ = (UniqueConstraint("group_id", "version", name="uq_lms_submission_group_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("lms_group.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohort.id", ondelete="CASCADE"), index=True)
    #: 1, 2, 3 … per group; the unique constraint makes two uploads at once take two numbers.
    version: Mapped[int] = mapped_column(Integer)
    stored_name: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The version the group marked as the one to grade (at most one per group).
    is_final: Mapped[bool] = mapped_column(Boolean, default=False)

    uploaded_by: Mapped[User | None] = relationship()


class ProjectGrade(db.Model):
    """A group's grade: a level from the course file, feedback, and whether members see it."""

    __tablename__ = "lms_project_grade"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("lms_group.id", ondelete="CASCADE"), unique=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohort.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(50))
    points: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    feedback: Mapped[str] = mapped_column(Text, default="")
    released: Mapped[bool] = mapped_column(Boolean, default=False)
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id", ondelete="SET NULL"))
    graded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[ProjectGradeMember]] = relationship(back_populates="grade", cascade="all, delete-orphan")


class ProjectGradeMember(db.Model):
    """Who a grade was given to (the group's members when it was given) and what each gets:
    the group's level, or an instructor's override with its reason. One per person and cohort."""

    __tablename__ = "lms_project_grade_member"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id", name="uq_lms_project_grade_member_cohort_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("lms_project_grade.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohort.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    level: Mapped[str | None] = mapped_column(String(50))
    points: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    #: Set when an instructor gave this person another level than the group's.
    override_reason: Mapped[str | None] = mapped_column(Text)

    grade: Mapped[ProjectGrade] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class PeerComment(db.Model):
    """A participant's short comment on another group's presentation."""

    __tablename__ = "lms_peer_comment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("lms_group.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohort.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released: Mapped[bool] = mapped_column(Boolean, default=False)

    author: Mapped[User] = relationship()
