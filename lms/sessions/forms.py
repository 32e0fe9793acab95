"""The session form: a day and wall-clock times in a chosen zone (the cohort's by default)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField, TimeField, URLField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from lms.auth.forms import zone_choices


class SessionForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    day = DateField("Date", validators=[InputRequired()])
    start = TimeField("Starts at", validators=[InputRequired()])
    end = TimeField("Ends at", validators=[InputRequired()])
    zone = SelectField("Time zone of these times", validators=[DataRequired()],
                       description="The cohort's zone unless you choose another. Everyone sees the session "
                                   "in their own zone.")
    join_url = URLField("Join link", validators=[Optional(), Length(max=500)],
                        description="The https:// link of the video meeting. Only cohort members see it.")
    topics = TextAreaField("Topics", validators=[Optional(), Length(max=5000)], description="One per line.")
    submit = SubmitField("Save session")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.zone.choices = zone_choices()

    def topic_list(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in (self.topics.data or "").splitlines() if line.strip())
