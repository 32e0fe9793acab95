"""Lines of text in any script for the certificate PDF: bidi order, a font per script, shaping.

A line is split into runs of one font and one bidi level. The levels come from the Unicode
Bidirectional Algorithm (python-bidi), which orders the runs; each run is shaped by HarfBuzz through
ReportLab's own binding (``shapeFragWord``, which needs uharfbuzz), so Arabic letters join and
run right to left and Devanagari conjuncts and vowel signs are placed as the font says. ReportLab's
``drawString(..., shaping=True)`` is not used: without its separate ``rlbidi`` package it silently
draws the text unshaped.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from bidi import get_display
from bidi.mirror import MIRRORED
from reportlab.lib.abag import ABag
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import ShapedStr, shapeFragWord
from reportlab.pdfgen.canvas import Canvas

from lms.certificates.fonts import families_for, font_name, is_fake_bold

#: Bidi classes that can make any part of a line right-to-left; without them every level is 0.
_RTL_CLASSES = frozenset({"R", "AL", "AN", "RLE", "RLO", "RLI"})
_LEVEL = re.compile(r"Level\(\s*(\d+)")
#: HarfBuzz's defaults (required ligatures, joining forms, conjuncts, mark placement) and kerning,
#: less ``liga``: a Latin "fi" ligature would come back from the PDF as "ﬁ", so a name would no
#: longer be found by search; Arabic lam-alef is a required ligature and stays. Never ``dlig``,
#: which turns "محمد" into the vocalised ﷴ sign.
_FEATURES = {"kern": True, "liga": False}


@dataclass(frozen=True)
class Run:
    font: str
    #: What ReportLab draws: a ShapedStr (glyphs in visual order, with positions) or plain text.
    glyphs: str
    #: Width at a font size of 1 point.
    advance: float
    fake_bold: bool


@dataclass(frozen=True)
class Line:
    text: str
    runs: tuple[Run, ...]  # in visual order, left to right

    def width(self, size: float) -> float:
        return sum(run.advance for run in self.runs) * size


def bidi_levels(text: str) -> list[int]:
    """The resolved embedding level of each character of ``text`` (one paragraph), from
    python-bidi's Rust implementation of the Unicode Bidirectional Algorithm (bracket pairs
    included, which its old pure-Python ``bidi.algorithm`` lacks). It gives the levels only in
    its documented ``debug=True`` report, one per UTF-8 byte; the first byte of a character
    holds its level."""
    if not any(unicodedata.bidirectional(c) in _RTL_CLASSES for c in text):
        return [0] * len(text)
    report = get_display(text, debug=True)
    per_byte = [int(level) for level in _LEVEL.findall(report[report.index("levels:"):report.index("paragraphs:")])]
    if len(per_byte) != len(text.encode()):
        raise RuntimeError("python-bidi's debug report has changed; the certificate text cannot be ordered.")
    levels, offset = [], 0
    for char in text:
        levels.append(per_byte[offset])
        offset += len(char.encode())
    return levels


def visual_order(levels: list[int]) -> list[int]:
    """Rule L2 of the algorithm: from the highest level down to the lowest odd one, reverse every
    sequence of characters at that level or higher. Returns the logical indices left to right."""
    order = list(range(len(levels)))
    lowest_odd = min((level for level in levels if level % 2), default=None)
    if lowest_odd is None:
        return order  # only even levels: every sequence is reversed an even number of times
    for level in range(max(levels), lowest_odd - 1, -1):
        index = 0
        while index < len(order):
            if levels[order[index]] < level:
                index += 1
                continue
            end = index
            while end < len(order) and levels[order[end]] >= level:
                end += 1
            order[index:end] = reversed(order[index:end])
            index = end
    return order


@lru_cache(maxsize=4096)
def _shape(text: str, font: str, rtl: bool) -> tuple[str, float]:
    """Glyphs in visual order and their width at 1 pt. HarfBuzz takes the direction from the
    script; where that is not the run's bidi direction (brackets between Arabic words, in
    another font; Arabic-Indic digits, which read left to right) it is given the run reversed and
    mirrored, so that its own reversal and mirroring give the visual order."""
    glyphs, advance = _harfbuzz(text, font)
    if _right_to_left(text, glyphs) != rtl:
        glyphs, advance = _harfbuzz("".join(MIRRORED.get(c, c) for c in reversed(text)), font)
    return glyphs, advance


def _harfbuzz(text: str, font: str) -> tuple[str, float]:
    word = [pdfmetrics.stringWidth(text, font, 1), (ABag(fontName=font, fontSize=1000), text)]
    glyphs = shapeFragWord(word, features=_FEATURES)[1][1]
    if isinstance(glyphs, ShapedStr):
        return glyphs, sum(data.x_advance for data in glyphs.__shapeData__) / 1000
    return glyphs, pdfmetrics.stringWidth(glyphs, font, 1)


def _right_to_left(text: str, glyphs: str) -> bool:
    """Whether HarfBuzz laid ``text`` out right to left: its clusters then count down; a single
    character it takes as right to left only if it is a right-to-left letter."""
    clusters = [data.cluster for data in getattr(glyphs, "__shapeData__", None) or ()]
    if len(clusters) > 1 and clusters[0] != clusters[-1]:
        return clusters[0] > clusters[-1]
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


@lru_cache(maxsize=4096)
def make_line(text: str, bold: bool) -> Line:
    """``text`` (logical order) as runs to draw left to right."""
    families = families_for(text)
    levels = bidi_levels(text)
    visual = visual_order(levels)
    spans: list[tuple[int, int]] = []
    for index in range(len(text)):
        if spans and (families[index], levels[index]) == (families[spans[-1][0]], levels[spans[-1][0]]):
            spans[-1] = (spans[-1][0], index + 1)
        else:
            spans.append((index, index + 1))
    position = {logical: shown for shown, logical in enumerate(visual)}
    runs = []
    for start, end in sorted(spans, key=lambda span: min(position[i] for i in range(*span))):
        name = font_name(families[start], bold)
        glyphs, advance = _shape(text[start:end], name, levels[start] % 2 == 1)
        runs.append(Run(name, glyphs, advance, is_fake_bold(name, bold)))
    return Line(text, tuple(runs))


def draw_line(pdf: Canvas, line: Line, size: float, left: float, y: float) -> None:
    """Draw ``line`` from ``left`` with its baseline at ``y``, in the canvas's fill colour (and
    its stroke colour, for the fake bold)."""
    for run in line.runs:
        text = pdf.beginText(left, y)
        text.setFont(run.font, size)
        if run.fake_bold:
            pdf.saveState()
            pdf.setLineWidth(size * 0.035)
            text.setTextRenderMode(2)  # fill and stroke: the CJK fallback font has no bold cut
        text.textOut(run.glyphs)
        pdf.drawText(text)
        if run.fake_bold:
            pdf.restoreState()
        left += run.advance * size
