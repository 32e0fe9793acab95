"""Finalising, the certificate list, downloads, revoking, and public verification."""
from __future__ import annotations

import io
import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.auth import permissions
from lms.certificates import services
from lms.certificates.models import Certificate
from lms.cohorts.views import load_cohort
from lms.core.db import db
from lms.core.errors import NotFoundError, ValidationError
from lms.extensions import limiter
from lms.gradebook.export import certificate_table, to_csv, to_xlsx
from lms.gradebook.services import gradebook
from lms.gradebook.views import _download
from lms.grading import format_total

bp = Blueprint("certificates", __name__)


def _manage(slug: str):
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_manage_cohort(current_user, cohort))
    return cohort


@bp.route("/cohorts/<slug>/finalise", methods=["GET", "POST"])
@login_required
def finalise(slug: str) -> str | Response:
    cohort = _manage(slug)
    book = gradebook(cohort)
    if request.method == "POST":
        report = services.finalise_cohort(cohort, current_user)
        db.session.commit()
        flash(f"Results frozen. {len(report.issued)} certificate(s) issued"
              f"{f', {report.already} already issued before' if report.already else ''}.", "success")
        if report.to_review:
            flash(f"{len(report.to_review)} certificate(s) were issued to people who no longer pass or have left the "
                  "cohort. They stay valid until you revoke them with a reason: see the list below.", "warning")
        return redirect(url_for("lms.certificates.certificate_list", slug=slug))
    passing = [r for r in book.rows if r.result.passed]
    held = services.certificates_of(cohort)
    return render_template("lms/certificates/finalise.html", cohort=cohort, book=book, passing=passing,
                           missing=[r for r in book.rows if r.result.missing], fmt=format_total,
                           new_count=sum(1 for r in passing if r.user.id not in held),
                           to_review=services.certificates_to_review(book, held))


@bp.post("/cohorts/<slug>/reopen")
@login_required
def reopen(slug: str) -> Response:
    cohort = _manage(slug)
    try:
        services.reopen_cohort(cohort, current_user, request.form.get("reason", ""))
    except ValidationError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("The cohort is open again: marks can change. Finalise it again to issue any new certificates.",
              "success")
    return redirect(url_for("lms.certificates.certificate_list", slug=slug))


@bp.get("/cohorts/<slug>/certificates")
@login_required
def certificate_list(slug: str) -> str:
    cohort = _manage(slug)
    book = gradebook(cohort)
    held = services.certificates_of(cohort)
    present = {row.user.id for row in book.rows}
    return render_template("lms/certificates/list.html", cohort=cohort, book=book, fmt=format_total,
                           certificates=held, to_review=services.certificates_to_review(book, held),
                           former=sorted((c for uid, c in held.items() if uid not in present),
                                         key=lambda c: c.recipient_name.casefold()))


@bp.get("/cohorts/<slug>/certificates.<fmt>")
@login_required
def certificate_export(slug: str, fmt: str) -> Response:
    cohort = _manage(slug)
    if fmt == "zip":
        valid = [c for c in services.certificates_of(cohort).values() if c.is_valid]
        buffer = io.BytesIO()
        services.write_certificates_zip(buffer, valid)
        return _download(buffer.getvalue(), "application/zip", f"{cohort.slug}-certificates.zip")
    if fmt not in {"csv", "xlsx"}:
        abort(404)
    table = certificate_table(gradebook(cohort), services.certificates_of(cohort))
    if fmt == "csv":
        return _download(to_csv(table), "text/csv", f"{cohort.slug}-certificates.csv")
    return _download(to_xlsx(table, "certificates"),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     f"{cohort.slug}-certificates.xlsx")


def _own_or_managed(code: str) -> Certificate:
    try:
        certificate = services.get_certificate(code)
    except NotFoundError:
        abort(404)
    allowed = certificate.user_id == current_user.id or permissions.can_manage_cohort(current_user,
                                                                                      certificate.cohort)
    permissions.authorize(allowed)
    return certificate


@bp.get("/certificates/<code>.pdf")
@login_required
def certificate_pdf(code: str) -> Response:
    certificate = _own_or_managed(code)
    return _download(services.render_pdf(certificate), "application/pdf", services.pdf_filename(certificate))


@bp.get("/certificates/<code>.json")
@login_required
def certificate_badge(code: str) -> Response:
    certificate = _own_or_managed(code)
    body = json.dumps(services.credential(certificate), indent=2, ensure_ascii=False).encode()
    return _download(body, "application/ld+json", f"{certificate.code}.json")


@bp.post("/certificates/<code>/revoke")
@login_required
def certificate_revoke(code: str) -> Response:
    try:
        certificate = services.get_certificate(code)
    except NotFoundError:
        abort(404)
    permissions.authorize(permissions.can_manage_cohort(current_user, certificate.cohort))
    try:
        services.revoke_certificate(certificate, current_user, request.form.get("reason", ""))
    except ValidationError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Certificate {certificate.code} is revoked.", "success")
    return redirect(url_for("lms.certificates.certificate_list", slug=certificate.cohort.slug))


@bp.get("/verify/")
@bp.get("/verify/<code>")
@limiter.limit(lambda: current_app.config["LMS_VERIFY_LIMIT"], scope="lms-verify")
def verify(code: str | None = None) -> tuple[str, int]:
    code = code or request.args.get("code", "").strip()
    certificate = None
    if code:
        try:
            certificate = services.get_certificate(code)
        except NotFoundError:
            certificate = None
    page = render_template("lms/certificates/verify.html", code=code, certificate=certificate,
                           dates=services.cohort_dates(certificate.cohort) if certificate else "")
    # An unknown code is a 404 (the page still says so and offers the form), so a link
    # checker or a script never reads "200 OK" for a certificate that does not exist.
    return page, 404 if code and certificate is None else 200
