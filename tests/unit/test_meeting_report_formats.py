"""Meeting reports as they really come (issue #8): encodings, delimiters, old and new column
names, waiting-room rows, ambiguous day/month order, oversized fields and files that are not
reports. Every variant is a file in tests/data built from the shared Zoom fixture."""
import csv
import os
from datetime import datetime
from pathlib import Path

import pytest

from lms.attendance.report import (
    DAY_FIRST,
    MONTH_FIRST,
    ReportError,
    decode_report,
    read_report,
    read_report_bytes,
)
from lms.attendance.rules import attended_seconds, normalise_name

DATA = Path(__file__).resolve().parents[1] / "data"
START, END = datetime(2024, 10, 30, 15, 0), datetime(2024, 10, 30, 17, 0)
DOCUMENTED = {"Amina Diallo": 120, "Rahul Mehta": 113, "Lucía Fernández": 120, "Kwame Mensah": 115,
              "Nguyen Thi Lan": 40, "Otieno Wafula": 15}


def _minutes(report, name, start=START, end=END):
    rows = [(r.joined, r.left) for r in report.rows if normalise_name(r.name) == normalise_name(name)]
    return attended_seconds(rows, start, end) // 60


VARIANTS = {
    "zoom-participants-session1.csv": "UTF-8 with BOM, comma-separated",
    "zoom-participants-session1-plain.csv": "UTF-8 with BOM, comma-separated",
    "zoom-participants-session1-semicolon.csv": "UTF-8, semicolon-separated",
    "zoom-participants-session1-tab.csv": "UTF-8, tab-separated",
    "zoom-participants-session1-utf16le.csv": "UTF-16 LE with BOM, tab-separated",
    "zoom-participants-session1-utf16be.csv": "UTF-16 BE with BOM, comma-separated",
    "zoom-participants-session1-cp1252.csv": "Windows-1252, semicolon-separated",
    "zoom-participants-session1-waiting-room.csv": "UTF-8 with BOM, comma-separated",
    "zoom-participants-session1-waiting-room-new-columns.csv": "UTF-8, comma-separated",
}


@pytest.mark.parametrize("filename", VARIANTS)
def test_every_variant_gives_the_documented_minutes_and_says_how_it_was_read(filename):
    report = read_report_bytes((DATA / filename).read_bytes())
    assert report.describe() == f"{VARIANTS[filename]}, dates read as month/day/year"
    assert {name: _minutes(report, name) for name in DOCUMENTED} == DOCUMENTED
    assert "Lucía Fernández" in {r.name for r in report.rows}  # accents decoded, not mojibake
    kwame = [r for r in report.rows if r.name == "Kwame Mensah"]
    assert kwame and all(r.guest and r.email == "" for r in kwame)


@pytest.mark.parametrize("filename", ["zoom-participants-session1-waiting-room.csv",
                                      "zoom-participants-session1-waiting-room-new-columns.csv"])
def test_waiting_room_rows_are_not_time_in_the_meeting(filename):
    report = read_report_bytes((DATA / filename).read_bytes())
    assert report.waiting_room_rows == 4
    assert "Unknown caller" not in {r.name for r in report.rows}
    assert _minutes(report, "Otieno Wafula") == 15 and _minutes(report, "Kwame Mensah") == 115
    # What counting them did before: Otieno's 20 + 15 + 45 minutes made him late instead of absent.
    with_waiting = [(datetime(2024, 10, 30, 15, 0), datetime(2024, 10, 30, 15, 20)),
                    (datetime(2024, 10, 30, 15, 20), datetime(2024, 10, 30, 15, 35)),
                    (datetime(2024, 10, 30, 15, 35), datetime(2024, 10, 30, 16, 20))]
    assert attended_seconds(with_waiting, START, END) // 60 == 80


def test_column_names_are_read_in_any_case():
    text = ('NAME (ORIGINAL NAME);user email;JOIN TIME;leave  time;In Waiting Room\n'
            'Amina Diallo;amina.diallo@example.org;10/30/2024 03:00 PM;10/30/2024 05:00 PM;NO\n'
            'Amina Diallo;amina.diallo@example.org;10/30/2024 02:50 PM;10/30/2024 03:00 PM;YES\n')
    report = read_report(text)
    assert report.delimiter_name == "semicolon" and report.waiting_room_rows == 1
    assert _minutes(report, "Amina Diallo") == 120


def test_an_ambiguous_day_first_report_offers_both_orders():
    report = read_report_bytes((DATA / "zoom-participants-session2-day-first.csv").read_bytes())
    assert report.ambiguous_dates and set(report.date_orders) == {MONTH_FIRST, DAY_FIRST}
    assert report.rows[0].joined == datetime(2024, 1, 11, 14, 56)  # month first until told otherwise
    day_first = report.in_date_order(DAY_FIRST)
    assert day_first.rows[0].joined == datetime(2024, 11, 1, 14, 56)
    assert day_first.meeting_start == datetime(2024, 11, 1, 14, 50)
    assert day_first.describe() == "UTF-8 with BOM, comma-separated, dates read as day/month/year"
    start, end = datetime(2024, 11, 1, 15, 0), datetime(2024, 11, 1, 17, 0)
    assert {name: _minutes(day_first, name, start, end) for name in DOCUMENTED} == DOCUMENTED
    assert read_report_bytes((DATA / "zoom-participants-session2-day-first.csv").read_bytes(),
                             date_order=DAY_FIRST).rows == day_first.rows


def test_a_day_over_12_settles_the_order():
    text = ('"Name (Original Name)","User Email","Join Time","Leave Time"\n'
            '"A","a@x.org","01/11/2024 15:00","01/11/2024 16:00"\n'
            '"B","b@x.org","30/10/2024 15:00","30/10/2024 16:00"\n')
    report = read_report(text)
    assert report.date_orders == (DAY_FIRST,) and report.rows[0].joined == datetime(2024, 11, 1, 15, 0)


def test_dates_that_fit_no_single_order_are_refused():
    text = ('"Name (Original Name)","User Email","Join Time","Leave Time"\n'
            '"A","a@x.org","10/30/2024 03:00 PM","10/30/2024 04:00 PM"\n'
            '"B","b@x.org","30/10/2024 15:00","30/10/2024 16:00"\n')
    with pytest.raises(ReportError) as caught:
        read_report(text)
    assert caught.value.problems == ["line 3: '30/10/2024 15:00' cannot be read in the same day/month order as "
                                     "'10/30/2024 03:00 PM' (line 2)"]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "the file is empty"),
    (b"\xef\xbb\xbf  \r\n", "the file is empty"),
    (b"\xff\xfe", "the file is empty"),
    (bytes(range(256)) * 4, "the file is not text"),
    # A fixed id: random bytes in the test's name would differ between pytest-xdist's workers.
    pytest.param(b"PK\x03\x04\x14\x00\x06\x00" + os.urandom(64), "it looks like a spreadsheet, PDF, image or archive",
                 id="PK-then-random-bytes-the file looks like an archive"),
    (b"Name,\x81\x8d\x90\n", "not text in UTF-8, UTF-16 or Windows-1252"),
])
def test_files_that_are_not_text_get_one_clear_problem(data, message):
    with pytest.raises(ReportError) as caught:
        decode_report(data)
    assert len(caught.value.problems) == 1 and message in caught.value.problems[0]


def test_windows_1252_is_the_fallback_and_utf8_comes_first():
    assert decode_report("Lucía".encode()) == ("Lucía", "UTF-8")
    assert decode_report("Lucía “Lu”".encode("cp1252")) == ("Lucía “Lu”", "Windows-1252")


def test_a_field_over_the_csv_limit_is_a_problem_not_a_crash():
    limit = csv.field_size_limit()
    plain = (DATA / "zoom-participants-session1-plain.csv").read_text(encoding="utf-8-sig")
    text = plain.replace('"Otieno Wafula"', '"' + "O" * (limit + 1) + '"')
    with pytest.raises(ReportError) as caught:
        read_report(text)
    assert caught.value.problems == [f"line 9: a field is longer than {limit} characters; "
                                     "this is not a participant report"]


def test_a_name_longer_than_can_be_remembered_is_refused():
    plain = (DATA / "zoom-participants-session1-plain.csv").read_text(encoding="utf-8-sig")
    with pytest.raises(ReportError) as caught:
        read_report(plain.replace('"Otieno Wafula"', '"' + "O" * 201 + '"'))
    assert caught.value.problems == ["line 9: the name is longer than 200 characters"]


def test_a_table_of_waiting_room_rows_only_is_empty():
    text = ('"Name (original name)","Email","Join time","Leave time","In waiting room"\n'
            '"A","a@x.org","10/30/2024 03:00 PM","10/30/2024 04:00 PM","Yes"\n')
    with pytest.raises(ReportError) as caught:
        read_report(text)
    assert caught.value.problems == ["the participant table is empty (only 1 waiting-room row)"]


def test_wrong_columns_are_named_whatever_the_delimiter():
    with pytest.raises(ReportError) as caught:
        read_report("Teilnehmer;Minuten\nAmina;120\n")
    assert caught.value.problems == ["line 1: this is not a participant report: the columns are Teilnehmer, Minuten; "
                                     "expected Name (Original Name), User Email, Join Time, Leave Time "
                                     "(Duration (Minutes), Guest optional)"]


@pytest.mark.parametrize("value", ["10/30/2024 13:00:00 PM", "10/30/2024 00:10 AM", "2024-02-30 10:00", "10/30/2024"])
def test_impossible_times_are_refused(value):
    text = f'"Name (Original Name)","User Email","Join Time","Leave Time"\n"A","a@x.org","{value}","{value}"\n'
    with pytest.raises(ReportError) as caught:
        read_report(text)
    assert f"{value!r} is not a time this reader knows" in caught.value.problems[0]
