"""Attendance arithmetic: minutes from join intervals, status from minutes, names to match.

Pure: standard library only.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta
from fractions import Fraction

PRESENT, LATE, ABSENT, EXCUSED = "present", "late", "absent", "excused"


def attended_seconds(intervals: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime) -> int:
    """Seconds covered by the union of ``intervals``, clipped to [start, end].

    Rejoins add up; overlapping rows (two devices at once) are counted once.
    """
    clipped = sorted((max(a, start), min(b, end)) for a, b in intervals if b > start and a < end)
    total = timedelta(0)
    current_start: datetime | None = None
    current_end: datetime | None = None
    for a, b in clipped:
        if current_end is None or a > current_end:
            if current_end is not None and current_start is not None:
                total += current_end - current_start
            current_start, current_end = a, b
        elif b > current_end:
            current_end = b
    if current_end is not None and current_start is not None:
        total += current_end - current_start
    return int(total.total_seconds())


def status_for(seconds: int, scheduled_minutes: int, present_share: Fraction, late_share: Fraction) -> str:
    """present at or above ``present_share`` of the scheduled time, late at or above
    ``late_share``, otherwise absent. Exact: 90 of 120 minutes at 75 % is present."""
    share = Fraction(seconds, scheduled_minutes * 60)
    if share >= present_share:
        return PRESENT
    if share >= late_share:
        return LATE
    return ABSENT


def merge_status(current: str | None, from_report: str) -> str:
    """A report never overrides an "excused" set by hand."""
    return EXCUSED if current == EXCUSED else from_report


def normalise_name(name: str) -> str:
    """For matching display names: bracketed notes dropped ("Rahul Mehta (Ministry of IT)"),
    accents folded, case and spacing ignored."""
    name = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", name)
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


def attendance_points(statuses: list[str], maximum: Fraction, *, policy: str, late_counts: bool,
                      late_weight: Fraction) -> Fraction:
    """Points for one person from their status at each held session (``absent`` where
    nothing is recorded). Excused sessions leave the count: 4 present of 4 non-excused
    sessions is full marks. ``pro_rata``: a share of the maximum per session;
    ``all_or_nothing``: the maximum only when every counted session was attended."""
    counted = [s for s in statuses if s != EXCUSED]
    if not counted:
        return maximum if statuses else Fraction(0)
    credit = {PRESENT: Fraction(1), LATE: late_weight if late_counts else Fraction(0), ABSENT: Fraction(0)}
    earned = sum((credit[s] for s in counted), Fraction(0))
    if policy == "all_or_nothing":
        return maximum if earned == len(counted) else Fraction(0)
    return maximum * earned / len(counted)
