"""Showing a moment to a person: in their zone, with the cohort's zone beside it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lms.core.localtime import in_zone


@dataclass(frozen=True)
class Shown:
    """A session's time as one person sees it."""

    viewer: str
    viewer_zone: str
    cohort: str | None
    cohort_zone: str
    iso: str


#: English day and month abbreviations, as ``%a`` and ``%b`` write them in the C locale (the
#: same on every server, and four ``strftime`` calls a span cost more than the rest of it).
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _span(starts: datetime, ends: datetime) -> str:
    day = f"{DAYS[starts.weekday()]} {starts.day} {MONTHS[starts.month - 1]} {starts.year}"
    end_day = "" if ends.date() == starts.date() else f"{DAYS[ends.weekday()]} {ends.day} {MONTHS[ends.month - 1]} "
    return f"{day}, {starts.hour:02d}:{starts.minute:02d}–{end_day}{ends.hour:02d}:{ends.minute:02d}"


def show_span(starts: datetime, minutes: int, viewer_zone: str, cohort_zone: str) -> Shown:
    """``starts`` (aware UTC) for ``minutes`` in the viewer's zone and, when it differs, in
    the cohort's: Asia/Kolkata sees 30 Oct 2024 15:00 Europe/Zurich as 19:30."""
    ends = starts + timedelta(minutes=minutes)
    here = in_zone(starts, viewer_zone)
    viewer = _span(here, in_zone(ends, viewer_zone))
    cohort = None
    if cohort_zone != viewer_zone:
        there = in_zone(starts, cohort_zone)
        if there.utcoffset() != here.utcoffset():
            cohort = _span(there, in_zone(ends, cohort_zone))
    utc = starts.astimezone(UTC)
    iso = f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}Z"
    return Shown(viewer, viewer_zone, cohort, cohort_zone, iso)


def show_moment(moment: datetime, zone: str) -> str:
    """One moment (aware) as wall-clock time in ``zone``, naming the zone: a deadline."""
    local = in_zone(moment, zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} ({zone})"
