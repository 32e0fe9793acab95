"""Wall-clock times and daylight saving: the ITU sessions around the October 2024 change."""
from datetime import UTC, datetime

import pytest

from lms.core.localtime import LocalTimeError, to_utc
from lms.core.timefmt import show_span


def test_30_october_2024_15_00_zurich_is_14_00_utc():
    # Summer time ended on 27 October 2024, so CET (UTC+1) applies.
    assert to_utc(datetime(2024, 10, 30, 15, 0), "Europe/Zurich") == datetime(2024, 10, 30, 14, 0, tzinfo=UTC)


def test_the_week_before_the_change_is_utc_plus_2():
    assert to_utc(datetime(2024, 10, 23, 15, 0), "Europe/Zurich") == datetime(2024, 10, 23, 13, 0, tzinfo=UTC)


def test_skipped_and_repeated_times_are_refused():
    with pytest.raises(LocalTimeError, match="does not exist"):
        to_utc(datetime(2024, 3, 31, 2, 30), "Europe/Zurich")
    with pytest.raises(LocalTimeError, match="happens twice"):
        to_utc(datetime(2024, 10, 27, 2, 30), "Europe/Zurich")


def test_aware_times_are_converted_not_reinterpreted():
    from zoneinfo import ZoneInfo

    aware = datetime(2024, 10, 27, 2, 30, tzinfo=ZoneInfo("Europe/Zurich"))
    assert to_utc(aware, "Asia/Kolkata") == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)


def test_kolkata_sees_19_30_with_zurich_beside_it():
    shown = show_span(datetime(2024, 10, 30, 14, 0, tzinfo=UTC), 120, "Asia/Kolkata", "Europe/Zurich")
    assert shown.viewer == "Wed 30 Oct 2024, 19:30–21:30"
    assert shown.cohort == "Wed 30 Oct 2024, 15:00–17:00"
    assert shown.iso == "2024-10-30T14:00Z"


def test_the_cohort_zone_is_not_repeated_when_the_clock_reads_the_same():
    shown = show_span(datetime(2024, 10, 30, 14, 0, tzinfo=UTC), 120, "Europe/Berlin", "Europe/Zurich")
    assert shown.viewer == "Wed 30 Oct 2024, 15:00–17:00" and shown.cohort is None


def test_new_york_sees_the_same_sessions_move_when_the_us_changes_a_week_later():
    """Europe changed on 27 Oct, the US on 3 Nov: the gap between Zurich and New York is
    5 hours for session 2 (1 Nov) and 6 hours for session 3 (6 Nov)."""
    s2 = show_span(datetime(2024, 11, 1, 14, 0, tzinfo=UTC), 120, "America/New_York", "Europe/Zurich")
    s3 = show_span(datetime(2024, 11, 6, 14, 0, tzinfo=UTC), 120, "America/New_York", "Europe/Zurich")
    assert s2.viewer == "Fri 1 Nov 2024, 10:00–12:00" and s2.cohort == "Fri 1 Nov 2024, 15:00–17:00"
    assert s3.viewer == "Wed 6 Nov 2024, 09:00–11:00" and s3.cohort == "Wed 6 Nov 2024, 15:00–17:00"


def test_a_session_that_crosses_midnight_for_the_viewer_says_both_days():
    shown = show_span(datetime(2024, 11, 22, 13, 0, tzinfo=UTC), 180, "Pacific/Tongatapu", "Europe/Zurich")
    assert shown.viewer == "Sat 23 Nov 2024, 02:00–05:00"
    shown = show_span(datetime(2024, 11, 22, 13, 0, tzinfo=UTC), 180, "Pacific/Kiritimati", "Europe/Zurich")
    assert shown.viewer == "Sat 23 Nov 2024, 03:00–06:00"
    late = show_span(datetime(2024, 11, 22, 22, 0, tzinfo=UTC), 180, "UTC", "Europe/Zurich")
    assert late.viewer == "Fri 22 Nov 2024, 22:00–Sat 23 Nov 01:00"


def test_spans_read_as_strftime_writes_them_every_day_of_a_leap_year_and_across_midnight():
    """The span is written from tables of day and month names (faster than ``strftime``),
    word for word what ``%a %d %b %Y, %H:%M`` gives."""
    from datetime import timedelta

    from lms.core.timefmt import _span

    def reference(starts, ends):
        end_day = "" if ends.date() == starts.date() else f"{ends:%a} {ends.day} {ends:%b} "
        return f"{starts:%a} {starts.day} {starts:%b %Y}, {starts:%H:%M}–{end_day}{ends:%H:%M}"

    start = datetime(2024, 1, 1, 0, 5, tzinfo=UTC)
    for day in range(366):
        for minutes in (0, 7 * 60 + 3, 23 * 60 + 30):
            starts = start + timedelta(days=day, minutes=minutes)
            for length in (45, 120, 24 * 60):
                ends = starts + timedelta(minutes=length)
                assert _span(starts, ends) == reference(starts, ends)
