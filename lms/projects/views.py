"""The group project pages: brief and uploads for members, overview and grading for staff,
peer comments, downloads (attachments only, members and staff only)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms.auth import permissions
from lms.auth.models import User
from lms.cohorts.models import Cohort
from lms.cohorts.views import load_cohort
from lms.core.db import db
from lms.core.errors import LMSError, NotFoundError, ValidationError
from lms.core.localtime import LocalTimeError, in_zone, to_utc
from lms.core.numbers import parse_whole
from lms.core.time import time_zone_choices, utcnow
from lms.groups import services as groups
from lms.groups.models import Group
from lms.projects import services
from lms.projects.models import ProjectGrade, Submission
from lms.projects.storage import storage

bp = Blueprint("projects", __name__)


def _group(cohort: Cohort, group_id: int) -> Group:
    group = groups.get_group(cohort, group_id)
    if group is None:
        abort(404)
    return group


def time_left(due: datetime | None, now: datetime) -> str:
    if due is None:
        return ""
    gap = due - now
    late = gap < timedelta(0)
    gap = abs(gap)
    days, hours, minutes = gap.days, gap.seconds // 3600, gap.seconds % 3600 // 60
    parts = [f"{days} day{'s' if days != 1 else ''}"] if days else []
    parts += [f"{hours} h"] if hours or days else []
    parts += [] if days else [f"{minutes} min"]
    return ("overdue by " if late else "") + " ".join(parts) + ("" if late else " left")


@bp.get("/cohorts/<slug>/project")
@login_required
def project_view(slug: str) -> str:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_join(current_user, cohort))
    project = services.project_of(cohort)
    now = utcnow()
    common = {"cohort": cohort, "project": project, "now": now, "time_left": time_left(project.due_at, now),
              "in_zone": in_zone, "zone": current_user.timezone}
    if permissions.can_teach(current_user, cohort):
        views = groups.groups_of(cohort, scored=False)
        latest: dict[int, Submission] = {}
        for sub in db.session.execute(sa.select(Submission).where(Submission.cohort_id == cohort.id)
                                      .order_by(Submission.version)).scalars():
            if sub.is_final or not latest.get(sub.group_id, sub).is_final:
                latest[sub.group_id] = sub
        grades = {g.group_id: g for g in db.session.execute(
            sa.select(ProjectGrade).where(ProjectGrade.cohort_id == cohort.id)).scalars()}
        return render_template("lms/projects/overview.html", views=views, latest=latest, grades=grades, **common)
    group = groups.group_of(cohort, current_user)
    grade = services.grade_of(group) if group else None
    mine = next((m for m in grade.members if m.user_id == current_user.id), None) if grade else None
    others = [v.group for v in groups.groups_of(cohort, scored=False) if group is None or v.group.id != group.id]
    return render_template(
        "lms/projects/member.html", group=group, others=others,
        submissions=services.submissions_of(group) if group else [],
        grade=grade if grade and grade.released else None, my_grade=mine if grade and grade.released else None,
        comments=services.comments_on(group, released_only=True) if group else [],
        max_mb=_max_mb(), **common)


def _max_mb() -> int:
    from flask import current_app

    return int(current_app.config["LMS_PROJECT_MAX_BYTES"] // (1024 * 1024))


def _due(form: Any, cohort: Cohort) -> datetime | None:
    """The due time from the form's day, time and zone, in UTC; None when no day is given."""
    day = form.get("due_day", "").strip()
    if not day:
        return None
    try:
        local = datetime.strptime(f"{day} {form.get('due_time', '').strip() or '00:00'}", "%Y-%m-%d %H:%M")
    except ValueError:
        raise ValidationError("Give the due date as a day (2024-11-27) and a time (15:00).") from None
    zone = form.get("zone", cohort.timezone)
    if zone not in time_zone_choices():
        raise ValidationError("Choose a time zone from the list.")
    try:
        return to_utc(local, zone)
    except LocalTimeError as error:
        raise ValidationError(str(error)) from None


@bp.route("/cohorts/<slug>/project/settings", methods=["GET", "POST"])
@login_required
def project_settings(slug: str) -> str | Response:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_teach(current_user, cohort))
    project = services.project_of(cohort)
    errors: list[str] = []
    form = request.form
    if request.method == "POST":
        try:
            due = _due(form, cohort)
            number = form.get("presentation", "").strip()
            services.save_project(
                cohort, title=form.get("title", ""), brief=form.get("brief", ""), due_at=due,
                presentation_number=parse_whole(number, field="The presentation session", minimum=1, maximum=1000)
                if number else None, late_policy=form.get("late_policy", "flag"), actor=current_user)
        except LMSError as error:
            db.session.rollback()
            errors = error.problems if isinstance(error, ValidationError) else [str(error)]
        else:
            db.session.commit()
            flash("The project's settings are saved.", "success")
            return redirect(url_for("lms.projects.project_view", slug=slug))
    due_local = in_zone(project.due_at, cohort.timezone) if project.due_at else None
    return render_template("lms/projects/settings.html", cohort=cohort, project=project, errors=errors,
                           posted=form if request.method == "POST" else None, due_local=due_local,
                           zones=time_zone_choices())


@bp.post("/cohorts/<slug>/project/upload")
@login_required
def submission_upload(slug: str) -> Response:
    from flask import current_app

    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_join(current_user, cohort))
    group = groups.group_of(cohort, current_user)
    if group is None:
        abort(403)
    # The form may carry one project file: let this request be larger than the site's limit.
    request.max_content_length = current_app.config["LMS_PROJECT_MAX_BYTES"] + 64 * 1024
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationError("Choose a file to upload.")
        submission = services.submit_version(cohort, group, current_user, upload.stream, upload.filename)
    except LMSError as error:
        db.session.rollback()
        flash(f"Nothing was uploaded: {error}", "error")
    else:
        db.session.commit()
        flash(f"Version {submission.version} uploaded{' (late)' if submission.late else ''}.", "success")
    return redirect(url_for("lms.projects.project_view", slug=slug))


def _submission(submission_id: int) -> tuple[Submission, Cohort, Group]:
    try:
        submission = services.get_submission(submission_id)
    except NotFoundError:
        abort(404)
    cohort = db.session.get(Cohort, submission.cohort_id)
    group = db.session.get(Group, submission.group_id)
    assert cohort is not None and group is not None
    return submission, cohort, group


@bp.post("/submissions/<lms_id:submission_id>/final")
@login_required
def submission_final(submission_id: int) -> Response:
    submission, cohort, group = _submission(submission_id)
    permissions.authorize(services.is_member(group, current_user))
    try:
        services.mark_final(cohort, submission, current_user)
    except LMSError as error:
        db.session.rollback()
        flash(f"Nothing changed: {error}", "error")
    else:
        db.session.commit()
        flash(f"Version {submission.version} is now your group's final version.", "success")
    return redirect(url_for("lms.projects.project_view", slug=cohort.slug))


@bp.get("/submissions/<lms_id:submission_id>/download")
@login_required
def submission_download(submission_id: int) -> Response:
    submission, cohort, group = _submission(submission_id)
    permissions.authorize(permissions.can_teach(current_user, cohort) or services.is_member(group, current_user))
    try:
        stream = storage().open(submission.stored_name)
    except FileNotFoundError:
        abort(404)
    response = send_file(stream, mimetype=submission.content_type, as_attachment=True,
                         download_name=submission.original_name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/cohorts/<slug>/groups/<lms_id:group_id>/grade", methods=["GET", "POST"])
@login_required
def group_grade(slug: str, group_id: int) -> str | Response:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_teach(current_user, cohort))
    group = _group(cohort, group_id)
    if request.method == "POST":
        try:
            services.grade_group(cohort, group, request.form.get("level", ""), request.form.get("feedback", ""),
                                 request.form.get("release") == "yes", current_user)
        except LMSError as error:
            db.session.rollback()
            flash(f"Nothing was saved: {error}", "error")
        else:
            db.session.commit()
            flash(f"{group.name}'s grade is saved.", "success")
        return redirect(url_for("lms.projects.group_grade", slug=slug, group_id=group_id))
    grade = services.grade_of(group)
    members = groups.members_of(group)
    return render_template("lms/projects/grade.html", cohort=cohort, group=group, grade=grade,
                           project=services.project_of(cohort), submissions=services.submissions_of(group),
                           people=services.member_grades(group, grade, members),
                           comments=services.comments_on(group, released_only=False), in_zone=in_zone,
                           zone=current_user.timezone)


@bp.post("/cohorts/<slug>/groups/<lms_id:group_id>/override")
@login_required
def grade_override(slug: str, group_id: int) -> Response:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_teach(current_user, cohort))
    group = _group(cohort, group_id)
    try:
        user = db.session.get(User, parse_whole(request.form.get("user_id", ""), field="The person", minimum=1,
                                                maximum=2**31 - 1))
        if user is None:
            raise ValidationError("No such person.")
        services.override_member(cohort, group, user, request.form.get("level", ""), request.form.get("reason", ""),
                                 current_user)
    except LMSError as error:
        db.session.rollback()
        flash(f"Nothing was saved: {error}", "error")
    else:
        db.session.commit()
        flash(f"{user.name}'s project grade is saved.", "success")
    return redirect(url_for("lms.projects.group_grade", slug=slug, group_id=group_id))


@bp.post("/cohorts/<slug>/groups/<lms_id:group_id>/release")
@login_required
def grade_release(slug: str, group_id: int) -> Response:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_teach(current_user, cohort))
    group = _group(cohort, group_id)
    try:
        services.release_grade(cohort, group, current_user)
    except LMSError as error:
        db.session.rollback()
        flash(f"Nothing was released: {error}", "error")
    else:
        db.session.commit()
        flash(f"{group.name} now sees its grade and feedback.", "success")
    return redirect(url_for("lms.projects.group_grade", slug=slug, group_id=group_id))


@bp.post("/cohorts/<slug>/groups/<lms_id:group_id>/comments")
@login_required
def comment_add(slug: str, group_id: int) -> Response:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.is_participant(current_user, cohort))
    group = _group(cohort, group_id)
    try:
        services.add_comment(cohort, group, current_user, request.form.get("body", ""))
    except LMSError as error:
        db.session.rollback()
        flash(f"Your comment was not saved: {error}", "error")
    else:
        db.session.commit()
        flash(f"Thank you: your comment on {group.name}'s presentation is saved. The group sees it once the "
              "instructors release comments.", "success")
    return redirect(url_for("lms.projects.project_view", slug=slug))


@bp.post("/cohorts/<slug>/groups/<lms_id:group_id>/comments/release")
@login_required
def comments_release(slug: str, group_id: int) -> Response:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_teach(current_user, cohort))
    group = _group(cohort, group_id)
    count = services.release_comments(cohort, group, current_user)
    db.session.commit()
    flash(f"{count} comment(s) released to {group.name}.", "success")
    return redirect(url_for("lms.projects.group_grade", slug=slug, group_id=group_id))
