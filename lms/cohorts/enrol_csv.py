"""Reading an enrolment CSV (``email,name,role`` and optional ``country,organisation,time_zone,gender``),
checking every line before anything is written."""
from __future__ import annotations

from dataclasses import dataclass

from lms.cohorts.models import Role
from lms.cohorts.services import Enrolment
from lms.core.csvfiles import CheckedReader
from lms.core.errors import ValidationError
from lms.core.text import single_line_problem

REQUIRED = ("email", "name", "role")
OPTIONAL = ("country", "organisation", "time_zone", "gender")
#: Self-described gender: free text, kept short.
GENDER_MAX = 64


@dataclass(frozen=True)
class ParsedRow:
    line: int
    enrolment: Enrolment


def _country(value: str) -> str | None:
    import pycountry

    value = value.strip()
    if not value:
        return None
    try:
        found = pycountry.countries.lookup(value)
    except LookupError:
        return ""
    return str(found.alpha_2)


def _zones() -> set[str]:
    from zoneinfo import available_timezones

    return available_timezones()


def _canonical_zone(zone: str) -> str:
    """Today's name of a zone (Asia/Calcutta → Asia/Kolkata)."""
    from lms.core.time import RENAMED_ZONES

    return RENAMED_ZONES.get(zone, zone)


def parse_enrolment_csv(text: str) -> list[ParsedRow]:
    """Every row as an Enrolment, or a ValidationError listing each bad line."""
    from lms.auth.services import normalise_email

    text = text.lstrip("\ufeff")
    reader = CheckedReader(text)
    header = [h.lower() for h in reader.header]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if missing or unknown:
        detail = "; missing: " + ", ".join(missing) if missing else ""
        detail += "; unknown: " + ", ".join(unknown) if unknown else ""
        raise ValidationError(f"line 1: the columns must be {','.join(REQUIRED)} and optionally "
                              f"{','.join(OPTIONAL)}{detail}")
    reader.use_header(header)
    problems: list[str] = []
    rows: list[ParsedRow] = []
    seen: dict[tuple[str, Role], int] = {}
    for index, raw in reader.numbered():
        if None in raw:
            problems.append(f"line {index}: more cells than columns")
            continue
        row = {k: (v or "").strip() for k, v in raw.items()}
        if not any(row.values()):
            continue
        line_problems = []
        try:
            email = normalise_email(row["email"])
        except ValidationError as error:
            line_problems.append(str(error))
            email = row["email"]
        if not row["name"]:
            line_problems.append("the name is empty")
        for column in ("name", "organisation"):
            if problem := single_line_problem(row.get(column, ""), f"the {column}"):
                line_problems.append(problem.rstrip("."))
        try:
            role = Role(row["role"].lower())
        except ValueError:
            line_problems.append(f"unknown role {row['role']!r} (use participant, instructor or coordinator)")
            role = Role.PARTICIPANT
        country = _country(row.get("country", ""))
        if country == "":
            line_problems.append(f"unknown country {row['country']!r} (use a name or a two-letter code)")
        zone = row.get("time_zone", "")
        if zone and zone not in _zones():
            line_problems.append(f"unknown time zone {zone!r} (use an IANA name such as Africa/Nairobi)")
        gender = row.get("gender", "")
        if len(gender) > GENDER_MAX:
            line_problems.append(f"the gender is longer than {GENDER_MAX} characters")
        elif problem := single_line_problem(gender, "the gender"):
            line_problems.append(problem.rstrip("."))
        key = (email, role)
        if key in seen and not line_problems:
            line_problems.append(f"{email} is already listed as {role.value} on line {seen[key]}")
        seen.setdefault(key, index)
        if line_problems:
            problems.extend(f"line {index}: {p}" for p in line_problems)
            continue
        rows.append(ParsedRow(index, Enrolment(email, row["name"], role, country,
                                               row.get("organisation") or None, _canonical_zone(zone) or None,
                                               gender or None)))
    if problems:
        raise ValidationError(problems)
    if not rows:
        raise ValidationError("the file has no people in it")
    return rows
