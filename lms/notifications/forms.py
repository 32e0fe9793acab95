from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField


class ReminderSettingsForm(FlaskForm):
    mute_reminders = BooleanField("Do not e-mail me reminders before sessions")
    submit = SubmitField("Save e-mail setting")
