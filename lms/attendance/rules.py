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


#: Notes people add to a display name: "(Host)", "(she/her)", "[Ministry of IT]", "【主持人】".
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】")
#: Latin letters that carry their accent in the letter itself, so decomposition cannot fold them.
_LATIN_LETTER_FOLDS = str.maketrans({"đ": "d", "ø": "o", "ł": "l", "ı": "i", "ħ": "h", "ŧ": "t"})


def _is_latin(char: str) -> bool:
    return unicodedata.name(char, "").startswith("LATIN ")


def _fold_latin_accents(text: str) -> str:
    """Drop combining marks that sit on a Latin letter ("Lucía" → "lucia", Vietnamese
    "Nguyễn" → "nguyen", however many marks are stacked); keep every other mark, because in
    other scripts they are letters: Devanagari vowel signs and virama, Arabic hamza and
    madda, Cyrillic "й"."""
    kept: list[str] = []
    base_is_latin = False
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me"):
            if base_is_latin:
                continue
        else:
            base_is_latin = _is_latin(char)
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept)).translate(_LATIN_LETTER_FOLDS)


def normalise_name(name: str, *, fold_accents: bool = True) -> str:
    """A key for matching display names, in any script: Unicode compatibility forms unified
    (NFKC: full-width letters, NFC and NFD alike), bracketed notes dropped ("Rahul Mehta
    (Ministry of IT)", "(she/her)"), case folded, accents on Latin letters folded (unless
    ``fold_accents`` is false), punctuation and spacing reduced to single spaces.

    May be empty (a name of emoji or only a bracketed note): an empty key matches nothing.
    """
    text = _BRACKETED.sub(" ", unicodedata.normalize("NFKC", name))
    text = unicodedata.normalize("NFKC", text.casefold())
    if fold_accents:
        text = _fold_latin_accents(text)
    # Letters, marks and digits are the name; format characters (zero-width joiners) are
    # dropped; everything else (punctuation, symbols, spaces) separates words.
    cleaned = "".join("" if unicodedata.category(c) == "Cf" else c if unicodedata.category(c)[0] in "LMN" else " "
                      for c in text)
    return " ".join(cleaned.split())


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
