"""The applications of a cohort as a table (answers, average scores per criterion, decision),
written as CSV or XLSX through the gradebook's formula-safe writers."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa

from lms.applications.models import Application, ApplicationStatus
from lms.applications.services import criteria, questions
from lms.cohorts.models import Cohort
from lms.core.countries import country
from lms.core.db import db


def _number(value: Fraction | None) -> str:
    if value is None:
        return ""
    return f"{Decimal(value.numerator) / Decimal(value.denominator):.2f}"


def applications_table(cohort: Cohort) -> list[list[str]]:
    """One row per application that is not a draft: the applicant, every answer, each
    criterion's average over the reviewers, the average total, and the decision."""
    asked = questions(cohort)
    scored = criteria(cohort)
    header = ["email", "name", "country", "region", "developing", "organisation", "gender", "status",
              "submitted_at", *[f"answer_{q.key}" for q in asked], *[f"score_{c.key}" for c in scored],
              "score_total", "reviewers", "decision_note"]
    rows = [header]
    applications = db.session.execute(sa.select(Application).where(
        Application.cohort_id == cohort.id, Application.status != ApplicationStatus.DRAFT)
        .options(sa.orm.joinedload(Application.user), sa.orm.selectinload(Application.scores))
        .order_by(Application.submitted_at, Application.id)).unique().scalars().all()
    for application in applications:
        user = application.user
        place = country(user.country)
        reviewers = {s.reviewer_id for s in application.scores}
        per_criterion = {c.key: [s.points for s in application.scores if s.criterion == c.key] for c in scored}
        averages = [Fraction(sum(v), len(v)) if v else None for v in per_criterion.values()]
        total = sum(a for a in averages if a is not None) if any(a is not None for a in averages) else None
        rows.append([
            user.email, user.name, place.name if place else "", (place.region or "") if place else "",
            "yes" if place and place.developing else "no", user.organisation or "", user.gender or "",
            application.status.value,
            application.submitted_at.strftime("%Y-%m-%dT%H:%M:%SZ") if application.submitted_at else "",
            *[str(application.answers.get(q.key, "")) for q in asked],
            *[_number(a) for a in averages], _number(total), str(len(reviewers)), application.decision_note,
        ])
    return rows
