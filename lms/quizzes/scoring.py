"""Scoring one answer: pure functions of the question and the response (no Flask, no
database), shared by submission, regrading and the item analysis."""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

CHOICE_KINDS = ("single", "multiple", "true_false")


def normalise_text(text: str) -> str:
    """How short answers are compared: Unicode NFKC, case folded, runs of spaces as one."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def score(kind: str, correct: Sequence[int], accepted: Sequence[str], partial: bool,
          response: Sequence[Any], choice_count: int = 0) -> Fraction | None:
    """The share (0..1) of one question earned by ``response``; None for ungraded free text.
    An empty response earns nothing."""
    if kind == "free_text":
        return None
    if kind == "short_answer":
        given = normalise_text(str(response[0])) if response else ""
        return Fraction(1) if given and given in {normalise_text(a) for a in accepted} else Fraction(0)
    chosen = {c for c in response if isinstance(c, int) and 0 <= c < max(choice_count, 1)}
    right = set(correct)
    if kind != "multiple" or not partial:
        return Fraction(1) if chosen and chosen == right else Fraction(0)
    if not right:
        return Fraction(0)
    share = Fraction(len(chosen & right) - len(chosen - right), len(right))
    return max(share, Fraction(0))


def total(shares: Sequence[Fraction | None]) -> tuple[Fraction, int]:
    """Points earned and the number of graded questions."""
    graded = [s for s in shares if s is not None]
    return sum(graded, Fraction(0)), len(graded)
