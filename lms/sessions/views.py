"""Session pages: the session with its materials; create, edit, cancel and restore."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms.auth import permissions
from lms.cohorts.views import load_cohort
from lms.core.db import db
from lms.core.errors import NotFoundError, ValidationError
from lms.core.localtime import in_zone
from lms.core.timefmt import show_span
from lms.sessions import services
from lms.sessions.forms import SessionForm
from lms.sessions.models import Session

bp = Blueprint("sessions", __name__, url_prefix="/cohorts/<slug>/sessions")


def load_session(slug: str, number: int, with_materials: bool = False) -> Session:
    """The session with its cohort and course, or 404."""
    try:
        return services.get_session_at(slug, number, with_materials)
    except NotFoundError:
        abort(404)


def viewer_zone(cohort_zone: str) -> str:
    return current_user.timezone if current_user.is_authenticated else cohort_zone


@bp.get("/<lms_id:number>")
def session_view(slug: str, number: int) -> str:
    session = load_session(slug, number, with_materials=True)
    cohort = session.cohort
    permissions.authorize(permissions.can_view_cohort(current_user, cohort))
    return render_template(
        "lms/sessions/session.html", cohort=cohort, session=session,
        shown=show_span(session.starts_at, session.duration_minutes, viewer_zone(cohort.timezone), cohort.timezone),
        member=permissions.can_join(current_user, cohort),
    )


def _plan(form: SessionForm) -> services.SessionPlan:
    return services.SessionPlan(form.title.data, form.day.data, form.start.data, form.end.data, form.zone.data,
                                form.join_url.data or "", form.topic_list())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def session_new(slug: str) -> str | Response:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_teach(current_user, cohort))
    form = SessionForm()
    if not form.is_submitted():
        form.zone.data = cohort.timezone
    if form.validate_on_submit():
        try:
            session = services.create_session(cohort, _plan(form), current_user)
        except ValidationError as error:
            db.session.rollback()
            for problem in error.problems:
                form.form_errors.append(problem)
        else:
            db.session.commit()
            flash(f"Session {session.number} scheduled.", "success")
            return redirect(url_for("lms.cohorts.cohort_view", slug=slug))
    return render_template("lms/sessions/form.html", cohort=cohort, form=form, session=None)


@bp.route("/<lms_id:number>/edit", methods=["GET", "POST"])
@login_required
def session_edit(slug: str, number: int) -> str | Response:
    session = load_session(slug, number)
    cohort = session.cohort
    permissions.authorize(permissions.can_teach(current_user, cohort))
    form = SessionForm()
    if not form.is_submitted():
        local_start = in_zone(session.starts_at, cohort.timezone)
        form.title.data, form.zone.data, form.join_url.data = session.title, cohort.timezone, session.join_url
        form.day.data, form.start.data = local_start.date(), local_start.time()
        form.end.data = in_zone(session.ends_at, cohort.timezone).time()
        form.topics.data = "\n".join(session.topics)
    if form.validate_on_submit():
        try:
            moved = services.update_session(session, _plan(form), current_user)
        except ValidationError as error:
            db.session.rollback()
            form.form_errors.extend(error.problems)
        else:
            db.session.commit()
            flash(f"Session {number} {'rescheduled' if moved else 'saved'}.", "success")
            return redirect(url_for("lms.cohorts.cohort_view", slug=slug))
    return render_template("lms/sessions/form.html", cohort=cohort, form=form, session=session)


@bp.post("/<lms_id:number>/cancel")
@login_required
def session_cancel(slug: str, number: int) -> Response:
    session = load_session(slug, number)
    permissions.authorize(permissions.can_teach(current_user, session.cohort))
    try:
        services.cancel_session(session, current_user)  # CSRF was checked for every POST by CSRFProtect
    except ValidationError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Session {number} is cancelled. Calendars that follow the feed will show it cancelled.", "success")
    return redirect(url_for("lms.cohorts.cohort_view", slug=slug))


@bp.post("/<lms_id:number>/restore")
@login_required
def session_restore(slug: str, number: int) -> Response:
    session = load_session(slug, number)
    permissions.authorize(permissions.can_teach(current_user, session.cohort))
    try:
        services.restore_session(session, current_user)
    except ValidationError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Session {number} is back on the schedule.", "success")
    return redirect(url_for("lms.cohorts.cohort_view", slug=slug))
