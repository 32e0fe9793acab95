"""Applying to a cohort, and reviewing and deciding applications."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.wrappers import Response

from lms.applications import review, services
from lms.applications.forms import ApplicationForm, DecisionForm, WindowForm
from lms.applications.models import Application, ApplicationStatus
from lms.auth import permissions
from lms.cohorts.models import Cohort, Membership, Role
from lms.cohorts.views import load_cohort
from lms.core.countries import REGIONS, all_countries
from lms.core.db import db
from lms.core.errors import LMSError, NotFoundError, ValidationError
from lms.core.localtime import LocalTimeError, in_zone, to_utc
from lms.core.timefmt import show_moment

bp = Blueprint("applications", __name__, url_prefix="/cohorts")


def _viewable(slug: str) -> Cohort:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_view_cohort(current_user, cohort))
    return cohort


def _application(cohort: Cohort, application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None or application.cohort_id != cohort.id:
        abort(404)
    return application


# ---- the applicant -------------------------------------------------------------------------

@bp.route("/<slug>/apply", methods=["GET", "POST"])
@login_required
def apply(slug: str) -> str | Response:
    cohort = _viewable(slug)
    application = services.application_of(cohort, current_user)
    form = ApplicationForm(obj=current_user if request.method == "GET" else None)
    state = services.window_state(cohort)
    editable = state == "open" and (application is None or application.status in services.EDITABLE)
    if form.is_submitted() and not editable:
        flash("This application can no longer be changed.", "error")
        return redirect(url_for("lms.applications.apply", slug=slug))
    errors: list[str] = []
    if form.validate_on_submit():
        uploads = {kind: services.Upload(getattr(form, kind).data.stream, getattr(form, kind).data.filename)
                   for kind in services.FILE_KINDS if getattr(form, kind).data}
        profile = services.Profile(form.country.data or "", form.organisation.data or "", form.gender.data or "")
        try:
            application = services.save_application(cohort, current_user, services.to_answers(request.form, cohort),
                                                     profile, uploads)
        except LMSError as error:
            db.session.rollback()
            errors = getattr(error, "problems", [str(error)])
        else:
            db.session.commit()
            if not form.submit.data:
                flash("Your draft is saved. Submit it before applications close.", "success")
                return redirect(url_for("lms.applications.apply", slug=slug))
            try:
                services.submit_application(application)
            except ValidationError as error:
                db.session.rollback()
                flash("Your answers are saved as a draft, but the application is not submitted yet.", "info")
                errors = error.problems
            else:
                db.session.commit()
                flash("Your application is submitted. You can change it until applications close.", "success")
                return redirect(url_for("lms.applications.apply", slug=slug))
    elif form.errors:
        errors = [f"{getattr(form, name).label.text}: {' '.join(problems)}" for name, problems in form.errors.items()]
    answers = application.answers if application and request.method == "GET" else \
        services.to_answers(request.form, cohort) if request.method == "POST" else {}
    zone = current_user.timezone
    return render_template("lms/applications/apply.html", cohort=cohort, application=application, form=form,
                           questions=services.questions(cohort), answers=answers, errors=errors, state=state,
                           editable=editable, closes=_shown(cohort.applications_close_at, zone),
                           opens=_shown(cohort.applications_open_at, zone), zone=zone,
                           offer_expires=_shown(application.offer_expires_at, zone) if application else None,
                           files={f.kind: f for f in application.files} if application else {},
                           file_kinds=services.FILE_KINDS, missing=services.missing_for_submission(application)
                           if application and application.status == ApplicationStatus.DRAFT else [])


def _shown(moment: datetime | None, zone: str) -> str | None:
    return show_moment(moment, zone) if moment else None


@bp.post("/<slug>/apply/withdraw")
@login_required
def withdraw(slug: str) -> Response:
    cohort = _viewable(slug)
    application = services.application_of(cohort, current_user)
    if application is None:
        abort(404)
    try:
        services.withdraw_application(application, current_user)
    except LMSError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Your application is withdrawn.", "success")
    return redirect(url_for("lms.applications.apply", slug=slug))


@bp.post("/<slug>/apply/accept")
@login_required
def accept(slug: str) -> Response:
    cohort = _viewable(slug)
    application = services.application_of(cohort, current_user)
    if application is None:
        abort(404)
    try:
        services.accept_offer(application)
    except LMSError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"You have accepted your place in {cohort.title}. Welcome!", "success")
    return redirect(url_for("lms.applications.apply", slug=slug))


# ---- review --------------------------------------------------------------------------------

FILTERS = ("country", "region", "developing", "gender", "organisation", "years", "status")


@bp.get("/<slug>/applications")
@login_required
def review_list(slug: str) -> str:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_review_applications(current_user, cohort))
    rows = review.review_rows(cohort, current_user)
    filters = {k: request.args.get(k, "")[:200] for k in FILTERS}
    by = request.args.get("sort", "suggested")
    by = by if by in review.SORTS else "suggested"
    descending = request.args.get("order") == "desc"
    shown = review.sort_rows(review.filter_rows(rows, filters), by, descending)
    figures = review.selection_figures(cohort)
    present = sorted({r.country.code for r in rows if r.country})
    return render_template("lms/applications/review.html", cohort=cohort, rows=shown, total=len(rows),
                           filters=filters, sort=by, descending=descending, figures=figures,
                           chart=Markup(review.figures_svg(figures)),  # noqa: S704 - escaped in figures_svg
                           countries=[c for c in all_countries() if c.code in present], regions=REGIONS,
                           statuses=[s.value for s in ApplicationStatus if s != ApplicationStatus.DRAFT],
                           years=sorted({r.years for r in rows if r.years}),
                           genders=services.GENDERS, spread=current_app.config["LMS_APPLICATION_SCORE_SPREAD"],
                           can_manage=permissions.can_manage_cohort(current_user, cohort))


@bp.get("/<slug>/applications/<lms_id:application_id>")
@login_required
def review_detail(slug: str, application_id: int) -> str:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_review_applications(current_user, cohort))
    application = _application(cohort, application_id)
    if application.status == ApplicationStatus.DRAFT:
        abort(404)
    return _detail(cohort, application)


def _detail(cohort: Cohort, application: Application, errors: list[str] | None = None,
            typed: dict[str, str] | None = None, form: DecisionForm | None = None) -> str:
    mine = {s.criterion: s.points for s in application.scores if s.reviewer_id == current_user.id}
    by_reviewer: dict[str, dict[str, int]] = {}
    if mine:
        for score in application.scores:
            by_reviewer.setdefault(score.reviewer.name, {})[score.criterion] = score.points
    return render_template("lms/applications/detail.html", cohort=cohort, application=application,
                           answers=services.answers_for_display(application), criteria=services.criteria(cohort),
                           mine=mine, typed=typed or {k: str(v) for k, v in mine.items()}, by_reviewer=by_reviewer,
                           errors=errors or [], files={f.kind: f for f in application.files},
                           file_kinds=services.FILE_KINDS, genders=services.GENDERS,
                           country=review.country(application.user.country),
                           form=form or DecisionForm(status=application.status.value
                                                     if application.status.value in ("selected", "waitlisted",
                                                                                     "rejected") else "selected",
                                                     note=application.decision_note),
                           can_manage=permissions.can_manage_cohort(current_user, cohort),
                           free=services.free_places(cohort))


@bp.post("/<slug>/applications/<lms_id:application_id>/score")
@login_required
def score(slug: str, application_id: int) -> str | Response:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_review_applications(current_user, cohort))
    application = _application(cohort, application_id)
    if application.status == ApplicationStatus.DRAFT:
        abort(404)
    typed = {c.key: request.form.get(f"score-{c.key}", "")[:20] for c in services.criteria(cohort)}
    try:
        review.score_application(application, current_user, typed)
    except LMSError as error:
        db.session.rollback()
        return _detail(cohort, application, getattr(error, "problems", [str(error)]), typed)
    db.session.commit()
    flash(f"Your scores for {application.user.name} are saved.", "success")
    return redirect(url_for("lms.applications.review_detail", slug=slug, application_id=application.id))


@bp.post("/<slug>/applications/<lms_id:application_id>/decide")
@login_required
def decide(slug: str, application_id: int) -> str | Response:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_manage_cohort(current_user, cohort))
    application = _application(cohort, application_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _detail(cohort, application, [" ".join(p) for p in form.errors.values()], form=form)
    try:
        services.decide(application, ApplicationStatus(form.status.data), form.note.data or "", current_user)
    except LMSError as error:
        db.session.rollback()
        flash(f"Nothing changed: {error}", "error")
        return _detail(cohort, application, [str(error)], form=form)
    db.session.commit()
    flash(f"{application.user.name}: {application.status.value}. An e-mail tells them.", "success")
    return redirect(url_for("lms.applications.review_list", slug=slug))


@bp.get("/<slug>/applications/<lms_id:application_id>/files/<kind>")
@login_required
def file_download(slug: str, application_id: int, kind: str) -> Response:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_review_applications(current_user, cohort))
    application = _application(cohort, application_id)
    file = services.file_of(application, kind) if kind in services.FILE_KINDS else None
    if file is None or not services.stored_path(file).is_file():
        abort(404)
    response = send_file(services.stored_path(file), mimetype=file.content_type, as_attachment=True,
                         download_name=file.original_name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---- settings: the window and the reviewers ------------------------------------------------

@bp.route("/<slug>/applications/settings", methods=["GET", "POST"])
@login_required
def settings(slug: str) -> str | Response:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_manage_cohort(current_user, cohort))
    zone = cohort.timezone
    form = WindowForm(data={"opens": _local(cohort.applications_open_at, zone),
                            "closes": _local(cohort.applications_close_at, zone)} if request.method == "GET" else None)
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            opens = to_utc(form.opens.data, zone) if form.opens.data else None
            closes = to_utc(form.closes.data, zone) if form.closes.data else None
            services.set_window(cohort, opens, closes, current_user)
        except (LMSError, LocalTimeError) as error:
            db.session.rollback()
            errors = [str(error)]
        else:
            db.session.commit()
            flash("The application window is saved.", "success")
            return redirect(url_for("lms.applications.settings", slug=slug))
    elif form.errors:
        errors = [f"{getattr(form, name).label.text}: {' '.join(p)}" for name, p in form.errors.items()]
    instructors = db.session.execute(db.select(Membership).where(
        Membership.cohort_id == cohort.id, Membership.role == Role.INSTRUCTOR)
        .options(db.joinedload(Membership.user))).scalars().all()
    return render_template("lms/applications/settings.html", cohort=cohort, form=form, errors=errors, zone=zone,
                           instructors=sorted(instructors, key=lambda m: m.user.name.casefold()),
                           reviewers=review.reviewers(cohort))


def _local(moment: datetime | None, zone: str) -> datetime | None:
    return in_zone(moment, zone).replace(tzinfo=None) if moment else None


@bp.post("/<slug>/applications/reviewers/<lms_id:user_id>")
@login_required
def reviewer_set(slug: str, user_id: int) -> Response:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_manage_cohort(current_user, cohort))
    make = request.form.get("reviewer") == "yes"
    try:
        user = review.set_reviewer(cohort, user_id, make, current_user)
    except NotFoundError:
        abort(404)
    db.session.commit()
    flash(f"{user.name} {'may now' if make else 'no longer'} review{'' if make else 's'} applications.", "success")
    return redirect(url_for("lms.applications.settings", slug=slug))
