"""Fitting a field of the certificate into its width: shrink the font size, then wrap onto more
lines at a smaller size down to a floor, and cut what still does not fit with an ellipsis."""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

from lms.certificates.typeset import Line, make_line

ELLIPSIS = "\u2026"
#: Baseline to baseline, as a multiple of the font size.
LEADING = 1.2


@dataclass(frozen=True)
class Block:
    lines: tuple[Line, ...]
    size: float
    #: True when the end of the text was cut off and replaced by an ellipsis.
    truncated: bool

    def width(self) -> float:
        return max(line.width(self.size) for line in self.lines)


def fit_block(text: str, *, bold: bool, width: float, max_size: float, min_size: float,
              max_lines: int = 1, wrap_size: float | None = None) -> Block:
    """``text`` on one line at the largest size from ``max_size`` down to ``wrap_size`` (in half
    points) that fits ``width``; failing that on up to ``max_lines`` lines at the largest size from
    ``wrap_size`` down to ``min_size``; failing that at ``min_size`` with the end cut off."""
    text = " ".join(text.split())
    line = make_line(text, bold)
    wrap_size = min_size if max_lines == 1 or wrap_size is None else min(wrap_size, max_size)
    size = min(max_size, math.floor(2 * width / line.width(1)) / 2) if line.width(1) else max_size
    if size >= wrap_size:
        return Block((line,), size, False)
    if max_lines > 1:
        for size in (wrap_size - step / 2 for step in range(int(2 * (wrap_size - min_size)) + 1)):
            lines = _wrap(text, bold, size, width, max_lines)  # a few dozen tries at most; shaping is cached
            if lines is not None:
                return Block(lines, size, False)
    return _cut(text, bold, min_size, width, max_lines)


def _wrap(text: str, bold: bool, size: float, width: float, max_lines: int) -> tuple[Line, ...] | None:
    """``text`` broken greedily into at most ``max_lines`` lines that fit, or None."""
    lines: list[Line] = []
    rest = text
    while rest and len(lines) < max_lines:
        whole = make_line(rest, bold)
        if whole.width(size) <= width:
            return (*lines, whole)
        cut = _longest_fit(rest, _word_breaks(rest), bold, size, width, "") or _longest_fit(
            rest, _cluster_breaks(rest), bold, size, width, "")
        if cut is None:
            return None
        lines.append(make_line(rest[:cut].rstrip(), bold))
        rest = rest[cut:].lstrip()
    return tuple(lines) if not rest else None


def _cut(text: str, bold: bool, size: float, width: float, max_lines: int) -> Block:
    """At ``size``: every line but the last filled, the last ending in an ellipsis."""
    lines: list[Line] = []
    rest = text
    while len(lines) < max_lines - 1:
        cut = (_longest_fit(rest, _word_breaks(rest), bold, size, width, "")
               or _longest_fit(rest, _cluster_breaks(rest), bold, size, width, "") or len(rest))
        lines.append(make_line(rest[:cut].rstrip(), bold))
        rest = rest[cut:].lstrip()
    cut = _longest_fit(rest, _cluster_breaks(rest), bold, size, width, ELLIPSIS) or 0
    return Block((*lines, make_line(rest[:cut].rstrip() + ELLIPSIS, bold)), size, True)


def _longest_fit(text: str, breaks: list[int], bold: bool, size: float, width: float, suffix: str) -> int | None:
    """The last break in ``breaks`` whose prefix (and ``suffix``) fits ``width``, or None."""
    def fits(index: int) -> bool:
        return make_line(text[:breaks[index]].rstrip() + suffix, bold).width(size) <= width

    if not breaks or not fits(0):
        return None
    low, high = 0, len(breaks) - 1
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    return breaks[low]


def _word_breaks(text: str) -> list[int]:
    """Where a line may end: after a space, or beside a wide (CJK) character."""
    return [i for i in range(1, len(text)) if text[i - 1] == " " and text[i] != " "
            or unicodedata.east_asian_width(text[i - 1]) in "WF" or unicodedata.east_asian_width(text[i]) in "WF"]


def _cluster_breaks(text: str) -> list[int]:
    """Every position that does not split a letter from its marks, or a Devanagari conjunct
    (a virama, combining class 9, joins the consonants either side of it)."""
    return [i for i in range(1, len(text))
            if not unicodedata.category(text[i]).startswith("M") and text[i] not in "\u200c\u200d"
            and unicodedata.combining(text[i - 1]) != 9 and text[i - 1] != "\u200d"]
