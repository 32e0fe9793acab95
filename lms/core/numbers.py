"""Numbers typed by people (marks, points, minutes), read one way everywhere.

Accepted: optional spaces around, an optional sign, digits with at most one decimal point
or comma ("7.5" and "7,5" are both seven and a half). Digits of any script are read as
digits ("١٢" is 12, as Python and spreadsheets in Arabic locales have it); superscripts
("²") and fractions ("½") are not digits. Refused with a message naming the field: NaN,
Infinity, exponents ("1e999"), thousands separators, more decimals than the field keeps,
anything longer than ``MAX_CHARACTERS`` and anything outside the field's range. Only
``ValidationError`` is ever raised.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from lms.core.errors import ValidationError

#: Longer than any mark or minute count anyone types; refused before any arithmetic.
MAX_CHARACTERS = 30
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)", re.ASCII)
_WHOLE = re.compile(r"[+-]?[0-9]+", re.ASCII)
_SIGNS_AND_POINTS = {"+": "+", "-": "-", "\u2212": "-", ".": ".", ",": ",", "\u066b": "."}


def _shown(text: str) -> str:
    return text if len(text) <= 20 else text[:20] + "…"


def _ascii(text: str, field: str, example: str) -> str:
    """``text`` trimmed, with its digits as ASCII digits; a ValidationError when it is
    empty, too long or has anything but digits, a sign and a decimal point or comma."""
    raw = text.strip()
    if not raw:
        raise ValidationError(f"{field}: give a number, like {example}.")
    if len(raw) > MAX_CHARACTERS:
        raise ValidationError(f"{field}: {_shown(raw)!r} is too long to be a number here.")
    out = []
    for char in raw:
        if char in _SIGNS_AND_POINTS:
            out.append(_SIGNS_AND_POINTS[char])
        elif unicodedata.category(char) == "Nd":
            out.append(str(unicodedata.decimal(char)))
        else:
            raise ValidationError(f"{field}: {_shown(raw)!r} is not a number; write it like {example}.")
    return "".join(out)


def parse_decimal(text: str, *, field: str, minimum: Decimal | int, maximum: Decimal | int, places: int = 2) -> Decimal:
    """``text`` as a Decimal between ``minimum`` and ``maximum`` with at most ``places``
    decimals, or a ValidationError whose message starts with ``field``."""
    plain = _ascii(text, field, "7.5 or 7,5")
    if not _DECIMAL.fullmatch(plain):
        raise ValidationError(f"{field}: {_shown(text.strip())!r} is not a number; write it like 7.5 or 7,5.")
    value = Decimal(plain.replace(",", "."))
    if not Decimal(minimum) <= value <= Decimal(maximum):
        raise ValidationError(f"{field}: {_shown(text.strip())} is outside {minimum}–{maximum}.")
    if value.as_tuple().exponent < -places:  # type: ignore[operator]  # finite here, so an int
        raise ValidationError(f"{field}: {_shown(text.strip())} has more than {places} decimal places.")
    return value


def parse_whole(text: str, *, field: str, minimum: int, maximum: int) -> int:
    """``text`` as a whole number between ``minimum`` and ``maximum``, or a ValidationError
    whose message starts with ``field``."""
    plain = _ascii(text, field, "45")
    if not _WHOLE.fullmatch(plain):
        raise ValidationError(f"{field}: {_shown(text.strip())!r} is not a whole number; write it like 45.")
    value = int(plain)
    if not minimum <= value <= maximum:
        raise ValidationError(f"{field}: {_shown(text.strip())} is outside {minimum}–{maximum}.")
    return value
