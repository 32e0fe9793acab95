"""One-line text typed by people or read from files (names, organisations): no control
characters, which would split e-mail headers and log lines or hide what a name says."""
from __future__ import annotations

import unicodedata

from lms.core.errors import ValidationError

#: Control (Cc) and format (Cf) characters, and the Unicode line and paragraph separators.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}
#: Format characters that names need: the zero-width non-joiner and joiner shape Persian,
#: Indic and Sinhala script (and emoji); they cannot break a line.
_ALLOWED_FORMAT = {"\u200c", "\u200d"}


def control_characters(text: str) -> list[str]:
    """The characters ``text`` must not have, as ``U+000A`` codes, in order of appearance."""
    found: list[str] = []
    for char in text:
        if unicodedata.category(char) in _REFUSED_CATEGORIES and char not in _ALLOWED_FORMAT:
            code = f"U+{ord(char):04X}"
            if code not in found:
                found.append(code)
    return found


def single_line_problem(text: str, field: str) -> str | None:
    """What is wrong with ``text`` as one line of plain text (a line break, tab or other
    control or invisible format character), naming ``field``; None when nothing is.
    Ordinary spaces are fine."""
    found = control_characters(text)
    if not found:
        return None
    return (f"{field} must be one line of plain text: it has control characters "
            f"({', '.join(found[:5])}{', …' if len(found) > 5 else ''}).")


def check_single_line(text: str, field: str) -> None:
    """Raise ``single_line_problem`` as a ValidationError, if there is one."""
    problem = single_line_problem(text, field)
    if problem:
        raise ValidationError(problem)
