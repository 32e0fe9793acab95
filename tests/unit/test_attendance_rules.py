"""Meeting-report reading and attendance arithmetic (pure)."""
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import pytest

from lms.attendance.report import ReportError, read_report
from lms.attendance.rules import attended_seconds, merge_status, normalise_name, status_for

DATA = Path(__file__).resolve().parents[1] / "data"
START, END = datetime(2024, 10, 30, 15, 0), datetime(2024, 10, 30, 17, 0)


def _minutes(report, name):
    rows = [(r.joined, r.left) for r in report.rows if normalise_name(r.name) == normalise_name(name)]
    return attended_seconds(rows, START, END) // 60


@pytest.mark.parametrize("filename", ["zoom-participants-session1.csv", "zoom-participants-session1-plain.csv"])
def test_the_fixture_gives_the_documented_minutes(filename):
    report = read_report((DATA / filename).read_text(encoding="utf-8"))
    assert len(report.rows) == 9
    expected = {"Amina Diallo": 120, "Rahul Mehta": 113, "Lucía Fernández": 120, "Kwame Mensah": 115,
                "Nguyen Thi Lan": 40, "Otieno Wafula": 15}
    assert {name: _minutes(report, name) for name in expected} == expected
    kwame = next(r for r in report.rows if r.name == "Kwame Mensah")
    assert kwame.guest and kwame.email == ""


def test_the_details_block_gives_the_topic_and_start():
    report = read_report((DATA / "zoom-participants-session1.csv").read_text(encoding="utf-8"))
    assert report.topic == "DPG and Open Source - Session 1"
    assert report.meeting_start == datetime(2024, 10, 30, 14, 50)


def test_status_at_the_default_shares_is_exact():
    present, late = Fraction(3, 4), Fraction(1, 4)
    assert status_for(90 * 60, 120, present, late) == "present"
    assert status_for(90 * 60 - 1, 120, present, late) == "late"
    assert status_for(30 * 60, 120, present, late) == "late"
    assert status_for(15 * 60, 120, present, late) == "absent"


def test_excused_set_by_hand_is_never_downgraded():
    assert merge_status("excused", "absent") == "excused"
    assert merge_status("excused", "present") == "excused"
    assert merge_status("absent", "present") == "present"
    assert merge_status(None, "late") == "late"


def test_overlapping_and_nested_intervals_count_once():
    t = lambda h, m: datetime(2024, 10, 30, h, m)  # noqa: E731
    intervals = [(t(15, 0), t(16, 0)), (t(15, 10), t(15, 20)), (t(15, 50), t(16, 30)), (t(16, 40), t(18, 0))]
    assert attended_seconds(intervals, START, END) == (90 + 20) * 60
    assert attended_seconds([], START, END) == 0
    assert attended_seconds([(t(13, 0), t(14, 0))], START, END) == 0


def test_names_match_without_brackets_accents_or_case():
    assert normalise_name("Rahul Mehta (Ministry of IT)") == "rahul mehta"
    assert normalise_name("  LUCÍA   Fernández ") == normalise_name("Lucia Fernandez")


def test_a_wrong_column_set_names_the_expected_columns():
    with pytest.raises(ReportError) as caught:
        read_report("Name,Email,Minutes\nAmina,amina@example.org,120\n")
    assert "expected Name (Original Name), User Email, Join Time, Leave Time" in str(caught.value)


def test_bad_rows_are_all_reported():
    text = ('"Name (Original Name)","User Email","Join Time","Leave Time"\n'
            '"A","a@x.org","yesterday","10/30/2024 05:00:00 PM"\n'
            '"B","b@x.org","10/30/2024 05:00:00 PM","10/30/2024 03:00:00 PM"\n')
    with pytest.raises(ReportError) as caught:
        read_report(text)
    assert len(caught.value.problems) == 2
    assert "line 2: 'yesterday' is not a time" in caught.value.problems[0]
    assert "line 3: B leaves (15:00) before joining (17:00)" in caught.value.problems[1]
