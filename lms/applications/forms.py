"""Application forms. The questionnaire's own fields (``q-<key>``) come from the course file
and are read by ``services.to_answers``; these carry the fixed parts and the CSRF token."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateTimeLocalField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from lms.applications.models import DECISIONS
from lms.applications.services import GENDERS
from lms.core.countries import country_choices
from lms.core.forms import choices


class ApplicationForm(FlaskForm):
    country = SelectField("Country you work in", validators=[Optional()])
    organisation = StringField("Organisation", validators=[Optional(), Length(max=200)],
                               description="The government body or organisation you work for.")
    gender = SelectField("Gender (optional)", validators=[Optional()],
                         description="Used only for the figures of the selection; women are encouraged to apply.")
    cv = FileField("CV", description="PDF, DOCX or ODT, at most 10 MB.")
    letter = FileField("Recommendation letter from your employer, or motivation letter",
                       description="PDF, DOCX or ODT, at most 10 MB.")
    save = SubmitField("Save draft")
    submit = SubmitField("Submit application")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = choices([("", "— Choose —"), *country_choices()])
        self.gender.choices = choices([("", "— Choose —"), *GENDERS.items()])


class DecisionForm(FlaskForm):
    status = SelectField("Decision", choices=choices((s.value, s.value.capitalize()) for s in DECISIONS))
    note = TextAreaField("Note to the applicant (optional)", validators=[Optional(), Length(max=2000)],
                         description="Sent in the e-mail that tells them the decision.")
    decide = SubmitField("Save decision")


class WindowForm(FlaskForm):
    opens = DateTimeLocalField("Applications open", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    closes = DateTimeLocalField("Applications close", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    save_window = SubmitField("Save application window")
