from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from lms.auth.forms import country_choices
from lms.cohorts.models import Role
from lms.core.forms import choices


class EnrolForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    name = StringField("Full name", validators=[Optional(), Length(max=200)],
                       description="Needed only when the person has no account yet.")
    role = SelectField("Role", choices=choices((r.value, r.value.title()) for r in Role),
                       default=Role.PARTICIPANT.value)
    country = SelectField("Country", validators=[Optional()])
    organisation = StringField("Organisation", validators=[Optional(), Length(max=200)])
    submit = SubmitField("Add to cohort")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()
