"""The certificate as a one-page A4 landscape PDF, with a QR code to its verification page.

Drawn with ReportLab in the shipped Unicode fonts (``fonts.py``), every text through the same
machinery (``typeset.py``, ``fit.py``), so a name or course title in any script is shaped, in
bidi order, and kept inside the page. Rendering takes only plain data (``CertificateText``), so
it can run in a worker process.
"""
from __future__ import annotations

import io
import itertools
from dataclasses import dataclass

from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel
from reportlab.lib.colors import Color, HexColor, black
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from lms.certificates.fit import LEADING, fit_block
from lms.certificates.fonts import FAMILIES, font_name
from lms.certificates.typeset import Line, draw_line

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
INK, ACCENT = HexColor("#1b1f24"), HexColor("#0b5cad")
QR_SIDE, QR_BORDER = 32 * mm, 4  # the quiet zone, in modules
QR_LEFT, QR_BOTTOM = PAGE_WIDTH - 25 * mm - QR_SIDE, 16 * mm
MARGIN = 30 * mm  # text keeps this far from the page edge (the frame is at 12 mm)
FOOT_LEFT = 25 * mm
FOOT_WIDTH = QR_LEFT - 8 * mm - FOOT_LEFT


@dataclass(frozen=True)
class CertificateText:
    recipient: str
    course: str
    cohort: str
    dates: str
    issuer: str
    code: str
    verify_url: str
    issued_on: str


@dataclass(frozen=True)
class Placed:
    """One line of text on the page: where it starts, its baseline, its size and colour."""
    field: str
    line: Line
    size: float
    left: float
    baseline: float
    colour: Color

    @property
    def right(self) -> float:
        return self.left + self.line.width(self.size)


def _centred(field: str, text: str, y: float, size: float, floor: float, colour: Color, *,
             bold: bool = False, wrap: tuple[int, float] = (1, 0)) -> list[Placed]:
    """``text`` centred across the page between the margins; ``wrap`` is (most lines, largest
    size when wrapped). A block of several lines is centred on the baseline ``y`` of one line."""
    block = fit_block(text, bold=bold, width=PAGE_WIDTH - 2 * MARGIN, max_size=size, min_size=floor,
                      max_lines=wrap[0], wrap_size=wrap[1] or None)
    step = block.size * LEADING
    top = y + step * (len(block.lines) - 1) / 2
    return [Placed(field, line, block.size, (PAGE_WIDTH - line.width(block.size)) / 2, top - i * step, colour)
            for i, line in enumerate(block.lines)]


def _footer(field: str, text: str, y: float) -> list[Placed]:
    block = fit_block(text, bold=False, width=FOOT_WIDTH, max_size=10, min_size=6)
    return [Placed(field, block.lines[0], block.size, FOOT_LEFT, y, INK)]


def layout_certificate(text: CertificateText) -> list[Placed]:
    """Every line of text on the page, fitted; the names of fields are those of ``CertificateText``."""
    top = PAGE_HEIGHT
    return [
        *_centred("issuer", text.issuer.upper(), top - 38 * mm, 14, 8, ACCENT),
        *_centred("title", "Certificate of completion", top - 58 * mm, 34, 20, INK, bold=True),
        *_centred("intro", "This certifies that", top - 75 * mm, 14, 10, INK),
        *_centred("recipient", text.recipient, top - 92 * mm, 30, 11, INK, bold=True, wrap=(2, 18)),
        *_centred("completed", "has successfully completed the course", top - 108 * mm, 14, 10, INK),
        *_centred("course", text.course, top - 122 * mm, 22, 11, INK, bold=True, wrap=(2, 16)),
        *_centred("cohort", f"{text.cohort} · {text.dates}", top - 134 * mm, 12, 8, INK),
        *_footer("issued_on", f"Issued on {text.issued_on} by {text.issuer}", 30 * mm),
        *_footer("code", f"Certificate code: {text.code}", 24 * mm),
        *_footer("verify_url", f"Verify at {text.verify_url}", 18 * mm),
    ]


def _draw_qr(pdf: canvas.Canvas, data: str) -> None:
    """The QR code, encoded once and drawn as one filled path in module units (one rectangle per
    run of dark modules in a row): the geometry of ReportLab's ``QrCodeWidget`` at 32 mm, which
    encoded the code twice and drew every run as its own checked shape."""
    qr = QRCode(None, QRErrorCorrectLevel.M)
    qr.addData(data)
    qr.make()
    box = QR_SIDE / (qr.getModuleCount() + 2 * QR_BORDER)
    rectangles = []
    for row_number, row in enumerate(qr.modules, start=QR_BORDER):
        column = QR_BORDER
        for dark, modules in itertools.groupby(row, key=bool):
            count = len(list(modules))
            if dark:
                rectangles.append(f"{column} {row_number} {count} 1 re")
            column += count
    pdf.saveState()
    pdf.translate(QR_LEFT, QR_BOTTOM + QR_SIDE)
    pdf.scale(box, -box)  # rows run downwards from the top left corner, as in the matrix
    pdf.setFillColor(black)
    pdf.addLiteral(" ".join(rectangles) + " f")
    pdf.restoreState()


def render_certificate(text: CertificateText) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1,
                        initialFontName=font_name(FAMILIES[0], False))
    pdf.setTitle(f"Certificate — {text.recipient} — {text.course}")
    pdf.setAuthor(text.issuer)
    pdf.setStrokeColor(ACCENT)
    pdf.setLineWidth(3)
    pdf.rect(12 * mm, 12 * mm, PAGE_WIDTH - 24 * mm, PAGE_HEIGHT - 24 * mm)
    for placed in layout_certificate(text):
        pdf.setFillColor(placed.colour)
        pdf.setStrokeColor(placed.colour)
        draw_line(pdf, placed.line, placed.size, placed.left, placed.baseline)
    _draw_qr(pdf, text.verify_url)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
