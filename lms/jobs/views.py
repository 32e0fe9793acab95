"""The staff page of scheduled work: jobs, the scheduler's lease, recent runs, reminders, the outbox."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required

from lms.auth import permissions
from lms.jobs.services import jobs_overview
from lms.notifications.delivery import mail_settings

bp = Blueprint("jobs", __name__)


@bp.get("/staff/jobs")
@login_required
def jobs_page() -> str:
    permissions.authorize(permissions.can_see_jobs(current_user))
    return render_template("lms/jobs/jobs.html", view=jobs_overview(),
                           mail=mail_settings(current_app.config),
                           show_messages=permissions.can_see_outbox_messages(current_user))
