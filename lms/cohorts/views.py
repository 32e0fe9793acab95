"""Cohort pages: the cohort with its schedule, and its people."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms.auth import permissions
from lms.cohorts import services
from lms.cohorts.forms import EnrolForm
from lms.cohorts.models import Cohort, Role
from lms.core.db import db
from lms.core.errors import LMSError, NotFoundError, ValidationError
from lms.core.timefmt import show_moment, show_span

bp = Blueprint("cohorts", __name__, url_prefix="/cohorts")


def load_cohort(slug: str) -> Cohort:
    try:
        return services.get_cohort(slug)
    except NotFoundError:
        abort(404)


@bp.get("/<slug>")
def cohort_view(slug: str) -> str:
    try:
        page = services.cohort_page(slug)
    except NotFoundError:
        abort(404)
    cohort = page.cohort
    permissions.authorize(permissions.can_view_cohort(current_user, cohort))
    zone = current_user.timezone if current_user.is_authenticated else cohort.timezone
    schedule = [(s, show_span(s.starts_at, s.duration_minutes, zone, cohort.timezone)) for s in page.sessions]
    return render_template(
        "lms/cohorts/cohort.html",
        cohort=cohort,
        course_slug=page.course_slug,
        course_title=page.course_title,
        schedule=schedule,
        viewer_zone=zone,
        my_roles=permissions.roles_in(current_user, cohort),
        staff=page.staff,
        participant_count=page.participants,
        applications=_window(cohort, zone),
    )


def _window(cohort: Cohort, zone: str) -> dict[str, object] | None:
    """The application window as the visitor sees it, in their zone; None without one."""
    from lms.applications.services import application_of, window_state

    state = window_state(cohort)
    if state == "unset":
        return None
    shown = {}
    for name, moment in (("opens", cohort.applications_open_at), ("closes", cohort.applications_close_at)):
        if moment is not None:
            shown[name] = show_moment(moment, zone)
            shown[f"{name}_iso"] = moment.strftime("%Y-%m-%dT%H:%MZ")
    mine = current_user.is_authenticated and application_of(cohort, current_user) is not None
    return {"state": state, "mine": mine, **shown}


@bp.route("/<slug>/people", methods=["GET", "POST"])
@login_required
def people_view(slug: str) -> str | Response:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_see_people(current_user, cohort))
    can_manage = permissions.can_manage_cohort(current_user, cohort)
    form = EnrolForm()
    if form.is_submitted():
        permissions.authorize(can_manage)
    if form.validate_on_submit():
        person = services.Enrolment(form.email.data, form.name.data or "", Role(form.role.data),
                                    form.country.data or None, form.organisation.data or None)
        try:
            [done] = services.enrol_people(cohort, [person], current_user)
        except LMSError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
            flash(f"Nobody was added: {error}", "error")
        else:
            db.session.commit()
            if not done.added:
                flash(f"{done.user.name} is already {person.role.value} in this cohort; nothing changed.", "info")
            else:
                note = " An e-mail asks them to set a password." if done.created else ""
                flash(f"{done.user.name} is now {person.role.value} in this cohort.{note}", "success")
            return redirect(url_for("lms.cohorts.people_view", slug=slug))
    return render_template("lms/cohorts/people.html", cohort=cohort, people=services.members(cohort),
                           form=form if can_manage else None, can_manage=can_manage,
                           seats_taken=services.participant_count(cohort),
                           certified=services.certified_users(cohort) if can_manage else set())


@bp.post("/<slug>/people/<lms_id:membership_id>/remove")
@login_required
def member_remove(slug: str, membership_id: int) -> Response:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_manage_cohort(current_user, cohort))
    try:
        name, role = services.remove_member(cohort, membership_id, current_user, request.form.get("reason", "")[:500])
    except NotFoundError:
        abort(404)
    except LMSError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("lms.cohorts.people_view", slug=slug))
    db.session.commit()
    flash(f"{name} is no longer {role.value} in this cohort.", "success")
    return redirect(url_for("lms.cohorts.people_view", slug=slug))


@bp.post("/<slug>/people/import")
@login_required
def people_import(slug: str) -> Response:
    """Enrol everyone in an uploaded CSV (the ``enrol-csv`` format, with optional
    ``time_zone`` and ``gender``); every line is checked first, nothing is written on a problem."""
    from lms.cohorts.enrol_csv import parse_enrolment_csv
    from lms.core.encodings import TextEncodingError, decode_text

    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_manage_cohort(current_user, cohort))
    upload = request.files.get("people_csv")
    try:
        if upload is None or not upload.filename:
            raise ValidationError("Choose a CSV file (email,name,role[,country,organisation,time_zone,gender]).")
        try:
            text = decode_text(upload.read())
        except TextEncodingError as error:
            raise ValidationError(str(error)) from None
        results = services.enrol_people(cohort, [row.enrolment for row in parse_enrolment_csv(text)], current_user)
    except LMSError as error:
        db.session.rollback()
        problems = error.problems if isinstance(error, ValidationError) else [str(error)]
        shown = "; ".join(problems[:20]) + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
        flash(f"Nobody was enrolled from {upload.filename if upload else 'the file'}: {shown}", "error")
    else:
        db.session.commit()
        created = sum(1 for done in results if done.created)
        flash(f"Enrolled {len(results)} membership(s); {created} new account(s) were e-mailed a link to set "
              "their password.", "success")
    return redirect(url_for("lms.cohorts.people_view", slug=slug))
