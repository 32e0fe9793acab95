"""Reviewing applications: blind scoring per criterion, the review table with its averages,
disagreements and suggested order, reviewer roles, and the live figures of the selection."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

import sqlalchemy as sa
from flask import current_app

from lms.applications.models import Application, ApplicationReviewer, ApplicationScore, ApplicationStatus
from lms.applications.services import criteria
from lms.audit.services import record_event
from lms.auth.models import User
from lms.cohorts.models import Cohort, Membership, Role
from lms.core.countries import Country, country
from lms.core.db import db
from lms.core.errors import ConflictError, NotFoundError, ValidationError
from lms.core.numbers import parse_whole
from lms.core.time import utcnow

#: Statuses that appear in the review table (drafts are the applicant's own business).
REVIEWED = (ApplicationStatus.SUBMITTED, ApplicationStatus.SELECTED, ApplicationStatus.WAITLISTED,
            ApplicationStatus.OFFERED, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN)


def score_application(application: Application, reviewer: User, typed: dict[str, str]) -> None:
    """Save ``reviewer``'s scores of every criterion (whole numbers, 0 to the criterion's
    maximum). All criteria at once: a partly scored application would unblind the reviewer."""
    if application.status == ApplicationStatus.DRAFT:
        raise ConflictError("A draft cannot be scored until it is submitted.")
    wanted = criteria(application.cohort)
    if not wanted:
        raise ConflictError("The course file names no review criteria.")
    points, problems = {}, []
    for criterion in wanted:
        try:
            points[criterion.key] = parse_whole(typed.get(criterion.key, ""), field=f"The score for "
                                                f"“{criterion.title}”", minimum=0, maximum=criterion.max_points)
        except ValidationError as error:
            problems.extend(error.problems)
    if problems:
        raise ValidationError(problems)
    existing = {s.criterion: s for s in application.scores if s.reviewer_id == reviewer.id}
    before = {k: s.points for k, s in existing.items()}
    for key, value in points.items():
        if key in existing:
            existing[key].points, existing[key].scored_at = value, utcnow()
        else:
            application.scores.append(ApplicationScore(reviewer_id=reviewer.id, criterion=key, points=value))
    record_event(reviewer, "application.score", "application", application.id, cohort_id=application.cohort_id,
                 before=before or None, after=points)
    db.session.flush()


def set_reviewer(cohort: Cohort, user_id: int, reviewer: bool, actor: User | None) -> User:
    """Give an instructor of ``cohort`` the reviewer role, or take it away."""
    user = db.session.execute(sa.select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.cohort_id == cohort.id, Membership.role == Role.INSTRUCTOR, User.id == user_id)).scalar()
    if user is None:
        raise NotFoundError("Only the cohort's instructors can be given the reviewer role.")
    row = db.session.execute(sa.select(ApplicationReviewer).where(
        ApplicationReviewer.cohort_id == cohort.id, ApplicationReviewer.user_id == user_id)).scalar_one_or_none()
    if reviewer and row is None:
        db.session.add(ApplicationReviewer(cohort_id=cohort.id, user_id=user_id))
    elif not reviewer and row is not None:
        db.session.delete(row)
    else:
        return user
    record_event(actor, "application.reviewer", "user", user_id, cohort_id=cohort.id,
                 after={"reviewer": reviewer})
    db.session.flush()
    return user


def reviewers(cohort: Cohort) -> set[int]:
    return set(db.session.execute(sa.select(ApplicationReviewer.user_id).where(
        ApplicationReviewer.cohort_id == cohort.id)).scalars())


# ---- the table -----------------------------------------------------------------------------

@dataclass
class ReviewRow:
    application: Application
    user: User
    country: Country | None
    years: str
    #: The viewer's own total, None until they have scored.
    mine: int | None
    #: Everyone's average total and the spread between reviewers; None while the viewer is blind.
    average: Fraction | None
    spread: int | None
    reviewers: int
    disagreement: bool
    suggested: int = 0

    @property
    def region(self) -> str:
        return self.country.region or "" if self.country else ""

    @property
    def developing(self) -> bool:
        return bool(self.country and self.country.developing)


def review_rows(cohort: Cohort, viewer: User) -> list[ReviewRow]:
    """Every submitted (or decided) application with what ``viewer`` may see of its scores;
    two queries. A reviewer sees the others' scores of an application only once they have
    scored it themselves."""
    applications = db.session.execute(sa.select(Application).where(
        Application.cohort_id == cohort.id, Application.status.in_(REVIEWED))
        .options(sa.orm.joinedload(Application.user), sa.orm.selectinload(Application.scores))
        .order_by(Application.submitted_at, Application.id)).unique().scalars().all()
    spread_limit = current_app.config["LMS_APPLICATION_SCORE_SPREAD"]
    rows = []
    for application in applications:
        totals: dict[int, int] = {}
        for score in application.scores:
            totals[score.reviewer_id] = totals.get(score.reviewer_id, 0) + score.points
        mine = totals.get(viewer.id)
        visible = mine is not None and totals
        spread = max(totals.values()) - min(totals.values()) if visible else None
        rows.append(ReviewRow(
            application=application, user=application.user, country=country(application.user.country),
            years=str(application.answers.get("years_experience", "")), mine=mine,
            average=Fraction(sum(totals.values()), len(totals)) if visible else None,
            spread=spread, reviewers=len(totals), disagreement=spread is not None and spread > spread_limit))
    for position, row in enumerate(suggested_order(rows, cohort.course.application_priority), start=1):
        row.suggested = position
    return rows


def suggested_order(rows: list[ReviewRow], rule: str) -> list[ReviewRow]:
    """The course file's priority rule: ``developing_first`` puts applicants from developing
    countries first, then by average score (highest first); ``score`` by score alone.
    Applications whose score the viewer cannot see yet come after the scored ones."""
    def key(row: ReviewRow) -> tuple[int, int, Fraction, int]:
        first = 0 if rule != "developing_first" or row.developing else 1
        return (first, row.average is None, -(row.average or Fraction(0)), row.application.id)
    return sorted(rows, key=key)


SORTS = {
    "suggested": lambda r: r.suggested,
    "name": lambda r: r.user.name.casefold(),
    "country": lambda r: r.country.name if r.country else "~",
    "region": lambda r: r.region or "~",
    "developing": lambda r: not r.developing,
    "gender": lambda r: r.user.gender or "~",
    "organisation": lambda r: (r.user.organisation or "~").casefold(),
    "years": lambda r: r.years or "~",
    "status": lambda r: r.application.status.value,
    "score": lambda r: (r.average is None, -(r.average or 0)),
}


def filter_rows(rows: list[ReviewRow], filters: dict[str, str]) -> list[ReviewRow]:
    """Keep rows matching every given filter (exact values from the table's choices)."""
    def keep(row: ReviewRow) -> bool:
        checks = {
            "country": row.country.code if row.country else "",
            "region": row.region,
            "developing": "yes" if row.developing else "no",
            "gender": row.user.gender or "",
            "status": row.application.status.value,
            "years": row.years,
        }
        if filters.get("organisation") and filters["organisation"].casefold() not in (
                row.user.organisation or "").casefold():
            return False
        return all(not filters.get(k) or filters[k] == v for k, v in checks.items())
    return [row for row in rows if keep(row)]


def sort_rows(rows: list[ReviewRow], by: str, descending: bool) -> list[ReviewRow]:
    return sorted(rows, key=SORTS.get(by, SORTS["suggested"]), reverse=descending)


# ---- live figures --------------------------------------------------------------------------

@dataclass(frozen=True)
class Figures:
    selected: int
    capacity: int
    participants: int
    offered: int
    waitlisted: int
    submitted: int
    women: int
    developing: int
    countries: list[tuple[str, int]]
    regions: list[tuple[str, int]]

    def share(self, part: int) -> int:
        """Per cent of the selected, rounded."""
        return round(100 * part / self.selected) if self.selected else 0


def selection_figures(cohort: Cohort) -> Figures:
    """Selected against capacity, the share of women and of people from developing
    countries among the selected, and the countries and regions they come from."""
    rows = db.session.execute(sa.select(Application.status, User.country, User.gender)
                              .join(User, User.id == Application.user_id)
                              .where(Application.cohort_id == cohort.id)).all()
    selected = [(c, g) for s, c, g in rows if s == ApplicationStatus.SELECTED]
    by_status = Counter(s for s, _, _ in rows)
    countries = Counter(country(c).name if country(c) else "Not given" for c, _ in selected)
    regions = Counter((country(c).region or "Other") if country(c) else "Not given" for c, _ in selected)
    participants = db.session.execute(sa.select(sa.func.count(Membership.id)).where(
        Membership.cohort_id == cohort.id, Membership.role == Role.PARTICIPANT)).scalar_one()
    return Figures(
        selected=len(selected), capacity=cohort.capacity, participants=participants,
        offered=by_status[ApplicationStatus.OFFERED], waitlisted=by_status[ApplicationStatus.WAITLISTED],
        submitted=sum(n for s, n in by_status.items() if s != ApplicationStatus.DRAFT),
        women=sum(1 for _, g in selected if g == "woman"),
        developing=sum(1 for c, _ in selected if country(c) and country(c).developing),
        countries=sorted(countries.items(), key=lambda kv: (-kv[1], kv[0])),
        regions=sorted(regions.items(), key=lambda kv: (-kv[1], kv[0])),
    )


def figures_svg(figures: Figures) -> str:
    """A small bar chart, drawn on the server: places taken against capacity, share of
    women and of developing countries among the selected, each out of 100 %."""
    from markupsafe import escape

    bars = [(f"Places: {figures.selected} of {figures.capacity}",
             figures.selected / figures.capacity if figures.capacity else 0),
            (f"Women: {figures.share(figures.women)} %", figures.women / figures.selected if figures.selected else 0),
            (f"Developing countries: {figures.share(figures.developing)} %",
             figures.developing / figures.selected if figures.selected else 0)]
    width, bar, gap = 320, 18, 30
    summary = escape("Selection so far: " + "; ".join(label for label, _ in bars))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {gap * len(bars)}" '
             f'role="img" aria-label="{summary}" class="selection-chart">', f"<title>{summary}</title>"]
    for i, (label, share) in enumerate(bars):
        y = i * gap
        parts.append(f'<rect x="0" y="{y + 12}" width="{width}" height="{bar - 8}" fill="#e5e7eb"/>')
        parts.append(f'<rect x="0" y="{y + 12}" width="{round(width * min(share, 1), 1)}" height="{bar - 8}" '
                     'fill="#1d4ed8"/>')
        parts.append(f'<text x="0" y="{y + 10}" font-size="10" fill="#111827">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
