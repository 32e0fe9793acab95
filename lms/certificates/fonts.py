"""The fonts that certificates are printed with, shipped in ``lms/fonts`` (licences beside them),
and the choice of a font for each character.

Helvetica and the other PDF base-14 fonts cover Latin-1 only: Arabic, Cyrillic, Chinese and
Devanagari names came out as black boxes and Vietnamese lost its tone marks. Every font here is
TrueType (``glyf`` outlines), which ReportLab embeds as a subset of the glyphs a PDF uses.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parents[1] / "fonts"


@dataclass(frozen=True)
class Family:
    name: str
    regular: str
    #: None where the family has no bold cut; bold text is then drawn with a stroke ("fake bold").
    bold: str | None


#: The fallback order: a character is drawn in the first family that has a glyph for it.
FAMILIES = (
    Family("NotoSans", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),  # Latin, Greek, Cyrillic, Vietnamese
    Family("NotoSansArabic", "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
    Family("NotoSansDevanagari", "NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf"),
    Family("DroidSansFallback", "DroidSansFallback.ttf", None),  # Chinese, Japanese, Korean
)


def font_name(family: Family, bold: bool) -> str:
    """The ReportLab name of ``family`` in the weight asked for (registered on first use)."""
    register_family(family)
    return f"LMS-{family.name}-Bold" if bold and family.bold else f"LMS-{family.name}"


def is_fake_bold(name: str, bold: bool) -> bool:
    return bold and not name.endswith("-Bold")


@cache
def register_family(family: Family) -> None:
    """Register ``family`` with ReportLab, once per process and only when a text needs it (the
    CJK font alone takes a third of a second to read)."""
    pdfmetrics.registerFont(TTFont(f"LMS-{family.name}", FONT_DIR / family.regular))
    if family.bold:
        pdfmetrics.registerFont(TTFont(f"LMS-{family.name}-Bold", FONT_DIR / family.bold))


@cache
def _cmap(family: Family) -> frozenset[int]:
    register_family(family)
    return frozenset(pdfmetrics.getFont(f"LMS-{family.name}").face.charToGlyph)


def covers(family: Family, char: str) -> bool:
    return ord(char) in _cmap(family)


def _first_covering(char: str) -> Family | None:
    return next((family for family in FAMILIES if covers(family, char)), None)


def _joins_neighbours(char: str) -> bool:
    """Marks, joiners, spaces and punctuation belong to the script around them, not their own."""
    return unicodedata.category(char)[0] in "MZPS" or char in "\u200c\u200d"


def families_for(text: str) -> list[Family]:
    """A family for each character of ``text``. Letters take the first family that covers them;
    marks, spaces and punctuation stay with the letter before them (or after, at the start) when
    that family covers them, so a run of one script is shaped in one font. A character that no
    family covers gets the first family (its missing-glyph box)."""
    chosen: list[Family | None] = [None if _joins_neighbours(c) else _first_covering(c) for c in text]
    for index, char in enumerate(text):
        if chosen[index] is not None or not _joins_neighbours(char):
            continue
        before = next((f for f in reversed(chosen[:index]) if f is not None), None)
        after = next((f for f in chosen[index + 1:] if f is not None), None)
        neighbours = [f for f in (before, after) if f is not None and covers(f, char)]
        chosen[index] = neighbours[0] if neighbours else _first_covering(char)
    return [family or FAMILIES[0] for family in chosen]
