"""Applying to a cohort: the questionnaire with its CV and letter, saved as a draft until
submitted and editable until the window closes; decisions that never fill a cohort beyond
its capacity; the waitlist's offers of freed places and their expiry; the retention purge."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask import current_app

from lms.applications.models import (
    DECISIONS,
    Application,
    ApplicationFile,
    ApplicationStatus,
)
from lms.audit.services import record_event
from lms.auth.models import User
from lms.cohorts.models import Cohort, Membership, Role
from lms.cohorts.services import add_member, ensure_open, lock_cohort, participant_count
from lms.core.countries import country
from lms.core.db import db
from lms.core.errors import ConflictError, ValidationError
from lms.core.text import check_single_line
from lms.core.time import utcnow
from lms.core.uploads import store_upload
from lms.courses.spec import CriterionSpec, QuestionSpec
from lms.notifications.services import queue_email
from lms.sessions.materials import upload_limits

#: The two attachments every application needs, with their labels.
FILE_KINDS = {"cv": "CV", "letter": "recommendation or motivation letter"}
FILE_TYPES = ("pdf", "docx", "odt")
#: How an applicant describes their gender (optional; used only for the selection figures).
GENDERS = {"woman": "Woman", "man": "Man", "another": "Another gender", "undisclosed": "Prefer not to say"}
TEXT_MAX = 300
LONG_TEXT_MAX = 5000
YES_NO = ("yes", "no")
#: Statuses an applicant may still change their application in (while the window is open).
EDITABLE = (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED)


# ---- the course file's questionnaire and criteria ------------------------------------------

def questions(cohort: Cohort) -> list[QuestionSpec]:
    return [QuestionSpec(q["key"], q["text"], q["kind"], bool(q.get("required", True)), tuple(q.get("choices", ())))
            for q in cohort.course.application_questions or []]


def criteria(cohort: Cohort) -> list[CriterionSpec]:
    return [CriterionSpec(c["key"], c["title"], int(c.get("max_points", 5)))
            for c in cohort.course.application_criteria or []]


# ---- the window ----------------------------------------------------------------------------

def window_state(cohort: Cohort, now: datetime | None = None) -> str:
    """``unset`` (no window), ``not_yet``, ``open`` or ``closed``."""
    now = now or utcnow()
    if cohort.applications_close_at is None:
        return "unset"
    if cohort.applications_open_at is not None and now < cohort.applications_open_at:
        return "not_yet"
    return "open" if now < cohort.applications_close_at else "closed"


def set_window(cohort: Cohort, opens: datetime | None, closes: datetime | None, actor: User | None) -> None:
    """Change when applications open and close (aware UTC); ``closes`` after ``opens``."""
    if closes is None and opens is not None:
        raise ValidationError("Give a closing time too: applications cannot stay open for ever.")
    if opens is not None and closes is not None and closes <= opens:
        raise ValidationError("Applications must close after they open.")
    before = {"opens": _iso(cohort.applications_open_at), "closes": _iso(cohort.applications_close_at)}
    cohort.applications_open_at, cohort.applications_close_at = opens, closes
    record_event(actor, "application.window", "cohort", cohort.id, cohort_id=cohort.id, before=before,
                 after={"opens": _iso(opens), "closes": _iso(closes)})
    db.session.flush()


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _ensure_window_open(cohort: Cohort) -> None:
    state = window_state(cohort)
    if state != "open":
        raise ConflictError({"unset": "This cohort does not take applications.",
                             "not_yet": "Applications for this cohort are not open yet.",
                             "closed": "Applications for this cohort have closed."}[state])


# ---- applying ------------------------------------------------------------------------------

def application_of(cohort: Cohort, user: User) -> Application | None:
    return db.session.execute(sa.select(Application).where(
        Application.cohort_id == cohort.id, Application.user_id == user.id)).scalar_one_or_none()


@dataclass(frozen=True)
class Upload:
    stream: BinaryIO
    filename: str


@dataclass(frozen=True)
class Profile:
    country: str
    organisation: str
    gender: str


def upload_folder() -> Path:
    base = current_app.config.get("LMS_UPLOAD_DIR") or Path(current_app.instance_path) / "uploads"
    return Path(base) / "applications"


def _check_answer(question: QuestionSpec, value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    if question.kind == "text":
        check_single_line(value, f"The answer to “{question.text}”")
        if len(value) > TEXT_MAX:
            raise ValidationError(f"The answer to “{question.text}” is longer than {TEXT_MAX} characters.")
    elif question.kind == "long_text":
        if len(value) > LONG_TEXT_MAX:
            raise ValidationError(f"The answer to “{question.text}” is longer than {LONG_TEXT_MAX} characters.")
    elif question.kind == "choice" and value not in question.choices:
        raise ValidationError(f"Choose one of the offered answers to “{question.text}”.")
    elif question.kind == "yes_no" and value not in YES_NO:
        raise ValidationError(f"Answer “{question.text}” with yes or no.")
    return value


def _check_profile(profile: Profile) -> Profile:
    code = profile.country.strip().upper()
    if code and country(code) is None:
        raise ValidationError("Choose your country from the list.")
    organisation = profile.organisation.strip()
    check_single_line(organisation, "The organisation")
    if len(organisation) > 200:
        raise ValidationError("The organisation is longer than 200 characters.")
    if profile.gender and profile.gender not in GENDERS:
        raise ValidationError("Choose one of the offered answers for gender.")
    return Profile(code, organisation, profile.gender)


def save_application(cohort: Cohort, user: User, answers: dict[str, str], profile: Profile,
                     uploads: dict[str, Upload]) -> Application:
    """Create or update ``user``'s application as it stands (a draft stays a draft, a
    submitted one stays submitted): answers, profile (country, organisation, gender) and any
    new CV or letter. Only while the window is open. Every answer and file is checked
    before anything is written; a refused file names its kind."""
    _ensure_window_open(cohort)
    lock_cohort(cohort)  # one application per person even when the form is posted twice at once
    application = application_of(cohort, user)
    if application is not None and application.status not in EDITABLE:
        raise ConflictError(f"Your application was {application.status.value}; it can no longer be changed.")
    checked = {q.key: _check_answer(q, answers.get(q.key, "")) for q in questions(cohort)}
    profile = _check_profile(profile)
    limit = current_app.config["LMS_APPLICATION_FILE_MAX_BYTES"]
    stored = {}
    for kind, upload in uploads.items():
        data = upload.stream.read(limit + 1)
        if len(data) > limit:
            raise ValidationError(f"The {FILE_KINDS[kind]} is larger than {limit // (1024 * 1024)} MB.")
        try:
            stored[kind] = store_upload(io.BytesIO(data), upload.filename, upload_folder(), FILE_TYPES,
                                        upload_limits())
        except ValidationError as error:
            raise ValidationError(f"The {FILE_KINDS[kind]}: {error}") from None
    if application is None:
        application = Application(cohort=cohort, user=user, status=ApplicationStatus.DRAFT)
        db.session.add(application)
    application.answers = checked
    application.updated_at = utcnow()
    user.country, user.organisation, user.gender = profile.country or None, profile.organisation or None, \
        profile.gender or None
    replaced = []
    for kind, file in stored.items():
        old = next((f for f in application.files if f.kind == kind), None)
        if old is not None:
            replaced.append(old.stored_name)
            application.files.remove(old)
            db.session.flush()
        application.files.append(ApplicationFile(kind=kind, stored_name=file.stored_name,
                                                 original_name=file.original_name[:255],
                                                 content_type=file.content_type, size_bytes=file.size_bytes))
    db.session.flush()
    if application.status == ApplicationStatus.SUBMITTED:
        # A submitted application stays complete: an edit that empties a required answer is
        # refused whole (the caller rolls back), and the files just stored are not kept.
        problems = missing_for_submission(application)
        if problems:
            for file in stored.values():
                (upload_folder() / file.stored_name).unlink(missing_ok=True)
            raise ValidationError(["Your application is submitted, so it must stay complete.", *problems])
    for name in replaced:
        (upload_folder() / name).unlink(missing_ok=True)
    return application


def missing_for_submission(application: Application) -> list[str]:
    """What stands between ``application`` and a complete one, in the form's order."""
    problems = []
    if not application.user.country:
        problems.append("Choose your country.")
    for question in questions(application.cohort):
        if question.required and not application.answers.get(question.key):
            problems.append(f"Answer “{question.text}”.")
    kinds = {f.kind for f in application.files}
    for kind, label in FILE_KINDS.items():
        if kind not in kinds:
            problems.append(f"Attach your {label} (PDF, DOCX or ODT).")
    return problems


def submit_application(application: Application) -> None:
    """Mark a complete draft submitted; refuses, listing what is missing, otherwise."""
    _ensure_window_open(application.cohort)
    if application.status == ApplicationStatus.SUBMITTED:
        return
    if application.status != ApplicationStatus.DRAFT:
        raise ConflictError(f"Your application was {application.status.value}; it can no longer be changed.")
    problems = missing_for_submission(application)
    if problems:
        raise ValidationError(problems)
    application.status, application.submitted_at = ApplicationStatus.SUBMITTED, utcnow()
    record_event(application.user, "application.submit", "application", application.id,
                 cohort_id=application.cohort_id)
    db.session.flush()


# ---- decisions, capacity and the waitlist --------------------------------------------------

def _outstanding_offers(cohort: Cohort) -> int:
    return db.session.execute(sa.select(sa.func.count(Application.id)).where(
        Application.cohort_id == cohort.id, Application.status == ApplicationStatus.OFFERED)).scalar_one()


def free_places(cohort: Cohort) -> int:
    """Places neither taken by a participant nor held by an offer."""
    return cohort.capacity - participant_count(cohort) - _outstanding_offers(cohort)


def _status_link(cohort: Cohort) -> str:
    from lms.core.urls import external_url

    return external_url("lms.applications.apply", slug=cohort.slug)


def _tell(application: Application, subject: str, text: str) -> None:
    cohort = application.cohort
    note = f"\n\nA note from the course team:\n{application.decision_note}" if application.decision_note else ""
    queue_email(application.user.email, f"{cohort.title}: {subject}",
                f"Dear {application.user.name},\n\n{text}{note}\n\nYour application: {_status_link(cohort)}\n")


DECISION_MAIL = {
    ApplicationStatus.SELECTED: ("you are selected", "You have been selected for {title}. Welcome!"),
    ApplicationStatus.WAITLISTED: ("you are on the waitlist",
                                   "You are on the waitlist for {title}. If a place becomes free it will be "
                                   "offered to you by e-mail, with a time limit to accept it."),
    ApplicationStatus.REJECTED: ("your application", "Thank you for applying to {title}. We are sorry that we "
                                                     "cannot offer you a place this time."),
}


def decide(application: Application, status: ApplicationStatus, note: str, actor: User | None) -> None:
    """A coordinator's decision. Selecting makes the applicant a participant and is refused
    when no place is free, counted under the cohort's lock so two coordinators selecting at
    the same moment cannot overfill it. Moving a selected applicant elsewhere takes their
    participant place away again."""
    if status not in DECISIONS:
        raise ValidationError("Choose selected, waitlisted or rejected.")
    if application.status in (ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN):
        raise ConflictError(f"{application.user.name}'s application is {application.status.value}; "
                            "only submitted applications can be decided.")
    note = note.strip()
    if len(note) > 2000:
        raise ValidationError("The note is longer than 2000 characters.")
    cohort = application.cohort
    ensure_open(cohort, "its participants")
    db.session.refresh(application)  # read the status under the lock: another coordinator may have decided
    if application.status == status and application.decision_note == note:
        return
    before = {"status": application.status.value, "note": application.decision_note}
    if status == ApplicationStatus.SELECTED and application.status != ApplicationStatus.SELECTED:
        held = 1 if application.status == ApplicationStatus.OFFERED else 0
        if free_places(cohort) + held <= 0:
            raise ConflictError(f"The cohort is full: all {cohort.capacity} places are taken. Withdraw or move "
                                "someone first.")
        add_member(cohort, application.user, Role.PARTICIPANT, actor)
    elif application.status == ApplicationStatus.SELECTED and status != ApplicationStatus.SELECTED:
        _drop_participant(cohort, application.user)
    application.status, application.decision_note, application.decided_at = status, note, utcnow()
    application.offer_expires_at = None
    record_event(actor, "application.decide", "application", application.id, cohort_id=cohort.id, before=before,
                 after={"status": status.value, "note": note})
    subject, text = DECISION_MAIL[status]
    _tell(application, subject, text.format(title=cohort.title))
    db.session.flush()


def _drop_participant(cohort: Cohort, user: User) -> None:
    membership = db.session.execute(sa.select(Membership).where(
        Membership.cohort_id == cohort.id, Membership.user_id == user.id,
        Membership.role == Role.PARTICIPANT)).scalar_one_or_none()
    if membership is not None:
        record_event(None, "membership.remove", "membership", membership.id, cohort_id=cohort.id,
                     before={"user_id": user.id, "email": user.email, "role": Role.PARTICIPANT.value},
                     after={"reason": "application withdrawn or decision changed"})
        db.session.delete(membership)
        db.session.flush()


def offer_free_places(cohort: Cohort, now: datetime | None = None) -> list[Application]:
    """Offer every free place to the first waitlisted applicants (earliest waitlisted
    first), each with ``LMS_APPLICATION_OFFER_HOURS`` to accept. Call under the cohort's lock."""
    now = now or utcnow()
    hours = current_app.config["LMS_APPLICATION_OFFER_HOURS"]
    offered = []
    free = free_places(cohort)
    if free <= 0:
        return offered
    waiting = db.session.execute(sa.select(Application).where(
        Application.cohort_id == cohort.id, Application.status == ApplicationStatus.WAITLISTED)
        .order_by(Application.decided_at, Application.id).limit(free)).scalars().all()
    for application in waiting:
        application.status, application.offer_expires_at = ApplicationStatus.OFFERED, now + timedelta(hours=hours)
        record_event(None, "application.offer", "application", application.id, cohort_id=cohort.id,
                     after={"expires_at": application.offer_expires_at.isoformat()})
        _tell(application, "a place is free for you",
              f"A place has become free in {cohort.title} and it is offered to you. Accept it on your "
              f"application page within {hours} hours ({application.offer_expires_at:%d %b %Y %H:%M} UTC); "
              "after that it is offered to the next person on the waitlist.")
        offered.append(application)
    db.session.flush()
    return offered


def withdraw_application(application: Application, actor: User | None) -> None:
    """The applicant steps back: a draft or submitted application, a waitlist place, an offer
    (declined) or a selected place (the participant role goes, and the place is offered to
    the first waitlisted applicant)."""
    if application.status in (ApplicationStatus.WITHDRAWN, ApplicationStatus.REJECTED):
        raise ConflictError(f"Your application is already {application.status.value}.")
    cohort = application.cohort
    ensure_open(cohort, "its participants")
    db.session.refresh(application)
    before = application.status
    if before == ApplicationStatus.SELECTED:
        _drop_participant(cohort, application.user)
    application.status, application.offer_expires_at = ApplicationStatus.WITHDRAWN, None
    record_event(actor, "application.withdraw", "application", application.id, cohort_id=cohort.id,
                 before={"status": before.value})
    db.session.flush()
    if before in (ApplicationStatus.SELECTED, ApplicationStatus.OFFERED):
        offer_free_places(cohort)


def accept_offer(application: Application, now: datetime | None = None) -> None:
    """Take an offered place before it expires: the applicant is selected and a participant."""
    now = now or utcnow()
    cohort = application.cohort
    ensure_open(cohort, "its participants")
    db.session.refresh(application)
    if application.status != ApplicationStatus.OFFERED:
        raise ConflictError("There is no offer to accept.")
    if application.offer_expires_at is not None and application.offer_expires_at <= now:
        raise ConflictError("This offer has expired; the place has passed to the next person on the waitlist.")
    add_member(cohort, application.user, Role.PARTICIPANT, application.user)
    application.status, application.offer_expires_at, application.decided_at = ApplicationStatus.SELECTED, None, now
    record_event(application.user, "application.accept", "application", application.id, cohort_id=cohort.id)
    db.session.flush()


def expire_offers(now: datetime | None = None) -> int:
    """Let every offer past its time lapse (the applicant counts as withdrawn) and offer the
    place to the next waitlisted applicant. Returns how many offers lapsed. Safe to run
    twice: a lapsed offer is no longer ``offered``."""
    now = now or utcnow()
    cohort_ids = db.session.execute(sa.select(Application.cohort_id).where(
        Application.status == ApplicationStatus.OFFERED, Application.offer_expires_at <= now).distinct()
    ).scalars().all()
    lapsed = 0
    for cohort_id in cohort_ids:
        cohort = db.session.get(Cohort, cohort_id)
        lock_cohort(cohort)
        expired = db.session.execute(sa.select(Application).where(
            Application.cohort_id == cohort_id, Application.status == ApplicationStatus.OFFERED,
            Application.offer_expires_at <= now).execution_options(populate_existing=True)).scalars().all()
        for application in expired:
            application.status, application.offer_expires_at = ApplicationStatus.WITHDRAWN, None
            record_event(None, "application.offer_expired", "application", application.id, cohort_id=cohort_id)
            _tell(application, "your offer has expired",
                  f"The place offered to you in {cohort.title} was not accepted in time and has passed to the "
                  "next person on the waitlist.")
            lapsed += 1
        db.session.flush()
        if cohort.finalised_at is None:
            offer_free_places(cohort, now)
    return lapsed


# ---- privacy -------------------------------------------------------------------------------

def purge_applications(now: datetime | None = None) -> int:
    """Delete the applications (answers, scores and files) of people who were not selected,
    in cohorts whose window closed more than ``LMS_APPLICATION_RETENTION_DAYS`` ago. Returns
    how many were deleted; a count is audited, no personal data."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["LMS_APPLICATION_RETENTION_DAYS"])
    doomed = db.session.execute(sa.select(Application).join(Cohort, Cohort.id == Application.cohort_id).where(
        Cohort.applications_close_at.is_not(None), Cohort.applications_close_at < cutoff,
        Application.status.not_in([ApplicationStatus.SELECTED, ApplicationStatus.OFFERED]))
        .options(sa.orm.selectinload(Application.files))).scalars().all()
    names = [f.stored_name for a in doomed for f in a.files]
    per_cohort: dict[int, int] = {}
    for application in doomed:
        per_cohort[application.cohort_id] = per_cohort.get(application.cohort_id, 0) + 1
        db.session.delete(application)
    for cohort_id, count in per_cohort.items():
        record_event(None, "application.purge", "cohort", cohort_id, cohort_id=cohort_id,
                     after={"deleted": count, "retention_days": current_app.config["LMS_APPLICATION_RETENTION_DAYS"]})
    db.session.flush()
    for name in names:
        (upload_folder() / name).unlink(missing_ok=True)
    return len(doomed)


def answers_for_display(application: Application) -> list[tuple[QuestionSpec, str]]:
    return [(q, str(application.answers.get(q.key, ""))) for q in questions(application.cohort)]


def file_of(application: Application, kind: str) -> ApplicationFile | None:
    return next((f for f in application.files if f.kind == kind), None)


def stored_path(file: ApplicationFile) -> Path:
    return upload_folder() / file.stored_name


def to_answers(form: Any, cohort: Cohort) -> dict[str, str]:
    """The questionnaire's fields out of a posted form (``q-<key>``)."""
    return {q.key: str(form.get(f"q-{q.key}", ""))[:LONG_TEXT_MAX + 1] for q in questions(cohort)}
