"""Weighted totals with exact arithmetic.

A scheme is a list of components (key, maximum, weight in percent). A participant's total
is Σ weight × earned / maximum, in percent, computed with ``Fraction`` so that the pass
decision is exact: with a strict threshold of 80, a total of exactly 80 fails and a total
of 80 + 10⁻⁹ passes. Missing marks count as zero for the decision and are reported as
missing. Rounding happens only in ``format_total``, for display.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from lms.courses.spec import GradingSpec

Number = Fraction | Decimal | int


@dataclass(frozen=True)
class ComponentScore:
    key: str
    title: str
    #: Points earned, or None when the mark is missing.
    earned: Fraction | None
    maximum: Fraction
    weight: Fraction
    #: This component's part of the total, in percentage points (0 when missing).
    contribution: Fraction

    @property
    def missing(self) -> bool:
        return self.earned is None


@dataclass(frozen=True)
class GradeResult:
    components: tuple[ComponentScore, ...]
    #: Exact total in percent.
    total: Fraction
    threshold: Fraction
    strict: bool
    passed: bool

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.components if c.missing)

    @property
    def shortfall(self) -> Fraction:
        """How many percentage points are still needed to pass (0 when passed). With a
        strict threshold the total must go above it, so the need is "more than" this."""
        return max(self.threshold - self.total, Fraction(0)) if not self.passed else Fraction(0)


def _exact(value: Number) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


def _passes(total: Fraction, threshold: Fraction, strict: bool) -> bool:
    return total > threshold if strict else total >= threshold


def grade(scheme: GradingSpec, marks: Mapping[str, Number | None]) -> GradeResult:
    """Score ``marks`` (component key → points, None or absent for missing) on ``scheme``.

    Raises ValueError for a mark outside 0..maximum or for a key the scheme does not have:
    a bad mark is a bug upstream, never something to clip silently.
    """
    unknown = set(marks) - {c.key for c in scheme.components}
    if unknown:
        raise ValueError(f"marks for components the scheme does not have: {', '.join(sorted(unknown))}")
    scores = []
    for component in scheme.components:
        maximum, weight = _exact(component.max_points), _exact(component.weight)
        raw = marks.get(component.key)
        earned = None if raw is None else _exact(raw)
        if earned is not None and not 0 <= earned <= maximum:
            raise ValueError(f"{component.key}: {float(earned):g} is outside 0..{float(maximum):g}")
        contribution = weight * earned / maximum if earned is not None else Fraction(0)
        scores.append(ComponentScore(component.key, component.title, earned, maximum, weight, contribution))
    total = sum((s.contribution for s in scores), Fraction(0))
    threshold = _exact(scheme.threshold)
    return GradeResult(tuple(scores), total, threshold, scheme.strict, _passes(total, threshold, scheme.strict))


def best_reachable(result: GradeResult, still_to_come: set[str] | None = None) -> Fraction:
    """The highest total still possible if every component in ``still_to_come`` (default:
    every missing one) gets full marks and the rest stay as they are."""
    pending = set(result.missing) if still_to_come is None else still_to_come
    return sum((c.weight if c.key in pending else c.contribution for c in result.components), Fraction(0))


def can_still_pass(result: GradeResult, still_to_come: set[str] | None = None) -> bool:
    return _passes(best_reachable(result, still_to_come), result.threshold, result.strict)


@functools.lru_cache(maxsize=4096)  # pure, and a gradebook page asks for the same few totals again and again
def format_total(total: Fraction, threshold: Fraction, places: int = 2) -> str:
    """``total`` rounded to ``places`` decimals, or to more where rounding would make it look
    like the threshold it is not: 79.996 shows as 79.996, never 80.00; 80.004 as 80.004."""
    with localcontext() as context:
        context.prec = 50
        exact = Decimal(total.numerator) / Decimal(total.denominator)
        limit = Decimal(threshold.numerator) / Decimal(threshold.denominator)
        for digits in range(places, 13):
            step = Decimal(1).scaleb(-digits)
            shown = exact.quantize(step, rounding=ROUND_HALF_UP)
            if total == threshold or shown != limit.quantize(step):
                return f"{shown:.{digits}f}"
        return f"{exact.quantize(Decimal(1).scaleb(-12), rounding=ROUND_DOWN):.12f}"
