"""The gradebook for staff, a participant's own breakdown, and exports."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.attendance.services import participants
from lms.auth import permissions
from lms.certificates.services import cohort_and_certificate
from lms.cohorts.models import Role
from lms.cohorts.views import load_cohort
from lms.core.db import db
from lms.core.errors import CohortFinalisedError, ValidationError
from lms.core.paging import paginate
from lms.gradebook import services
from lms.gradebook.cells import row_html
from lms.gradebook.export import gradebook_table, to_csv, to_xlsx
from lms.grading import format_total

bp = Blueprint("gradebook", __name__, url_prefix="/cohorts/<slug>")
SORTS = {"name": lambda r: (r.user.name.casefold(),), "total": lambda r: (-r.result.total, r.user.name.casefold()),
         "best": lambda r: (r.best, r.user.name.casefold())}


def _book(slug: str, kept: bool = False):
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_teach(current_user, cohort))
    try:
        return services.gradebook(cohort, kept=kept)
    except ValidationError as error:
        flash(str(error), "error")
        abort(404)


@bp.get("/gradebook")
@login_required
def gradebook_view(slug: str) -> str:
    book = _book(slug, kept=True)
    sort = request.args.get("sort", "name")
    sort = sort if sort in SORTS else "name"
    page = paginate(sorted(book.rows, key=SORTS[sort]), request.args.get("page"))
    return render_template("lms/gradebook/gradebook.html", book=book, page=page, sort=sort, row_html=row_html,
                           cohort=book.cohort, finalised=book.cohort.finalised_at is not None,
                           can_manage=permissions.can_manage_cohort(current_user, book.cohort))


@bp.post("/gradebook")
@login_required
def gradebook_save(slug: str) -> Response:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_teach(current_user, cohort))
    keys = [c.key for c in services.scheme_of(cohort).components]
    changed = 0
    try:
        for person in participants(cohort):
            for key in keys:
                field = f"mark-{person.id}-{key}"
                if field in request.form:
                    changed += services.set_mark(cohort, person, key, request.form[field], current_user)
    except ValidationError as error:
        db.session.rollback()
        who = "" if isinstance(error, CohortFinalisedError) else f"{person.name}, "
        flash(f"Nothing was saved: {who}{error}", "error")
        return redirect(url_for("lms.gradebook.gradebook_view", slug=slug))
    db.session.commit()
    flash(f"Marks saved ({changed} change{'s' if changed != 1 else ''}).", "success")
    return redirect(url_for("lms.gradebook.gradebook_view", slug=slug, sort=request.args.get("sort", "name"),
                            page=request.args.get("page", "1")))


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/gradebook.<fmt>")
@login_required
def gradebook_export(slug: str, fmt: str) -> Response:
    if fmt not in {"csv", "xlsx"}:
        abort(404)
    book = _book(slug)
    table = gradebook_table(book)
    if fmt == "csv":
        return _download(to_csv(table), "text/csv", f"{book.cohort.slug}-gradebook.csv")
    return _download(to_xlsx(table, "gradebook"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     f"{book.cohort.slug}-gradebook.xlsx")


@bp.get("/my-grades")
@login_required
def my_grades(slug: str) -> str | Response:
    found = cohort_and_certificate(slug, current_user)
    if found is None:
        abort(404)
    cohort, certificate = found
    if permissions.can_teach(current_user, cohort) and Role.PARTICIPANT not in permissions.roles_in(current_user,
                                                                                                    cohort):
        return redirect(url_for("lms.gradebook.gradebook_view", slug=slug))
    permissions.authorize(Role.PARTICIPANT in permissions.roles_in(current_user, cohort))
    row = services.person_grades(cohort, current_user, kept=True)
    return render_template("lms/gradebook/my_grades.html", cohort=cohort, row=row, fmt=format_total,
                           certificate=certificate)
