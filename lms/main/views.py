"""The home page: a welcome for visitors, the dashboard for people who are logged in."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from lms.cohorts.services import cohorts_of

bp = Blueprint("main", __name__)


@bp.get("/")
def home() -> str:
    if not current_user.is_authenticated:
        return render_template("lms/main/welcome.html")
    return render_template("lms/main/dashboard.html", my_cohorts=cohorts_of(current_user))
