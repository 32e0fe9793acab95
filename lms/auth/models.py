"""People and their login sessions."""
from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, db
from lms.core.time import utcnow


class User(db.Model):
    __tablename__ = "lms_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Stored lower-cased; the login and enrolment key.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: ISO 3166-1 alpha-2 code.
    country: Mapped[str | None] = mapped_column(String(2))
    organisation: Mapped[str | None] = mapped_column(String(200))
    #: IANA zone every time is shown in (``Asia/Kolkata``).
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    #: Self-described, optional; used only for selection statistics.
    gender: Mapped[str | None] = mapped_column(String(64))
    is_site_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    #: A disabled account cannot log in and its sessions are ended.
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Secret in the private calendar-feed URL (256 bits); None until asked for, new when reset.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: No reminder e-mails (notices of changes to sessions are always sent).
    mute_reminders: Mapped[bool] = mapped_column(Boolean, default=False)

    sessions: Mapped[list[UserSession]] = relationship(back_populates="user", cascade="all, delete-orphan")

    # Flask-Login protocol. The id kept in the cookie is the login session's token, not the
    # user id, so ending a session on the server ends it everywhere.
    session_token: ClassVar[str | None] = None  # set per instance by the session loader
    session_id: ClassVar[int | None] = None  # the UserSession row of this request ("this device")

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserSession(db.Model):
    """One login: created at login, ended at logout, password change or account disable, by
    its owner from the Account page, or when it has been idle or open too long."""

    __tablename__ = "lms_user_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the random token in the cookie; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Last request seen, kept to the minute (``LMS_SESSION_TOUCH_INTERVAL``): not a write per request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User] = relationship(back_populates="sessions")
