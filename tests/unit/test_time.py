from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from lms.core import time as lms_time


def test_utcnow_is_aware_utc():
    assert lms_time.utcnow().tzinfo is UTC


def test_freeze_moves_the_clock_and_refuses_naive_times():
    moment = datetime(2024, 10, 30, 14, 0, tzinfo=UTC)
    lms_time.freeze(moment)
    assert lms_time.utcnow() == moment
    with pytest.raises(ValueError):
        lms_time.freeze(datetime(2024, 10, 30, 14, 0))
    lms_time.freeze(None)
    assert lms_time.utcnow() > moment


def test_time_zone_names():
    assert lms_time.is_time_zone("Europe/Zurich")
    assert lms_time.is_time_zone("Asia/Kolkata")
    assert not lms_time.is_time_zone("CET+1")
    assert not lms_time.is_time_zone("Mars/Olympus")
    assert "UTC" in lms_time.time_zone_choices()
    assert datetime(2024, 10, 30, 15, tzinfo=ZoneInfo("Europe/Zurich")).utcoffset() == timedelta(hours=1)
    assert UTC == UTC
