"""Attendance pages for instructors: roll call, meeting-report import, participation marks,
and the overview grid."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from lms.attendance import marks, services
from lms.attendance.models import AttendanceStatus
from lms.attendance.report import ENCODINGS, ReportError, decode_report, read_report
from lms.auth import permissions
from lms.auth.forms import zone_choices
from lms.cohorts.views import load_cohort
from lms.core.db import db
from lms.core.errors import LMSError, NeedsConfirmationError, ValidationError
from lms.core.numbers import parse_decimal, parse_whole
from lms.core.paging import paginate
from lms.core.time import is_time_zone
from lms.sessions.views import load_session

bp = Blueprint("attendance", __name__, url_prefix="/cohorts/<slug>")
STATUSES = [s.value for s in AttendanceStatus]


def _status_cell(status: str) -> Markup:
    return Markup('<td class="st st-{0}"><span aria-hidden="true">{1}</span>'
                  '<span class="visually-hidden">{2}</span></td>').format(
        status or "none", status[:1].upper() if status else "·", status or "not marked")


#: The overview's cell for each status, written once: the grid has one per person and session.
STATUS_CELLS = {status: _status_cell(status) for status in ["", *STATUSES]}


def overview_row_html(row: marks.PersonRow, attendance_max: object, participation_max: object) -> Markup:
    """One participant's row of the overview, written in Python (as the gradebook's rows):
    the markup the template wrote per cell, the name escaped here."""
    rate = f"{float(row.rate * 100):.0f} %" if row.rate is not None else "—"
    cells = [f'<tr><th scope="row">{escape(row.user.name)}</th>',
             *(STATUS_CELLS[status] for status in row.statuses), f"<td>{rate}</td>"]
    if attendance_max is not None:
        cells.append(f"<td>{float(row.attendance_points):.2f}</td>")
    if participation_max is not None:
        points = row.participation_points
        cells.append(f"<td>{escape(points) if points is not None else '—'}</td>")
    cells.append("</tr>\n")
    return Markup("".join(cells))


def _teacher_session(slug: str, number: int):
    session = load_session(slug, number)
    permissions.authorize(permissions.can_teach(current_user, session.cohort))
    return session


@bp.route("/sessions/<lms_id:number>/attendance", methods=["GET", "POST"])
@login_required
def roll_call(slug: str, number: int) -> str | Response:
    session = _teacher_session(slug, number)
    people = services.participants(session.cohort)
    records = services.records_for(session)
    posted: dict[str, str] = {}
    if request.method == "POST":
        posted = request.form.to_dict()
        bulk = request.form.get("bulk")
        try:
            entries = []
            for person in people:
                status = request.form.get(f"status-{person.id}", "")
                if bulk in STATUSES and not status:
                    status = bulk
                if not status:
                    continue
                if status not in STATUSES:
                    raise ValidationError(f"Unknown status for {person.name}.")
                raw = request.form.get(f"minutes-{person.id}", "").strip()
                minutes = parse_whole(raw, field=f"Minutes for {person.name}", minimum=0,
                                      maximum=session.duration_minutes) if raw else None
                entries.append(services.RollCallEntry(person.id, AttendanceStatus(status), minutes,
                                                      request.form.get(f"note-{person.id}", "")[:2000]))
            changed = services.save_roll_call(session, entries, current_user)
        except ValidationError as error:
            db.session.rollback()
            flash(f"Nothing was saved: {error}", "error")
        else:
            db.session.commit()
            flash(f"Attendance saved ({changed} change{'s' if changed != 1 else ''}).", "success")
            return redirect(url_for("lms.attendance.roll_call", slug=slug, number=number))
    return render_template("lms/attendance/roll_call.html", session=session, cohort=session.cohort, people=people,
                           records=records, statuses=STATUSES, posted=posted)


@bp.route("/sessions/<lms_id:number>/attendance/import", methods=["GET", "POST"])
@login_required
def report_import(slug: str, number: int) -> str | Response:
    session = _teacher_session(slug, number)
    cohort = session.cohort
    zone = request.form.get("zone") or cohort.timezone
    other_date = request.form.get("other_date") == "1"
    again = redirect(url_for("lms.attendance.report_import", slug=slug, number=number))
    if request.method == "GET":
        return render_template("lms/attendance/import.html", session=session, cohort=cohort, zone=zone,
                               zones=zone_choices())
    if not is_time_zone(zone):
        flash(f"{zone!r} is not a known time zone.", "error")
        return again
    upload = request.files.get("report")
    people = {u.id for u in services.participants(cohort)}
    mappings = {key.removeprefix("map-"): int(value) for key, value in request.form.items()
                if key.startswith("map-") and value.isascii() and value.isdigit() and int(value) in people}
    try:
        if upload and upload.filename:
            text, encoding = decode_report(upload.stream.read())
        else:  # the preview page sends the text back, with how it was first decoded
            text, encoding = request.form.get("report_text", ""), request.form.get("encoding", "")
        report = read_report(text, encoding=encoding if encoding in ENCODINGS else "text")
        preview = services.preview_report(session, report, zone, mappings, other_date=other_date)
        if request.form.get("stage") == "confirm":
            changed = services.apply_preview(preview, current_user, mappings)
            db.session.commit()
            flash(f"Attendance imported for session {number}: {changed} record(s) changed.", "success")
            return redirect(url_for("lms.attendance.roll_call", slug=slug, number=number))
    except ReportError as error:
        for problem in error.problems[:20]:
            flash(problem, "error")
        flash("Nothing was imported.", "error")
        return again
    except NeedsConfirmationError as error:
        flash(f"{error} If it is the right report, tick “The report is from another day” and upload it again.",
              "error")
        return again
    except LMSError as error:
        db.session.rollback()
        flash(str(error), "error")
        return again
    return render_template("lms/attendance/preview.html", session=session, cohort=cohort, preview=preview,
                           report_text=text, encoding=encoding, other_date=other_date, mappings=mappings,
                           people=services.participants(cohort))


@bp.get("/attendance")
@login_required
def overview(slug: str) -> str:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_teach(current_user, cohort))
    view = marks.overview(cohort, kept=True)
    return render_template("lms/attendance/overview.html", cohort=cohort, view=view, row_html=overview_row_html,
                           page=paginate(view.rows, request.args.get("page")))


@bp.route("/participation", methods=["GET", "POST"])
@login_required
def participation(slug: str) -> str | Response:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_teach(current_user, cohort))
    setup = marks.participation_setup(cohort)
    people = services.participants(cohort)
    slots = [s.id for s in setup.sessions] if setup.per == "session" else [None]
    if request.method == "POST":
        try:
            changed = 0
            for person in people:
                for slot in slots:
                    key = f"{person.id}-{slot or 'course'}"
                    raw = request.form.get(f"points-{key}", "").strip()
                    points = parse_decimal(raw, field=f"Participation mark for {person.name}", minimum=0,
                                           maximum=setup.mark_max, places=2) if raw else None
                    changed += marks.set_participation(cohort, person.id, slot, points,
                                                       request.form.get(f"note-{key}", "")[:2000], current_user)
        except ValidationError as error:
            db.session.rollback()
            flash(f"Nothing was saved: {error}", "error")
            return render_template("lms/attendance/participation.html", cohort=cohort, setup=setup, people=people,
                                   slots=slots, current=marks.marks_of(cohort), posted=request.form)
        db.session.commit()
        flash(f"Participation marks saved ({changed} change{'s' if changed != 1 else ''}).", "success")
        return redirect(url_for("lms.attendance.participation", slug=slug))
    return render_template("lms/attendance/participation.html", cohort=cohort, setup=setup, people=people,
                           slots=slots, current=marks.marks_of(cohort), posted=None)
