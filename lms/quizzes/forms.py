"""The quiz settings and question forms (the answer form is built from the attempt's questions)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.core.forms import choices as select_choices

FEEDBACK_CHOICES = select_choices([("after_submit", "As soon as the attempt is submitted"),
                                    ("after_close", "When the quiz closes"),
                                   ("never", "Never (participants see only that they submitted)")])
GRADING_CHOICES = select_choices([("completion", "Completion: a submitted attempt earns full marks"),
                                  ("score", "Score: the share of right answers × the component's maximum")])
KIND_CHOICES = select_choices([("single", "Single choice"), ("multiple", "Multiple choice"),
                               ("true_false", "True or false"), ("short_answer", "Short answer"),
                               ("free_text", "Free text (not graded)")])


class QuizSettingsForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    opens_at = DateTimeLocalField("Opens at", validators=[Optional()], format="%Y-%m-%dT%H:%M",
                                  description="In the cohort's time zone; empty: open now.")
    closes_at = DateTimeLocalField("Closes at", validators=[Optional()], format="%Y-%m-%dT%H:%M",
                                   description="In the cohort's time zone; empty: never closes.")
    time_limit_minutes = IntegerField("Time limit (minutes)", validators=[Optional(), NumberRange(1, 600)],
                                      description="Empty: no limit.")
    attempts_allowed = IntegerField("Attempts allowed", default=1, validators=[DataRequired(), NumberRange(1, 20)])
    one_per_page = BooleanField("One question per page")
    shuffle_questions = BooleanField("Shuffle the questions")
    shuffle_choices = BooleanField("Shuffle the choices")
    feedback = SelectField("Show the score, feedback and right answers", choices=FEEDBACK_CHOICES)
    grading = SelectField("Grading", choices=GRADING_CHOICES)
    component_key = SelectField("Feeds the gradebook component", validators=[Optional()])
    submit = SubmitField("Save settings")


class QuestionForm(FlaskForm):
    kind = SelectField("Kind", choices=KIND_CHOICES)
    text = TextAreaField("Question", validators=[DataRequired(), Length(max=5000)])
    choices = TextAreaField("Choices", validators=[Optional(), Length(max=10000)],
                            description="Single and multiple choice: one per line.")
    correct = StringField("Right answer", validators=[Optional(), Length(max=200)],
                          description="The number of each right choice (1 = first), e.g. 2 or 1, 3; "
                                      "for true/false: true or false.")
    accepted = TextAreaField("Accepted answers", validators=[Optional(), Length(max=10000)],
                             description="Short answer: one per line; case, spacing and Unicode forms are ignored.")
    partial_credit = BooleanField("Partial credit (multiple choice: each right choice counts, each wrong one "
                                  "takes away)")
    explanation = TextAreaField("Explanation shown with the feedback", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Save question")
