"""The gradebook: every participant's marks on the course's scheme, totals, pass/fail, and
what is still reachable; entering marks by hand. Arithmetic is in ``lms.grading``."""
from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa

from lms.attendance import rules
from lms.attendance.marks import Overview, PersonRow, overview
from lms.attendance.services import participant_rows
from lms.audit.services import record_event
from lms.auth.models import User
from lms.cohorts import kept as keeping
from lms.cohorts.models import Cohort
from lms.cohorts.services import ensure_open
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.core.numbers import parse_decimal
from lms.core.time import utcnow
from lms.courses.spec import AttendanceSpec, ComponentSpec, GradingSpec
from lms.gradebook.models import Mark
from lms.grading import GradeResult, grade

#: Share of the maximum assumed for marks still to come when judging who is at risk.
AT_RISK_SHARE = Fraction(3, 4)


def scheme_of(cohort: Cohort) -> GradingSpec:
    if not cohort.course.grading:
        raise ValidationError(f"The course {cohort.course.title!r} has no grading scheme in its course file.")
    return cohort.course.grading_spec


@dataclass(frozen=True)
class Row:
    #: A ``User``, or a light row with its ``id``, ``name`` and ``email``.
    user: Any
    result: GradeResult
    #: Level names for levelled components, by key.
    levels: dict[str, str]
    best: Fraction
    #: True when even full marks in what is still to come would not pass.
    cannot_pass: bool
    #: True when passing needs more than three quarters of what is still to come.
    at_risk: bool
    #: Keys whose value comes from attendance records or participation marks.
    computed: frozenset[str]


@dataclass(frozen=True)
class Gradebook:
    cohort: Cohort
    scheme: GradingSpec
    rows: list[Row]

    def distribution(self, width: int = 10) -> list[tuple[int, int]]:
        """(lower bound, count) of totals in bands of ``width`` percent; 100 joins the top band."""
        bands = [0] * (100 // width)
        for row in self.rows:
            bands[min(int(row.result.total // width), len(bands) - 1)] += 1
        return [(i * width, n) for i, n in enumerate(bands)]


def _component(scheme: GradingSpec, key: str) -> ComponentSpec:
    for component in scheme.components:
        if component.key == key:
            return component
    raise ValidationError(f"The course has no grading component {key!r} "
                          f"(it has {', '.join(c.key for c in scheme.components)}).")


@dataclass(frozen=True)
class _Setting:
    """What every row of one cohort's gradebook is computed against."""

    scheme: GradingSpec
    policy: AttendanceSpec
    attendance: ComponentSpec | None
    participation: ComponentSpec | None
    #: For each held session, whether it is still ahead (and may yet be attended).
    ahead: tuple[bool, ...]
    #: Each participant's points from submitted quizzes, by component key.
    quizzes: dict[int, dict[str, Fraction]]
    #: Stands for (scheme, policy, ahead) in the keys of ``_STANDINGS``: quicker to hash per row.
    token: object = None


#: Standings already computed, by everything they depend on (the scheme, the attendance
#: policy, which sessions are ahead, the person's statuses, points, marks, project grades and
#: quiz points), kept across requests: many participants share the same marks and attendance,
#: a gradebook is reloaded far more often than its marks change, and exact arithmetic is not
#: free. A pure function's results, so never stale; emptied when it grows past ``STANDINGS_KEPT``.
_STANDINGS: dict[tuple[Any, ...], Row] = {}
_TOKENS: dict[tuple[Any, ...], object] = {}
STANDINGS_KEPT = 50_000


def _ahead(starts: Any, now: Any) -> tuple[bool, ...]:
    """For each session start, whether it is still ahead of ``now``."""
    return tuple(start > now for start in starts)


def _setting(cohort: Cohort, scheme: GradingSpec, grid: Overview, only: User | None = None) -> _Setting:
    from lms.quizzes.services import quiz_points

    now = utcnow()
    maxima = {c.key: Fraction(c.max_points) for c in scheme.components}
    policy, ahead = cohort.course.attendance_spec, _ahead([s.starts_at for s in grid.sessions], now)
    return _Setting(scheme, policy,
                    next((c for c in scheme.components if c.policy == "attendance"), None),
                    next((c for c in scheme.components if c.policy == "marks" and c.key == "participation"), None),
                    ahead, quiz_points(cohort, maxima, only), _TOKENS.setdefault((scheme, policy, ahead), object()))


@functools.cache
def _marks_statement(one_person: bool) -> sa.Select[Any]:
    query = sa.select(Mark.user_id, Mark.component_key, Mark.points, Mark.level).where(
        Mark.cohort_id == sa.bindparam("cohort_id"))
    return query.where(Mark.user_id == sa.bindparam("user_id")) if one_person else query


def _marks(cohort: Cohort, scheme: GradingSpec, only: User | None = None) -> dict[int, dict[str, Any]]:
    """Each person's marks by component key, as light rows with ``points`` and ``level``."""
    values = {"cohort_id": cohort.id, "user_id": getattr(only, "id", None)}
    marks: dict[int, dict[str, Any]] = {}
    for mark in db.session.execute(_marks_statement(only is not None), values).all():
        marks.setdefault(mark.user_id, {})[mark.component_key] = mark
    project = next((c for c in scheme.components if c.policy == "levels"), None)
    if project is not None:
        # A released group project grade is each member's mark for the levelled component,
        # unless a mark was entered by hand (audited by set_mark), which overrides it.
        from lms.projects.services import released_project_marks

        for user_id, (points, level) in released_project_marks(cohort, only).items():
            marks.setdefault(user_id, {}).setdefault(project.key, ProjectMark(points, level))
    return marks


@dataclass(frozen=True)
class ProjectMark:
    """A group project grade as a gradebook mark (same shape as a ``Mark`` row)."""

    points: Decimal
    level: str | None


def _row(setting: _Setting, person: PersonRow, own: dict[str, Any]) -> Row:
    """One participant's standing: the one grading function behind the gradebook and My
    grades, so both always agree."""
    quizzes = setting.quizzes.get(person.user.id, {})
    key = (setting.token, tuple(person.statuses), person.attendance_points, person.participation_points,
           tuple(sorted((k, m.points, m.level, isinstance(m, ProjectMark)) for k, m in own.items())),
           tuple(sorted(quizzes.items())))
    same = _STANDINGS.get(key)
    if same is None:
        if len(_STANDINGS) >= STANDINGS_KEPT:
            _STANDINGS.clear()
            _TOKENS.clear()
        same = _STANDINGS[key] = replace(_standing(setting, person, own, quizzes), user=None)  # keeps nobody's row
    return replace(same, user=person.user)


def _standing(setting: _Setting, person: PersonRow, own: dict[str, Any], quizzes: dict[str, Fraction]) -> Row:
    scheme, attendance, participation = setting.scheme, setting.attendance, setting.participation
    given: dict[str, Fraction | None] = {}
    computed = set()
    for component in scheme.components:
        given[component.key] = None
        if component.key in own:  # a hand-entered mark overrides what is computed
            given[component.key] = Fraction(own[component.key].points)
            if isinstance(own[component.key], ProjectMark):
                computed.add(component.key)
        elif component.key in quizzes:
            given[component.key] = quizzes[component.key]
            computed.add(component.key)
        elif component is attendance and any(person.statuses):
            given[component.key] = Fraction(person.attendance_points)
            computed.add(component.key)
        elif component is participation and person.participation_points is not None:
            given[component.key] = Fraction(person.participation_points)
            computed.add(component.key)
    result = grade(scheme, given)
    pending = set(result.missing)
    best_marks = {c.key: (Fraction(c.max_points) if c.key in pending else given[c.key]) for c in scheme.components}
    likely_marks = {c.key: (Fraction(c.max_points) * AT_RISK_SHARE if c.key in pending else given[c.key])
                    for c in scheme.components}
    if attendance and attendance.key not in own:
        # Sessions still ahead may yet be attended.
        policy = setting.policy
        hopeful = [st or (rules.PRESENT if future else rules.ABSENT)
                   for st, future in zip(person.statuses, setting.ahead, strict=True)]
        best_attendance = rules.attendance_points(
            hopeful, Fraction(attendance.max_points), policy=policy.policy, late_counts=policy.late_counts,
            late_weight=Fraction(policy.late_weight))
        best_marks[attendance.key] = max(best_attendance, given[attendance.key] or Fraction(0))
        if any(setting.ahead):
            likely_marks[attendance.key] = best_marks[attendance.key]
    best_result = grade(scheme, best_marks)
    likely = grade(scheme, likely_marks)
    cannot = not best_result.passed
    return Row(person.user, result, {k: m.level for k, m in own.items() if m.level}, best_result.total, cannot,
               not cannot and not result.passed and not likely.passed, frozenset(computed))


def gradebook(cohort: Cohort, kept: bool = False) -> Gradebook:
    """Every participant's standing; a fixed number of queries whatever the cohort's size,
    and work linear in it. With ``kept`` (the gradebook page), standings computed earlier at
    the cohort's current ``grades_stamp`` are reused: the page then reads only who the
    participants are now (their names fresh) and computes nothing."""
    scheme = scheme_of(cohort)
    if kept:
        found = _kept(cohort, scheme, None)
        if found is not None:
            people = participant_rows(cohort)
            if all(p.id in found for p in people):
                return Gradebook(cohort, scheme, [replace(found[p.id], user=p) for p in people])
    grid = overview(cohort)
    marks = _marks(cohort, scheme)
    setting = _setting(cohort, scheme, grid)
    rows = [_row(setting, person, marks.get(person.user.id, {})) for person in grid.rows]
    if kept:
        _keep(cohort, scheme, None, grid, {row.user.id: replace(row, user=None) for row in rows})
    return Gradebook(cohort, scheme, rows)


def person_grades(cohort: Cohort, user: User, kept: bool = False) -> Row:
    """``user``'s standing alone, read by queries for that person only: what My grades
    shows costs the same in a cohort of 30 or of 5,000. With ``kept`` (My grades), reused
    while the cohort's ``grades_stamp`` stays the same."""
    scheme = scheme_of(cohort)
    if kept:
        found = _kept(cohort, scheme, user.id)
        if found is not None:
            return replace(found[user.id], user=user)
    grid = overview(cohort, only=user)
    setting = _setting(cohort, scheme, grid, only=user)
    row = _row(setting, grid.rows[0], _marks(cohort, scheme, user).get(user.id, {}))
    if kept:
        _keep(cohort, scheme, user.id, grid, {user.id: replace(row, user=None)})
    return row


# ---- standings kept by the cohort's grades stamp (lms/cohorts/kept.py) ---------------------
#
# The gradebook and My grades keep standings with the stamp, grading scheme and attendance
# policy, and the session start times, they were computed for (a session starting moves what
# is "still ahead" without any write). One entry for each cohort's gradebook and each
# participant's My grades.


@dataclass(frozen=True)
class _Kept:
    starts: tuple[Any, ...]
    ahead: tuple[bool, ...]
    rows: dict[int, Row]


def _kept_at(cohort: Cohort, scheme: GradingSpec) -> tuple[Any, ...]:
    """What the rows were computed at: the cohort's stamp, grading scheme and attendance policy."""
    return (cohort.grades_stamp, scheme, cohort.course.attendance_spec)


def _kept(cohort: Cohort, scheme: GradingSpec, who: int | None) -> dict[int, Row] | None:
    entry = keeping.kept((cohort.id, who), _kept_at(cohort, scheme))
    if entry is None:
        return None
    if _ahead(entry.starts, utcnow()) != entry.ahead:
        return None  # a session has begun since: what is still reachable changed
    return entry.rows


def _keep(cohort: Cohort, scheme: GradingSpec, who: int | None, grid: Overview, rows: dict[int, Row]) -> None:
    starts = tuple(s.starts_at for s in grid.sessions)
    keeping.keep((cohort.id, who), _kept_at(cohort, scheme), _Kept(starts, _ahead(starts, utcnow()), rows))


def parse_mark(component: ComponentSpec, value: str) -> tuple[Decimal, str | None]:
    """Points (a number) or, for a levelled component, a level name ("excellent")."""
    text = value.strip()
    levels = dict(component.levels)
    if component.policy == "levels" and text.lower() in levels:
        return levels[text.lower()], text.lower()
    try:
        points = parse_decimal(text, field=component.key, minimum=0, maximum=component.max_points, places=4)
    except ValidationError:
        if levels and not any(char.isdigit() for char in text):
            raise ValidationError(f"{component.key}: {text!r} is not a number or one of {', '.join(levels)}") from None
        raise
    if levels and points not in levels.values() and points != 0:
        raise ValidationError(f"{component.key}: {text} is not a level's points "
                              f"({', '.join(f'{n} {p}' for n, p in levels.items())})")
    level = next((name for name, p in levels.items() if p == points), None)
    return points, level


def set_mark(cohort: Cohort, user: User, key: str, value: str, actor: User | None, note: str = "") -> bool:
    """Set (or with an empty ``value``, clear) one mark, with an audit event; returns True
    when something changed."""
    ensure_open(cohort, "its marks")
    component = _component(scheme_of(cohort), key)
    existing = db.session.execute(db.select(Mark).where(
        Mark.cohort_id == cohort.id, Mark.user_id == user.id, Mark.component_key == key)).scalar_one_or_none()
    before = {"points": str(existing.points), "level": existing.level} if existing else None
    if not value.strip():
        if existing is None:
            return False
        db.session.delete(existing)
        record_event(actor, "mark.clear", "mark", f"{user.id}:{key}", cohort_id=cohort.id, before=before)
        db.session.flush()
        return True
    points, level = parse_mark(component, value)
    if existing is not None and existing.points == points and existing.level == level:
        return False
    if existing is None:
        existing = Mark(cohort_id=cohort.id, user_id=user.id, component_key=key, points=points)
        db.session.add(existing)
    existing.points, existing.level, existing.note = points, level, note.strip()
    existing.updated_by_id, existing.updated_at = getattr(actor, "id", None), utcnow()
    record_event(actor, "mark.set", "mark", f"{user.id}:{key}", cohort_id=cohort.id, before=before,
                 after={"points": str(points), "level": level})
    db.session.flush()
    return True
