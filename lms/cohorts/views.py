"""Cohort pages."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from lms.auth import permissions
from lms.cohorts import services
from lms.cohorts.models import Cohort
from lms.core.errors import NotFoundError

bp = Blueprint("cohorts", __name__, url_prefix="/cohorts")


def _load(slug: str) -> Cohort:
    try:
        return services.get_cohort(slug)
    except NotFoundError:
        abort(404)


@bp.get("/<slug>")
@login_required
def cohort_view(slug: str) -> str:
    cohort = _load(slug)
    permissions.authorize(permissions.can_view_cohort(current_user, cohort))
    people = services.members(cohort)
    return render_template(
        "lms/cohorts/cohort.html",
        cohort=cohort,
        my_roles=permissions.roles_in(current_user, cohort),
        staff=[(u, r) for u, r in people if r != "participant"],
        participant_count=sum(1 for _, r in people if r == "participant"),
    )


@bp.get("/<slug>/people")
@login_required
def people_view(slug: str) -> str:
    cohort = _load(slug)
    permissions.authorize(permissions.can_see_people(current_user, cohort))
    return render_template("lms/cohorts/people.html", cohort=cohort, people=services.members(cohort))
