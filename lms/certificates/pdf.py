"""The certificate as a one-page A4 landscape PDF, with a QR code to its verification page.
Drawn with ReportLab (its own QR widget, so no second library)."""
from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas


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


def _fit(pdf: canvas.Canvas, text: str, font: str, size: float, width: float) -> float:
    """The largest size up to ``size`` at which ``text`` fits ``width`` (long names shrink)."""
    while size > 10 and pdf.stringWidth(text, font, size) > width:
        size -= 1
    return size


def render_certificate(text: CertificateText) -> bytes:
    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=1)
    pdf.setTitle(f"Certificate — {text.recipient} — {text.course}")
    pdf.setAuthor(text.issuer)
    ink, accent = HexColor("#1b1f24"), HexColor("#0b5cad")
    pdf.setStrokeColor(accent)
    pdf.setLineWidth(3)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    usable = width - 60 * mm
    pdf.setFillColor(accent)
    pdf.setFont("Helvetica", 14)
    pdf.drawCentredString(width / 2, height - 38 * mm, text.issuer.upper())
    pdf.setFillColor(ink)
    pdf.setFont("Helvetica-Bold", 34)
    pdf.drawCentredString(width / 2, height - 58 * mm, "Certificate of completion")
    pdf.setFont("Helvetica", 14)
    pdf.drawCentredString(width / 2, height - 75 * mm, "This certifies that")
    size = _fit(pdf, text.recipient, "Helvetica-Bold", 30, usable)
    pdf.setFont("Helvetica-Bold", size)
    pdf.drawCentredString(width / 2, height - 92 * mm, text.recipient)
    pdf.setFont("Helvetica", 14)
    pdf.drawCentredString(width / 2, height - 108 * mm, "has successfully completed the course")
    size = _fit(pdf, text.course, "Helvetica-Bold", 22, usable)
    pdf.setFont("Helvetica-Bold", size)
    pdf.drawCentredString(width / 2, height - 122 * mm, text.course)
    pdf.setFont("Helvetica", 12)
    pdf.drawCentredString(width / 2, height - 134 * mm, f"{text.cohort} · {text.dates}")
    pdf.setFont("Helvetica", 10)
    pdf.drawString(25 * mm, 30 * mm, f"Issued on {text.issued_on} by {text.issuer}")
    pdf.drawString(25 * mm, 24 * mm, f"Certificate code: {text.code}")
    pdf.drawString(25 * mm, 18 * mm, f"Verify at {text.verify_url}")
    qr = QrCodeWidget(text.verify_url, barLevel="M")
    x0, y0, x1, y1 = qr.getBounds()
    side = 32 * mm
    drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, pdf, width - 25 * mm - side, 16 * mm)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
