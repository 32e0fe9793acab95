"""The one source of "now", so tests can move the clock."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import available_timezones

_frozen: datetime | None = None


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def freeze(moment: datetime | None) -> None:
    """Stop the clock at ``moment`` (aware), or let it run again with ``None``. For tests."""
    global _frozen
    if moment is not None and moment.tzinfo is None:
        raise ValueError("freeze() takes an aware datetime")
    _frozen = moment


def is_time_zone(name: str) -> bool:
    """True for an IANA zone name this machine knows (``Europe/Zurich``)."""
    return name in _zone_names()


def time_zone_choices() -> list[str]:
    """The zones to offer: Region/City names, without the renamed old ones."""
    return sorted(_zone_names() - RENAMED_ZONES.keys())


_ZONES: frozenset[str] | None = None
#: Old names that browsers (ICU) still report, and the names people know today.
RENAMED_ZONES = {
    "Asia/Calcutta": "Asia/Kolkata", "Asia/Saigon": "Asia/Ho_Chi_Minh", "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon", "Asia/Dacca": "Asia/Dhaka", "Asia/Ulan_Bator": "Asia/Ulaanbaatar",
    "Europe/Kiev": "Europe/Kyiv", "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Godthab": "America/Nuuk", "Atlantic/Faeroe": "Atlantic/Faroe", "Pacific/Ponape": "Pacific/Pohnpei",
    "Pacific/Truk": "Pacific/Chuuk", "Africa/Asmera": "Africa/Asmara",
}
REGIONS = {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}


def _zone_names() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        # Region/City names only: no US/Eastern, GB or Etc/GMT+5 (whose sign reads backwards).
        _ZONES = frozenset(z for z in available_timezones() if z.split("/")[0] in REGIONS or z == "UTC")
    return _ZONES
