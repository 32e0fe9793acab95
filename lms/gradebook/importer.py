"""``import-grades``: a CSV with ``email`` and one column per component key, checked whole
before anything is written."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from lms.attendance.services import participants
from lms.auth.models import User
from lms.cohorts.models import Cohort
from lms.cohorts.services import ensure_open
from lms.core.errors import ValidationError
from lms.gradebook.services import parse_mark, scheme_of, set_mark


@dataclass(frozen=True)
class GradeImport:
    rows: int
    changed: int
    unchanged: int


def import_grades(cohort: Cohort, text: str, actor: User | None) -> GradeImport:
    """Numbers are points; level names (``excellent``) for levelled components; an empty
    cell leaves a mark as it is. Every problem of the file is reported; with any, nothing
    is written."""
    ensure_open(cohort, "its marks")
    scheme = scheme_of(cohort)
    components = {c.key: c for c in scheme.components}
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    problems = []
    if "email" not in header:
        problems.append("line 1: there is no email column")
    unknown = [h for h in header if h not in components and h != "email" and h != "name"]
    if unknown:
        problems.append(f"line 1: unknown column(s) {', '.join(unknown)}; the course's components are "
                        f"{', '.join(components)} (and email, name)")
    if problems:
        raise ValidationError(problems)
    reader.fieldnames = header
    people = {u.email: u for u in participants(cohort)}
    planned: list[tuple[User, str, str]] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        email = row.get("email", "").lower()
        user = people.get(email)
        if user is None:
            problems.append(f"line {number}: {email or '(empty)'} is not a participant of {cohort.slug}")
            continue
        if email in seen:
            problems.append(f"line {number}: {email} is already on line {seen[email]}")
            continue
        seen[email] = number
        for key in components:
            value = row.get(key, "")
            if not value:
                continue
            try:
                parse_mark(components[key], value)
            except ValidationError as error:
                problems.append(f"line {number}: {error}")
                continue
            planned.append((user, key, value))
    if problems:
        raise ValidationError(problems)
    changed = sum(1 for user, key, value in planned if set_mark(cohort, user, key, value, actor))
    return GradeImport(len(seen), changed, len(planned) - changed)
