"""Lines of text in any script for the certificate PDF: bidi order, a font per script, shaping.

A line is split into runs of one font and one bidi level. The levels and the visual order come
from the Unicode Bidirectional Algorithm (python-bidi); each run is shaped by HarfBuzz through
ReportLab's own binding (``shapeFragWord``, which needs uharfbuzz), so Arabic letters join and
run right to left and Devanagari conjuncts and vowel signs are placed as the font says. ReportLab's
``drawString(..., shaping=True)`` is not used: without its separate ``rlbidi`` package it silently
draws the text unshaped.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from bidi import algorithm as bidi
from bidi.mirror import MIRRORED
from reportlab.lib.abag import ABag
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import ShapedStr, shapeFragWord
from reportlab.pdfgen.canvas import Canvas

from lms.certificates.fonts import families_for, font_name, is_fake_bold

#: Bidi classes that can make any part of a line right-to-left; without them every level is 0.
_RTL_CLASSES = frozenset({"R", "AL", "AN", "RLE", "RLO", "RLI"})
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


def bidi_levels(text: str) -> tuple[list[int], list[int]]:
    """The embedding level of each character and the visual order of the character indices."""
    if not any(unicodedata.bidirectional(c) in _RTL_CLASSES for c in text):
        return [0] * len(text), list(range(len(text)))
    storage = bidi.get_empty_storage()
    storage["base_level"] = bidi.get_base_level(text)
    storage["base_dir"] = "LR"[storage["base_level"]]
    bidi.get_embedding_levels(text, storage)
    for index, char in enumerate(storage["chars"]):
        char["index"] = index
    bidi.explicit_embed_and_overrides(storage)
    bidi.resolve_weak_types(storage)
    bidi.resolve_neutral_types(storage, False)
    bidi.resolve_implicit_levels(storage, False)
    bidi.reorder_resolved_levels(storage, False)
    levels = [0] * len(text)
    for char in storage["chars"]:
        levels[char["index"]] = char["level"]
    return levels, [char["index"] for char in storage["chars"]]


@lru_cache(maxsize=4096)
def _shape(text: str, font: str, rtl: bool) -> tuple[str, float]:
    """Glyphs and width at 1 pt. HarfBuzz finds the direction from the script; a right-to-left
    run with no right-to-left letter (brackets between Arabic words in another font) is given to
    it reversed and mirrored instead."""
    if rtl and not any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
        text = "".join(MIRRORED.get(c, c) for c in reversed(text))
    word = [pdfmetrics.stringWidth(text, font, 1), (ABag(fontName=font, fontSize=1000), text)]
    glyphs = shapeFragWord(word, features=_FEATURES)[1][1]
    if isinstance(glyphs, ShapedStr):
        return glyphs, sum(data.x_advance for data in glyphs.__shapeData__) / 1000
    return glyphs, pdfmetrics.stringWidth(glyphs, font, 1)


@lru_cache(maxsize=4096)
def make_line(text: str, bold: bool) -> Line:
    """``text`` (logical order) as runs to draw left to right."""
    families = families_for(text)
    levels, visual = bidi_levels(text)
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
    """Draw ``line`` from ``left`` with its baseline at ``y``, in the canvas's fill colour."""
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
