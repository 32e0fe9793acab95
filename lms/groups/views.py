"""Groups pages: staff form (preview, then save) and move people; participants see their group."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms.auth import permissions
from lms.auth.models import User
from lms.cohorts.views import load_cohort
from lms.core.db import db
from lms.core.errors import LMSError, ValidationError
from lms.core.localtime import in_zone
from lms.core.numbers import parse_whole
from lms.core.time import utcnow
from lms.groups import services
from lms.groups.formation import evaluate

bp = Blueprint("groups", __name__, url_prefix="/cohorts")

MAX_SEED = 2**31 - 1


def country_name(code: str | None) -> str:
    from lms.core.countries import country

    found = country(code) if code else None
    return found.name if found else (code or "")


def local_windows(windows: tuple[tuple[datetime, datetime], ...], zone: str) -> list[str]:
    """A group's shared windows as one person sees them: "Mon 14:00–18:00"."""
    shown = []
    for start, end in windows:
        a, b = in_zone(start, zone), in_zone(end, zone)
        shown.append(f"{a:%a} {a:%H:%M}–{b:%H:%M}")
    return shown


@bp.get("/<slug>/groups")
@login_required
def groups_view(slug: str) -> str:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_join(current_user, cohort))
    if permissions.can_teach(current_user, cohort):
        views = services.groups_of(cohort)
        grouped = {u.id for v in views for u in v.members}
        ungrouped = [u for u in services.participants(cohort) if u.id not in grouped]
        placed = sorted([(u, v.group.name) for v in views for u in v.members] + [(u, None) for u in ungrouped],
                        key=lambda pair: (pair[0].name, pair[0].id))
        return render_template("lms/groups/manage.html", cohort=cohort, views=views, ungrouped=ungrouped,
                               placed=placed, country_name=country_name, seed=0)
    group = services.group_of(cohort, current_user)
    members: list[User] = []
    windows: list[str] = []
    if group is not None:
        members = services.members_of(group)
        people = [services.person(u) for u in members]
        [score] = evaluate([people], people, services.settings_of(cohort)) if cohort.course.group_min and \
            cohort.course.group_max else [None]
        windows = local_windows(score.windows, current_user.timezone) if score else []
    return render_template("lms/groups/mine.html", cohort=cohort, group=group, members=members, windows=windows,
                           now=utcnow(), in_zone=in_zone, country_name=country_name)


def _seed() -> int:
    return parse_whole(request.form.get("seed", "0") or "0", field="The seed", minimum=0, maximum=MAX_SEED)


@bp.post("/<slug>/groups/form")
@login_required
def groups_form(slug: str) -> str | Response:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_teach(current_user, cohort))
    try:
        seed = _seed()
        if request.form.get("stage") == "save":
            made = services.save_formation(cohort, seed, current_user)
            db.session.commit()
            flash(f"{len(made)} groups saved.", "success")
            return redirect(url_for("lms.groups.groups_view", slug=slug))
        formation = services.propose_groups(cohort, seed)
    except LMSError as error:
        db.session.rollback()
        flash(f"No groups were formed: {error}", "error")
        return redirect(url_for("lms.groups.groups_view", slug=slug))
    return render_template("lms/groups/preview.html", cohort=cohort, formation=formation, seed=seed,
                           country_name=country_name)


@bp.post("/<slug>/groups/move")
@login_required
def group_move(slug: str) -> Response:
    cohort = load_cohort(slug)
    permissions.authorize(permissions.can_teach(current_user, cohort))
    try:
        user_id = parse_whole(request.form.get("user_id", ""), field="The person", minimum=1, maximum=MAX_SEED)
        user = db.session.get(User, user_id)
        if user is None:
            abort(404)
        target = None
        if request.form.get("group_id"):
            group_id = parse_whole(request.form["group_id"], field="The group", minimum=1, maximum=MAX_SEED)
            target = services.get_group(cohort, group_id)
            if target is None:
                raise ValidationError("That group is not in this cohort.")
        services.move_member(cohort, user, target, current_user)
    except LMSError as error:
        db.session.rollback()
        flash(f"Nobody was moved: {error}", "error")
    else:
        db.session.commit()
        flash(f"{user.name} is now in {target.name if target else 'no group'}.", "success")
    return redirect(url_for("lms.groups.groups_view", slug=slug))
