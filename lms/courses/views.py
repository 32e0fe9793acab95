"""The course catalogue and course pages (public)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from lms.auth import permissions
from lms.cohorts.models import Cohort, CohortStatus
from lms.core.db import db
from lms.courses.models import Course
from lms.courses.serialise import grading_from_json

bp = Blueprint("courses", __name__, url_prefix="/courses")


def _visible_cohorts(cohorts: list[Cohort]) -> list[Cohort]:
    return [c for c in cohorts if permissions.can_view_cohort(current_user, c)]


@bp.get("/")
def catalogue() -> str:
    courses = db.session.execute(
        db.select(Course).options(db.selectinload(Course.cohorts)).order_by(Course.title)
    ).scalars().all()
    return render_template("lms/courses/catalogue.html",
                           courses=[(c, _visible_cohorts(c.cohorts)) for c in courses])


@bp.get("/<slug>")
def course_view(slug: str) -> str:
    course = db.session.execute(
        db.select(Course).where(Course.slug == slug).options(db.selectinload(Course.cohorts))
    ).scalar_one_or_none()
    if course is None:
        abort(404)
    return render_template(
        "lms/courses/course.html", course=course, cohorts=_visible_cohorts(course.cohorts),
        grading=grading_from_json(course.grading) if course.grading else None,
        paragraphs=[p.strip() for p in course.description.split("\n\n") if p.strip()],
        open_status=CohortStatus.OPEN,
    )
