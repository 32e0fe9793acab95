"""My notifications: what the LMS e-mailed me, newest first, and the setting to mute reminders."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms.core.db import db
from lms.core.paging import paginate_query
from lms.notifications.forms import ReminderSettingsForm
from lms.notifications.models import OutboxMessage
from lms.notifications.services import set_reminders_muted

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@login_required
def notifications() -> str:
    query = (sa.select(OutboxMessage).where(OutboxMessage.user_id == current_user.id)
             .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()))
    page = paginate_query(query, request.args.get("page"), size=20)
    form = ReminderSettingsForm(mute_reminders=current_user.mute_reminders)
    return render_template("lms/notifications/list.html", page=page, form=form)


@bp.post("/notifications/settings")
@login_required
def settings() -> Response:
    form = ReminderSettingsForm()
    if form.validate_on_submit():
        set_reminders_muted(current_user, bool(form.mute_reminders.data))
        db.session.commit()
        flash("Reminder e-mails are off; you will still be told when a session is added, moved or cancelled."
              if form.mute_reminders.data else "Reminder e-mails are on.", "success")
    else:
        flash("The form had expired; please try again.", "error")
    target = request.form.get("back") == "account"
    return redirect(url_for("lms.auth.profile") if target else url_for("lms.notifications.notifications"))
