"""Wall-clock times in a named zone, with daylight saving handled honestly.

Pure: no Flask or database imports (the course-file loader uses it).
"""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


class LocalTimeError(ValueError):
    """A wall-clock time that does not exist, or exists twice, in its zone."""

    def __init__(self, message: str, repeated: bool):
        super().__init__(message)
        #: True for a time that happens twice (fall back); False for one that never happens.
        self.repeated = repeated


def to_utc(local: datetime, zone_name: str) -> datetime:
    """Read a naive wall-clock time in ``zone_name`` and give it in UTC.

    A time skipped by a spring-forward change (02:30 on the last Sunday of March in
    Europe/Zurich) and a time repeated by a fall-back change are refused with a message
    saying what to write instead; aware times are simply converted.
    """
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    zone = ZoneInfo(zone_name)
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:
        raise LocalTimeError(
            f"{local:%Y-%m-%d %H:%M} does not exist in {zone_name} (the clocks go forward then); choose another time",
            repeated=False,
        )
    if first.utcoffset() != second.utcoffset():
        raise LocalTimeError(
            f"{local:%Y-%m-%d %H:%M} happens twice in {zone_name} (the clocks go back then); "
            f"give the UTC offset, e.g. {first.isoformat(timespec='minutes')}",
            repeated=True,
        )
    return first.astimezone(UTC)


def in_zone(moment: datetime, zone_name: str) -> datetime:
    """An aware moment as wall-clock time in ``zone_name``."""
    return moment.astimezone(ZoneInfo(zone_name))
