"""Finalising a cohort, issuing and revoking certificates, and rendering them."""
from __future__ import annotations

import base64
import functools
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app

from lms.audit.services import record_event
from lms.auth.models import User
from lms.certificates import badge, batch, pdf
from lms.certificates.models import Certificate
from lms.cohorts.models import Cohort, CohortStatus
from lms.cohorts.services import lock_cohort
from lms.core.db import db
from lms.core.errors import NotFoundError, ValidationError
from lms.core.localtime import in_zone
from lms.core.signals import certificate_issued
from lms.core.time import utcnow
from lms.core.urls import external_url
from lms.courses.models import Course
from lms.gradebook.services import Gradebook, gradebook
from lms.grading import format_total


def new_code() -> str:
    """160 random bits as 32 base32 letters and digits (no padding, no look-alike case)."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


@dataclass(frozen=True)
class IssueReport:
    issued: list[Certificate]
    already: int
    not_passed: int
    #: Valid certificates whose holder no longer passes or left the cohort: never revoked
    #: silently, but listed for the coordinator to revoke with a reason.
    to_review: list[Review]


@dataclass(frozen=True)
class Review:
    certificate: Certificate
    #: "total 72.50 no longer passes", "no longer a participant"
    why: str


def certificates_to_review(book: Gradebook, certificates: dict[int, Certificate]) -> list[Review]:
    """Valid certificates that today's results would not issue, with the reason."""
    rows = {row.user.id: row for row in book.rows}
    found = []
    for user_id, certificate in certificates.items():
        if not certificate.is_valid:
            continue
        row = rows.get(user_id)
        if row is None:
            found.append(Review(certificate, "no longer a participant of this cohort"))
        elif not row.result.passed:
            found.append(Review(certificate, f"total {format_total(row.result.total, row.result.threshold)} "
                                             "no longer passes"))
    return sorted(found, key=lambda r: r.certificate.recipient_name.casefold())


def finalise_cohort(cohort: Cohort, actor: User | None) -> IssueReport:
    """Freeze the marks and issue a certificate to everyone whose total passes. Running it
    again issues only what is missing; nobody ever gets two. Certificates whose holder no
    longer passes are reported for review, never revoked here."""
    lock_cohort(cohort)
    book = gradebook(cohort)
    held = certificates_of(cohort)
    existing = set(held)
    issued, already, failed = [], 0, 0
    for row in book.rows:
        if not row.result.passed:
            failed += 1
            continue
        if row.user.id in existing:
            already += 1
            continue
        total = Decimal(row.result.total.numerator) / Decimal(row.result.total.denominator)
        certificate = Certificate(cohort_id=cohort.id, user_id=row.user.id, code=new_code(),
                                  total=total.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP),
                                  recipient_name=row.user.name, issued_at=utcnow())
        db.session.add(certificate)
        issued.append(certificate)
    if cohort.status != CohortStatus.FINALISED:
        record_event(actor, "cohort.finalise", "cohort", cohort.id, cohort_id=cohort.id,
                     before={"status": cohort.status.value}, after={"status": "finalised"})
        cohort.status, cohort.finalised_at = CohortStatus.FINALISED, utcnow()
    db.session.flush()
    for certificate in issued:
        record_event(actor, "certificate.issue", "certificate", certificate.code, cohort_id=cohort.id,
                     after={"user_id": certificate.user_id, "total": str(certificate.total)})
        certificate_issued.send(certificate)
    db.session.flush()
    return IssueReport(issued, already, failed, certificates_to_review(book, held))


def reopen_cohort(cohort: Cohort, actor: User | None, reason: str) -> None:
    """Let marks change again after finalising; the reason goes into the audit log.
    Certificates already issued stay valid unless revoked one by one."""
    lock_cohort(cohort)
    if cohort.status != CohortStatus.FINALISED:
        raise ValidationError("This cohort is not finalised.")
    if not reason.strip():
        raise ValidationError("Say why the cohort is reopened; it is kept in the audit log.")
    record_event(actor, "cohort.reopen", "cohort", cohort.id, cohort_id=cohort.id,
                 before={"status": "finalised"}, after={"status": "running", "reason": reason.strip()})
    cohort.status, cohort.finalised_at = CohortStatus.RUNNING, None
    db.session.flush()


def revoke_certificate(certificate: Certificate, actor: User | None, reason: str) -> None:
    if not reason.strip():
        raise ValidationError("Give the reason for revoking; the verification page shows the certificate as revoked.")
    if certificate.revoked_at is not None:
        raise ValidationError("This certificate is already revoked.")
    certificate.revoked_at, certificate.revoked_reason = utcnow(), reason.strip()
    record_event(actor, "certificate.revoke", "certificate", certificate.code, cohort_id=certificate.cohort_id,
                 after={"reason": reason.strip()})
    db.session.flush()


def get_certificate(code: str) -> Certificate:
    certificate = db.session.execute(db.select(Certificate).where(Certificate.code == code.strip().upper())
                                     ).scalar_one_or_none() if 16 <= len(code.strip()) <= 40 else None
    if certificate is None:
        raise NotFoundError("No certificate has this code.")
    return certificate


def cohort_and_certificate(slug: str, user: User) -> tuple[Cohort, Certificate | None] | None:
    """The cohort (with its course) and ``user``'s certificate in it, if any, in one
    statement (My grades); None when there is no such cohort."""
    found = db.session.execute(_cohort_and_certificate_statement(), {"slug": slug, "user_id": user.id}).one_or_none()
    return None if found is None else (found[0], found[1])


@functools.cache
def _cohort_and_certificate_statement() -> sa.Select[Any]:
    mine = sa.and_(Certificate.cohort_id == Cohort.id, Certificate.user_id == sa.bindparam("user_id"))
    # Of the course, what grading reads: not its description, outline and application form,
    # decoded from JSON on every visit and never shown here.
    course = sa.orm.joinedload(Cohort.course).load_only(
        Course.slug, Course.title, Course.provider, Course.grading, Course.attendance_policy,
        Course.participation_per, Course.knowledge_check, Course.project)
    return (sa.select(Cohort, Certificate).outerjoin(Certificate, mine).where(Cohort.slug == sa.bindparam("slug"))
            .options(course))


def certificates_of(cohort: Cohort) -> dict[int, Certificate]:
    return {c.user_id: c for c in db.session.execute(
        db.select(Certificate).where(Certificate.cohort_id == cohort.id)).scalars()}


def cohort_dates(cohort: Cohort) -> str:
    held = [s for s in cohort.sessions if not s.is_cancelled]
    if not held:
        return ""
    first, last = in_zone(held[0].starts_at, cohort.timezone), in_zone(held[-1].starts_at, cohort.timezone)
    if first.date() == last.date():
        return f"{first.day} {first:%B %Y}"
    return f"{first.day} {first:%B %Y} – {last.day} {last:%B %Y}"


def issuer_name(cohort: Cohort) -> str:
    return cohort.course.provider or current_app.config["LMS_SITE_NAME"]


def certificate_text(certificate: Certificate) -> pdf.CertificateText:
    """What the PDF says, as plain data (a worker process can render it without the database)."""
    cohort = certificate.cohort
    return pdf.CertificateText(
        recipient=certificate.recipient_name, course=cohort.course.title, cohort=cohort.title,
        dates=cohort_dates(cohort), issuer=issuer_name(cohort), code=certificate.code,
        verify_url=external_url("lms.certificates.verify", code=certificate.code),
        issued_on=f"{certificate.issued_at.day} {certificate.issued_at:%B %Y}")


def render_pdf(certificate: Certificate) -> bytes:
    return pdf.render_certificate(certificate_text(certificate))


def credential(certificate: Certificate) -> dict[str, Any]:
    cohort = certificate.cohort
    held = [s for s in cohort.sessions if not s.is_cancelled]
    grading = cohort.course.grading or {}
    rule = "strictly above" if grading.get("strict", True) else "at least"
    return badge.build_credential(
        verify_url=external_url("lms.certificates.verify", code=certificate.code),
        course_url=external_url("lms.courses.course_view", slug=cohort.course.slug),
        issuer_url=external_url("lms.courses.catalogue"), issuer_name=issuer_name(cohort),
        recipient_name=certificate.recipient_name, recipient_email=certificate.user.email,
        salt=certificate.code[:16], course_title=cohort.course.title, course_summary=cohort.course.summary,
        criteria=f"Completed {cohort.title} with a weighted total {rule} {grading.get('threshold', '')} %.",
        issued_at=certificate.issued_at, activity_start=held[0].starts_at if held else None,
        activity_end=held[-1].ends_at if held else None)


def pdf_filename(certificate: Certificate) -> str:
    from werkzeug.utils import secure_filename

    return f"{secure_filename(certificate.recipient_name) or 'certificate'}-{certificate.code[:8]}.pdf"


def write_certificates_zip(target: Any, certificates: Iterable[Certificate], *, workers: int | None = None,
                           progress: Callable[[int], object] | None = None) -> None:
    """Every certificate's PDF into one ZIP at ``target`` (a path or a binary file), in file-name
    order, each dated by its issue. The PDFs are rendered on every CPU when there are many
    (``batch.render_all``; ``workers`` overrides the number of processes); ``progress(1)`` is
    called after each one is written."""
    import zipfile

    entries = sorted(((pdf_filename(c), c.code, c.issued_at, certificate_text(c)) for c in certificates),
                     key=lambda entry: entry[:2])
    # Stored, not deflated: the PDFs' streams are compressed already, and deflating them again
    # saved 7 % of the size for a second of CPU per thousand.
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        rendered = batch.render_all([entry[3] for entry in entries], workers)
        for (name, _, issued_at, _), data in zip(entries, rendered, strict=True):
            archive.writestr(zipfile.ZipInfo(name, date_time=issued_at.timetuple()[:6]), data)
            if progress is not None:
                progress(1)
