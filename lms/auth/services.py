"""Accounts: registration, login sessions, passwords, profiles."""
from __future__ import annotations

import functools
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lms.auth.models import User, UserSession
from lms.auth.passwords import DUMMY_HASH, hash_password, password_problems, verify_password
from lms.cohorts.models import Membership, Role
from lms.core.db import db, joined_strings
from lms.core.errors import ConflictError, NotFoundError, ValidationError, WrongPasswordError
from lms.core.text import single_line_problem
from lms.core.time import is_time_zone, utcnow
from lms.core.urls import external_url
from lms.notifications.services import queue_email

log = logging.getLogger("lms.auth")

RESET_SALT = "lms-password-reset"
REGISTER_SALT = "lms-register"


def normalise_email(email: str) -> str:
    """Lower-cased and checked; raises ValidationError for an address that cannot be one."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationError(f"{email.strip() or 'An empty value'} is not a valid e-mail address: {exc}") from exc


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(db.select(User).where(User.email == email.strip().lower())).scalar_one_or_none()


@dataclass(frozen=True)
class Profile:
    name: str
    country: str | None = None
    organisation: str | None = None
    timezone: str = "UTC"
    #: Self-described and optional; None leaves what is stored (registration does not ask).
    gender: str | None = None


def _check_profile(profile: Profile) -> None:
    problems = []
    if not profile.name.strip():
        problems.append("Name is required.")
    for label, value in (("Name", profile.name), ("Organisation", profile.organisation or ""),
                         ("Gender", profile.gender or "")):
        if problem := single_line_problem(value, label):
            problems.append(problem)
    if not is_time_zone(profile.timezone):
        problems.append(f"{profile.timezone!r} is not a known time zone.")
    if problems:
        raise ValidationError(problems)


def register_user(email: str, password: str | None, profile: Profile) -> User:
    """Create an account. ``password`` None leaves it unusable until a reset link is used."""
    address = normalise_email(email)
    _check_profile(profile)
    if password is not None:
        problems = password_problems(password, email=address, name=profile.name)
        if problems:
            raise ValidationError(problems)
    if find_user_by_email(address):
        raise ConflictError("An account with this e-mail address already exists. Log in, or reset your password.")
    user = User(
        email=address,
        name=profile.name.strip(),
        country=profile.country or None,
        organisation=(profile.organisation or "").strip() or None,
        timezone=profile.timezone,
        password_hash=hash_password(password) if password is not None else None,
    )
    db.session.add(user)
    db.session.flush()
    log.info("account created user=%s", user.id)
    return user


def user_for_host(email: str, name: str | None) -> tuple[User, bool]:
    """The LMS account of a host application's logged-in user (``LMS_HOST_USER``) and whether
    it is new: found by e-mail, or created without a password on the first visit, named as
    the host names them. Afterwards the profile is the LMS's: the host's name is not copied again."""
    address = normalise_email(email)
    user = find_user_by_email(address)
    if user is not None:
        return user, False
    display = " ".join("".join(c if c.isprintable() else " " for c in name or "").split())[:200]
    return register_user(address, None, Profile(display or address.split("@")[0])), True


def update_profile(user: User, profile: Profile) -> None:
    _check_profile(profile)
    user.name = profile.name.strip()
    user.country = profile.country or None
    user.organisation = (profile.organisation or "").strip() or None
    user.timezone = profile.timezone
    if profile.gender is not None:
        user.gender = profile.gender.strip() or None
    db.session.flush()


def authenticate(email: str, password: str, ip: str | None = None) -> User | None:
    """The user whose e-mail and password these are, or None. Takes the same time either way."""
    user = find_user_by_email(email) if email else None
    if user is None:
        verify_password(DUMMY_HASH, password)
        log.warning("login failed: unknown e-mail from %s", ip)
        return None
    if not verify_password(user.password_hash, password) or not user.is_enabled:
        log.warning("login failed user=%s from %s", user.id, ip)
        return None
    log.info("login user=%s from %s", user.id, ip)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, user_agent: str | None = None) -> str:
    """Record a new login session and return its token (for the cookie; stored only hashed)."""
    token = secrets.token_urlsafe(32)
    row = UserSession(user=user, token_hash=_token_hash(token), user_agent=(user_agent or "")[:300])
    db.session.add(row)
    db.session.flush()
    user.session_token, user.session_id = token, row.id
    return token


def _session_expired(row: UserSession, now: datetime) -> bool:
    config = current_app.config
    return (now - row.last_seen_at > timedelta(seconds=int(config["LMS_SESSION_IDLE"]))
            or now - row.created_at > timedelta(seconds=int(config["LMS_SESSION_MAX_AGE"])))


@functools.cache
def _resume_statement(dialect: str) -> sa.Select[Any]:
    """The user of a login session, the session's times and the user's roles (``cohort
    id:role`` pairs joined by commas): every page needs all three, so one statement, built
    once per process, with one object to build (the user), not two."""
    pair = sa.cast(Membership.cohort_id, sa.String) + ":" + sa.cast(Membership.role, sa.String)
    roles = (sa.select(joined_strings(dialect, pair)).where(Membership.user_id == UserSession.user_id)
             .correlate(UserSession).scalar_subquery())
    return (sa.select(User, UserSession.id, UserSession.created_at, UserSession.last_seen_at, roles)
            .join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.token_hash == sa.bindparam("token_hash"), UserSession.ended_at.is_(None)))


def _roles(pairs: str | None) -> dict[int, frozenset[Role]]:
    found: dict[int, set[Role]] = {}
    for pair in (pairs or "").split(","):
        if pair:
            cohort_id, role = pair.split(":", 1)
            found.setdefault(int(cohort_id), set()).add(Role(role))
    return {cohort_id: frozenset(roles) for cohort_id, roles in found.items()}


def resume_session(token: str) -> tuple[User | None, bool, dict[int, frozenset[Role]]]:
    """The user of a live login session, whether its row changed (the caller commits), and
    the user's roles by cohort id (read in the same statement).

    A session idle longer than ``LMS_SESSION_IDLE`` or older than ``LMS_SESSION_MAX_AGE``
    is ended here; "last seen" moves only when older than ``LMS_SESSION_TOUCH_INTERVAL``."""
    statement = _resume_statement(db.engine.dialect.name)
    found = db.session.execute(statement, {"token_hash": _token_hash(token)}).one_or_none()
    if found is None or not found[0].is_enabled:
        return None, False, {}
    user, session_id, _, last_seen_at, pairs = found
    now = utcnow()
    if _session_expired(found, now):
        _update_session(session_id, ended_at=now)
        log.info("session expired user=%s", user.id)
        return None, True, {}
    touched = now - last_seen_at >= timedelta(seconds=int(current_app.config["LMS_SESSION_TOUCH_INTERVAL"]))
    if touched:
        _update_session(session_id, last_seen_at=now)
    user.session_token, user.session_id = token, session_id
    return user, touched, _roles(pairs)


def _update_session(session_id: int, **values: datetime) -> None:
    db.session.execute(sa.update(UserSession).where(UserSession.id == session_id).values(**values)
                       .execution_options(synchronize_session=False))


def live_sessions(user: User) -> list[UserSession]:
    """The user's sessions that still work, the most recently used first."""
    rows = db.session.execute(
        db.select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ).scalars()
    now = utcnow()
    return [row for row in rows if not _session_expired(row, now)]


def end_own_session(user: User, session_id: int) -> None:
    """End one of ``user``'s own sessions (a device left logged in)."""
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != user.id or row.ended_at is not None:
        raise NotFoundError("That session has already ended.")
    row.ended_at = utcnow()
    db.session.flush()
    log.info("session ended by its owner user=%s", user.id)


def end_other_sessions(user: User, keep_token: str | None) -> None:
    """End every session of ``user`` but the one whose token is ``keep_token``."""
    db.session.execute(
        db.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None),
               UserSession.token_hash != _token_hash(keep_token or ""))
        .values(ended_at=utcnow())
    )
    log.info("other sessions ended by their owner user=%s", user.id)


def device_name(user_agent: str | None) -> str:
    """A short name for a browser's User-Agent ("Firefox on Linux"), for people to tell their sessions apart."""
    agent = user_agent or ""
    browsers = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chromium/", "Chromium"),
                ("Chrome/", "Chrome"), ("Safari/", "Safari")]
    systems = [("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Windows", "Windows"),
               ("CrOS", "ChromeOS"), ("Mac OS X", "macOS"), ("Linux", "Linux")]
    browser = next((name for mark, name in browsers if mark in agent), None)
    system = next((name for mark, name in systems if mark in agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or (agent[:60] if agent else "Unknown device")


def end_session(token: str | None) -> None:
    if not token:
        return
    db.session.execute(
        db.update(UserSession)
        .where(UserSession.token_hash == _token_hash(token), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def end_all_sessions(user: User) -> None:
    """End every session of ``user`` on the server (password change, reset, disable)."""
    db.session.execute(
        db.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def set_password(user: User, new_password: str) -> None:
    problems = password_problems(new_password, email=user.email, name=user.name)
    if problems:
        raise ValidationError(problems)
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)
    db.session.flush()
    log.info("password set user=%s; all sessions ended", user.id)


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Check the current password, set the new one and end every session (the caller
    starts a fresh one for the person who made the change)."""
    if not verify_password(user.password_hash, current_password):
        log.warning("password change refused: wrong current password user=%s", user.id)
        raise WrongPasswordError("Your current password is not right.")
    set_password(user, new_password)


def disable_user(user: User) -> None:
    user.is_enabled = False
    end_all_sessions(user)
    db.session.flush()
    log.info("account disabled user=%s", user.id)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _password_fingerprint(user: User) -> str:
    # Binds a reset token to the current password, so a used token cannot be used again.
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:16]


def make_reset_token(user: User, welcome: bool = False) -> str:
    return _serializer().dumps({"u": user.id, "p": _password_fingerprint(user), "w": int(welcome)})


def request_password_reset(email: str) -> None:
    """Mail a reset link when the address has an account; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_enabled:
        log.info("password reset asked for an unknown or disabled address")
        return
    send_password_link(user)


def _max_age(welcome: bool) -> int:
    config = current_app.config
    return int(config["LMS_WELCOME_LINK_MAX_AGE"] if welcome else config["LMS_PASSWORD_RESET_MAX_AGE"])


def _duration(seconds: int) -> str:
    days, hours = seconds // 86400, max(seconds // 3600, 1)
    return f"{days} day{'s' if days != 1 else ''}" if days else f"{hours} hour{'s' if hours != 1 else ''}"


def send_password_link(user: User, purpose: str = "reset", cohort_title: str = "") -> None:
    """E-mail a one-time link to set the password: ``welcome`` for an account made for
    someone (it names the cohort and lasts longer), ``reset`` when they asked."""
    welcome = purpose == "welcome"
    link = external_url("lms.auth.reset_password", token=make_reset_token(user, welcome))
    site = current_app.config["LMS_SITE_NAME"]
    lasts = _duration(_max_age(welcome))
    if welcome:
        subject = f"{site}: you are enrolled{' in ' + cohort_title if cohort_title else ''}"
        body = (f"Hello {user.name},\n\nYou have been enrolled{' in ' + cohort_title if cohort_title else ''}, and an "
                f"account has been made for you with this address. Choose your password here to log in:\n\n{link}\n\n"
                f"The link works once, within {lasts}. After that, use \"Forgot your password?\" on the login page.\n")
    else:
        subject = f"{site}: reset your password"
        body = (f"Hello {user.name},\n\nSomeone (we hope you) asked to reset your password. Choose a new one here:"
                f"\n\n{link}\n\nThe link works once, within {lasts}. If you did not ask for this, ignore this "
                f"e-mail: your password stays as it is.\n")
    queue_email(user.email, subject, body, kind="account")  # no user=: never shown in the app (one-time link)


def make_registration_token(address: str) -> str:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=REGISTER_SALT).dumps({"e": address})


def request_registration(email: str) -> None:
    """Start a registration: e-mail a link to finish it, or tell the owner of an existing
    account that someone tried. The caller's answer is the same either way, so nobody learns
    from it whether an address has an account; only the mailbox's owner can go on."""
    address = normalise_email(email)
    user = find_user_by_email(address)
    site = current_app.config["LMS_SITE_NAME"]
    if user is None:
        link = external_url("lms.auth.register_complete", token=make_registration_token(address))
        lasts = _duration(int(current_app.config["LMS_REGISTRATION_LINK_MAX_AGE"]))
        queue_email(address, f"{site}: finish creating your account",
                    f"Hello,\n\nSomeone (we hope you) asked to create an account with this address. Finish it "
                    f"here, choosing your name and password:\n\n{link}\n\nThe link works within {lasts}. If you "
                    f"did not ask for this, ignore this e-mail: no account is made.\n", kind="account")
        log.info("registration link sent")
    elif user.is_enabled:
        queue_email(address, f"{site}: someone tried to register with your address",
                    f"Hello {user.name},\n\nSomeone tried to register a new account with this address, which "
                    f"already has one. If it was you, log in:\n\n{external_url('lms.auth.login')}\n\nor, if you "
                    f"forgot your password, reset it:\n\n{external_url('lms.auth.reset_request')}\n\nIf it was "
                    f"not you, ignore this e-mail: nothing has changed.\n", kind="account")
        log.info("registration tried for the existing account user=%s", user.id)
    else:
        log.info("registration tried for the disabled account user=%s", user.id)


def registration_address(token: str) -> str | None:
    """The address a valid, unexpired registration link is for, while it has no account yet."""
    try:
        data, signed_at = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=REGISTER_SALT).loads(
            token, return_timestamp=True)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("e"), str):
        return None
    if (utcnow() - signed_at).total_seconds() > int(current_app.config["LMS_REGISTRATION_LINK_MAX_AGE"]):
        return None
    return None if find_user_by_email(data["e"]) else data["e"]


def user_from_reset_token(token: str) -> User | None:
    """The user a valid, unexpired, unused reset or welcome token is for; None otherwise."""
    try:
        data, signed_at = _serializer().loads(token, max_age=max(_max_age(True), _max_age(False)),
                                              return_timestamp=True)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    if (utcnow() - signed_at).total_seconds() > _max_age(bool(data.get("w"))):
        return None
    user = db.session.get(User, data.get("u"))
    if user is None or not user.is_enabled or data.get("p") != _password_fingerprint(user):
        return None
    return user
