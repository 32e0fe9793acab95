"""Applications, their attachments, reviewers and scores."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.cohorts.models import Cohort
from lms.core.db import UTCDateTime, db, value_enum
from lms.core.time import utcnow


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    SELECTED = "selected"
    WAITLISTED = "waitlisted"
    #: A freed place offered to a waitlisted applicant, until ``offer_expires_at``.
    OFFERED = "offered"
    REJECTED = "rejected"
    #: Left after being selected, or let an offer pass.
    WITHDRAWN = "withdrawn"


#: Statuses a coordinator's decision may set.
DECISIONS = (ApplicationStatus.SELECTED, ApplicationStatus.WAITLISTED, ApplicationStatus.REJECTED)


class Application(db.Model):
    """One person's application to one cohort (the database keeps it to one)."""

    __tablename__ = "lms_application"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id", name="uq_lms_application_cohort_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohort.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(value_enum(ApplicationStatus, "lms_application_status"),
                                                      default=ApplicationStatus.DRAFT)
    #: Question key → answer text, as typed (drafts may be incomplete).
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    #: Set while a freed place is offered (status ``offered``).
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cohort: Mapped[Cohort] = relationship()
    user: Mapped[User] = relationship()
    files: Mapped[list[ApplicationFile]] = relationship(back_populates="application", cascade="all, delete-orphan")
    scores: Mapped[list[ApplicationScore]] = relationship(back_populates="application",
                                                          cascade="all, delete-orphan")


class ApplicationFile(db.Model):
    """The CV or the letter of an application (one of each)."""

    __tablename__ = "lms_application_file"
    __table_args__ = (UniqueConstraint("application_id", "kind", name="uq_lms_application_file_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("lms_application.id", ondelete="CASCADE"), index=True)
    #: ``cv`` or ``letter``.
    kind: Mapped[str] = mapped_column(String(10))
    stored_name: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="files")


class ApplicationReviewer(db.Model):
    """An instructor given the reviewer role in one cohort (coordinators review anyway)."""

    __tablename__ = "lms_application_reviewer"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id", name="uq_lms_application_reviewer_cohort_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohort.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship()


class ApplicationScore(db.Model):
    """One reviewer's score of one application on one criterion."""

    __tablename__ = "lms_application_score"
    __table_args__ = (UniqueConstraint("application_id", "reviewer_id", "criterion",
                                       name="uq_lms_application_score_reviewer_criterion"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("lms_application.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    criterion: Mapped[str] = mapped_column(String(64))
    points: Mapped[int] = mapped_column(Integer)
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="scores")
    reviewer: Mapped[User] = relationship()
