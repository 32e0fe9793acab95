"""Account forms. Rules beyond "is it there" live in the services."""
from __future__ import annotations

import unicodedata
from functools import lru_cache

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from lms.auth.passwords import MAX_LENGTH
from lms.core.forms import choices
from lms.core.time import time_zone_choices


@lru_cache(maxsize=1)
def country_choices() -> list[SelectChoice]:
    import pycountry

    def folded(name: str) -> str:  # "Åland" next to "Albania", "Côte d'Ivoire" under C
        return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()

    countries = sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda pair: folded(pair[1]))
    return choices([("", "— Choose —"), *countries])


def zone_choices() -> list[SelectChoice]:
    return choices((z, z.replace("_", " ")) for z in time_zone_choices())


class ProfileFields(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)],
                       description="As it should appear on your certificate.")
    country = SelectField("Country", validators=[Optional()])
    organisation = StringField("Organisation", validators=[Optional(), Length(max=200)])
    timezone = SelectField("Time zone", validators=[DataRequired()],
                           description="Session times are shown to you in this zone.")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()
        self.timezone.choices = zone_choices()


class RegisterForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)],
                       description="We send a link to this address to finish creating your account.")
    submit = SubmitField("Send me a link")


class RegisterCompleteForm(ProfileFields):
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             description="At least 8 characters. A passphrase of several words is good.")
    confirm = PasswordField("Repeat the password", validators=[DataRequired(), EqualTo("password",
                                                                                       "The passwords differ.")])
    submit = SubmitField("Create account")


class ProfileForm(ProfileFields):
    gender = StringField("Gender (optional)", validators=[Optional(), Length(max=64)],
                         description="In your own words, or leave it empty. Used only to balance project groups "
                                     "and for the cohort's anonymous selection figures; never shown to other "
                                     "participants.")
    submit = SubmitField("Save profile")


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    submit = SubmitField("Log in")


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    password = PasswordField("New password", validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             description="At least 8 characters. Your other sessions will be logged out.")
    confirm = PasswordField("Repeat the new password", validators=[DataRequired(), EqualTo("password",
                                                                                           "The passwords differ.")])
    submit = SubmitField("Change password")


class ResetRequestForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    submit = SubmitField("Send me a reset link")


class ResetForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             description="At least 8 characters.")
    confirm = PasswordField("Repeat the new password", validators=[DataRequired(), EqualTo("password",
                                                                                           "The passwords differ.")])
    submit = SubmitField("Set password")
