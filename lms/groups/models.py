"""Groups of a cohort and who is in them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.core.db import UTCDateTime, db
from lms.core.time import utcnow


class Group(db.Model):
    """A project group of one cohort."""

    __tablename__ = "lms_group"
    __table_args__ = (UniqueConstraint("cohort_id", "name", name="uq_lms_group_cohort_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohort.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[GroupMember]] = relationship(back_populates="group", cascade="all, delete-orphan")


class GroupMember(db.Model):
    """One participant in one group. ``cohort_id`` repeats the group's so that the database
    itself refuses a second group for the same person in the same cohort."""

    __tablename__ = "lms_group_member"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id", name="uq_lms_group_member_cohort_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("lms_group.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohort.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Group] = relationship(back_populates="members")
    user: Mapped[User] = relationship()
