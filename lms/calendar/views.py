"""Calendar feeds: one per cohort (public, no join links) and one private per person."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.auth import permissions
from lms.calendar import services
from lms.cohorts.views import load_cohort
from lms.core.db import db
from lms.core.urls import external_url
from lms.extensions import limiter

bp = Blueprint("feeds", __name__)


def _ics(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/cohorts/<slug>/calendar.ics")
def cohort_feed(slug: str) -> Response:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_view_cohort(current_user, cohort))
    body = services.build_feed(cohort.title, services.cohort_sessions(cohort), with_join_links=False)
    return _ics(body, f"{cohort.slug}.ics")


@bp.get("/calendar/<token>.ics")
@limiter.limit(lambda: current_app.config["LMS_FEED_LIMIT"], scope="lms-feed")
def person_feed(token: str) -> Response:
    user = services.user_by_calendar_token(token)
    if user is None or not user.is_enabled:
        abort(404)
    body = services.build_feed(f"{current_app.config['LMS_SITE_NAME']}: {user.name}", services.person_sessions(user),
                               with_join_links=True)
    response = _ics(body, "my-sessions.ics")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/account/calendar", methods=["GET", "POST"])
@login_required
def calendar_settings() -> str | Response:
    user = current_user._get_current_object()
    if request.method == "POST":
        had_one = user.calendar_token is not None
        services.new_calendar_token(user)
        db.session.commit()
        flash("Your calendar address is new; the old one no longer works. Subscribe again with the new one."
              if had_one else "Your calendar address is ready.", "success")
        return redirect(url_for("lms.feeds.calendar_settings"))
    token = user.calendar_token  # made only by the POST above: a GET changes nothing
    feed_url = external_url("lms.feeds.person_feed", token=token) if token else None
    return render_template("lms/calendar/settings.html", feed_url=feed_url)
