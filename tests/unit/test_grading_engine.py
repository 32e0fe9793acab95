"""The scoring engine: exact decisions at the threshold, monotonic, weights as given."""
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.courses.spec import ComponentSpec, GradingSpec
from lms.grading import best_reachable, format_total, grade
from lms.grading.engine import can_still_pass

ITU = GradingSpec(
    components=(
        ComponentSpec("knowledge_check", "Knowledge check", Decimal(10), Decimal(10), "completion"),
        ComponentSpec("attendance", "Attendance", Decimal(15), Decimal(15), "attendance"),
        ComponentSpec("participation", "Participation", Decimal(15), Decimal(15), "marks"),
        ComponentSpec("final_project", "Final project", Decimal(60), Decimal(60), "levels",
                      (("submission", Decimal(40)), ("good", Decimal(50)), ("excellent", Decimal(60)))),
    ),
    threshold=Decimal(80),
    strict=True,
)


def test_exactly_80_fails_and_80_5_passes():
    at_80 = grade(ITU, {"knowledge_check": 10, "attendance": 15, "participation": 5, "final_project": 50})
    assert at_80.total == 80 and not at_80.passed
    above = grade(ITU, {"knowledge_check": 10, "attendance": 15, "participation": Decimal("5.5"),
                        "final_project": 50})
    assert above.total == Fraction(161, 2) and above.passed


def test_a_hair_above_passes_a_hair_below_fails():
    tiny = Fraction(1, 10**9)
    assert grade(ITU, {"knowledge_check": 10, "attendance": 15, "participation": 5 + tiny,
                       "final_project": 50}).passed
    assert not grade(ITU, {"knowledge_check": 10, "attendance": 15, "participation": 5 - tiny,
                           "final_project": 50}).passed


def test_non_strict_threshold_passes_at_equality():
    lenient = GradingSpec(ITU.components, Decimal(80), strict=False)
    assert grade(lenient, {"knowledge_check": 10, "attendance": 15, "participation": 5,
                           "final_project": 50}).passed


def test_missing_marks_count_zero_and_are_reported():
    result = grade(ITU, {"knowledge_check": 10, "attendance": 15})
    assert result.total == 25 and result.missing == ("participation", "final_project")
    assert best_reachable(result) == 100
    assert can_still_pass(result)


def test_after_a_weak_project_nobody_can_still_pass():
    result = grade(ITU, {"knowledge_check": 10, "attendance": 12, "final_project": 40})
    assert best_reachable(result) == 10 + 12 + 15 + 40  # 77: participation is all that is left
    assert not can_still_pass(result)


def test_weights_scale_points_to_percent():
    scheme = GradingSpec((ComponentSpec("a", "A", Decimal(20), Decimal(25), "marks"),
                          ComponentSpec("b", "B", Decimal(4), Decimal(75), "marks")), Decimal(50))
    assert grade(scheme, {"a": 10, "b": 1}).total == Fraction(25, 2) + Fraction(75, 4)


def test_bad_marks_are_refused_not_clipped():
    with pytest.raises(ValueError, match="outside 0..15"):
        grade(ITU, {"attendance": 16})
    with pytest.raises(ValueError, match="outside"):
        grade(ITU, {"attendance": -1})
    with pytest.raises(ValueError, match="does not have: quiz"):
        grade(ITU, {"quiz": 3})


@pytest.mark.parametrize(("total", "shown"), [
    (Fraction(80), "80.00"), (Fraction(161, 2), "80.50"), (Fraction(79996, 1000), "79.996"),
    (Fraction(80004, 1000), "80.004"), (Fraction(7999999, 100000), "79.99999"), (Fraction(100), "100.00"),
    (Fraction(240, 3) - Fraction(1, 3 * 10**6), "79.9999997"), (Fraction(12345, 1000), "12.35"), (Fraction(0), "0.00"),
])
def test_display_never_rounds_onto_the_threshold(total, shown):
    assert format_total(total, Fraction(80)) == shown


marks = st.fixed_dictionaries({
    "knowledge_check": st.fractions(0, 10), "attendance": st.fractions(0, 15),
    "participation": st.fractions(0, 15), "final_project": st.fractions(0, 60),
})


@given(marks, st.sampled_from(["knowledge_check", "attendance", "participation", "final_project"]),
       st.fractions(0, 1))
def test_monotonic_in_every_mark(given_marks, key, share):
    maximum = {"knowledge_check": 10, "attendance": 15, "participation": 15, "final_project": 60}[key]
    higher = dict(given_marks, **{key: given_marks[key] + (maximum - given_marks[key]) * share})
    before, after = grade(ITU, given_marks), grade(ITU, higher)
    assert after.total >= before.total
    assert after.passed or not before.passed


@given(marks)
def test_total_between_0_and_100_and_passed_iff_above_80(given_marks):
    result = grade(ITU, given_marks)
    assert 0 <= result.total <= 100
    assert result.passed == (result.total > 80)
    assert result.total == sum(c.contribution for c in result.components)


@given(marks)
def test_display_agrees_with_the_decision(given_marks):
    result = grade(ITU, given_marks)
    shown = Decimal(format_total(result.total, result.threshold))
    if result.total != 80:
        assert (shown > 80) == result.passed and shown != 80


@given(st.lists(st.integers(1, 100), min_size=1, max_size=6))
def test_full_marks_give_the_sum_of_weights(weights):
    scale = Fraction(100, sum(weights))
    components = tuple(ComponentSpec(f"c{i}", f"C{i}", Decimal(7), Decimal(w), "marks") for i, w in enumerate(weights))
    result = grade(GradingSpec(components, Decimal(80)), {c.key: 7 for c in components})
    assert result.total * scale == 100
