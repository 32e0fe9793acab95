"""The certificate PDF read back by poppler (issue #8): every font embedded, no base-14
Helvetica, the name extracted exactly where extraction is reliable, long names inside the page,
and the QR code drawn as one path looking exactly like ReportLab's QR widget (issue #15)."""
import io
import re
import shutil
import subprocess
import unicodedata

import pytest
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.pdfgen import canvas

from lms.certificates.pdf import (
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    QR_BOTTOM,
    QR_LEFT,
    QR_SIDE,
    CertificateText,
    layout_certificate,
    render_certificate,
)

pytestmark = pytest.mark.skipif(
    not (shutil.which("pdffonts") and shutil.which("pdftotext") and shutil.which("pdftoppm")),
    reason="poppler-utils (pdffonts, pdftotext, pdftoppm) is not installed: apt-get install poppler-utils")

BASE_14 = ("Helvetica", "Times", "Courier", "Symbol", "ZapfDingbats")
LONG_NAME = ("Maximiliana Alexandrina Konstantinopoulou-Vanderbilt de la Cruz y Montenegro " * 3)[:200]
NAMES = {  # name: the font it must be drawn in
    "Amina Okafor": "NotoSans-Bold", "Иван Петров": "NotoSans-Bold", "Nguyễn Thị Lan": "NotoSans-Bold",
    "王芳": "DroidSansFallback", "محمد عبد الله": "NotoSansArabic-Bold", "अमित कुमार": "NotoSansDevanagari-Bold",
}


def certificate(recipient: str, course: str = "Digital Public Goods and Open Source") -> CertificateText:
    return CertificateText(recipient=recipient, course=course, cohort="ITU DPG OSS 2024",
                           dates="14 October 2024 – 11 November 2024", issuer="ITU Academy",
                           code="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
                           verify_url="https://learn.example.org/verify/ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
                           issued_on="12 November 2024")


def poppler(tool: str, pdf: bytes, *args: str) -> str:
    return subprocess.run([tool, *args, "-", "-"] if tool == "pdftotext" else [tool, *args, "-"], input=pdf,
                          capture_output=True, check=True).stdout.decode()


def fonts(pdf: bytes) -> dict[str, str]:
    """Each font's name (subset tag removed) and whether it is embedded."""
    rows = poppler("pdffonts", pdf).splitlines()[2:]
    return {row.split()[0].split("+")[-1]: row.split()[-5] for row in rows}


@pytest.mark.parametrize("name", [*NAMES, LONG_NAME])
def test_every_font_is_embedded_and_none_is_base_14(name):
    used = fonts(render_certificate(certificate(name)))
    assert used and set(used.values()) == {"yes"}, used
    assert not [font for font in used if font.startswith(BASE_14)], used
    assert NAMES.get(name, "NotoSans-Bold") in used


@pytest.mark.parametrize("name", ["Amina Okafor", "Иван Петров", "Nguyễn Thị Lan", "王芳"])
def test_the_name_comes_back_exactly(name):
    assert name in poppler("pdftotext", render_certificate(certificate(name))).splitlines()


def test_the_arabic_name_comes_back_in_logical_order():
    # poppler gives the joined presentation forms, in logical order, between bidi embedding
    # marks; compatibility normalisation turns them back into the letters typed.
    lines = poppler("pdftotext", render_certificate(certificate("محمد عبد الله"))).splitlines()
    assert "محمد عبد الله" in [unicodedata.normalize("NFKC", line).strip("\u202a\u202b\u202c") for line in lines]


def test_the_devanagari_name_keeps_the_letters_extraction_can_name():
    # The i-sign is drawn with a variant glyph that has no character of its own, so only the
    # rest is reliable in extracted text; the shaping itself is checked in tests/unit.
    text = poppler("pdftotext", render_certificate(certificate("अमित कुमार")))
    assert "कुमार" in text and "अ" in text


def test_a_200_character_name_stays_within_the_margins_on_two_lines():
    pdf = render_certificate(certificate(LONG_NAME, course="Сертификат: " + "Цифровые общественные блага " * 6))
    words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
                       poppler("pdftotext", pdf, "-bbox"))
    assert words
    for left, right, word in words:
        assert 0 < float(left) and float(right) < PAGE_WIDTH, word
    name_words = LONG_NAME.split()
    extracted = [word for _, _, word in words]
    start = extracted.index(name_words[0])
    assert extracted[start:start + len(name_words)] == name_words
    name_lines = [p for p in layout_certificate(certificate(LONG_NAME)) if p.field == "recipient"]
    assert len(name_lines) == 2
    for placed in name_lines:
        assert MARGIN - 0.01 <= placed.left and placed.right <= PAGE_WIDTH - MARGIN + 0.01


def test_fields_never_overlap_whatever_their_length():
    placed = layout_certificate(certificate(LONG_NAME * 2, course="محمد عبد الله " * 20))
    baselines = [p.baseline for p in placed if p.field not in {"issued_on", "code", "verify_url"}]
    assert baselines == sorted(baselines, reverse=True)
    # From the lowest descender of one field to the top of the tallest letter of the next.
    gaps = [(upper.baseline - 0.3 * upper.size) - (lower.baseline + 0.8 * lower.size)
            for upper, lower in zip(placed, placed[1:], strict=False)
            if upper.field != lower.field and lower.field not in {"issued_on", "code", "verify_url"}]
    assert min(gaps) > 0, gaps
    assert [p for p in placed if p.field == "recipient"][-1].line.text.endswith("\u2026")


def _qr_modules(pdf: bytes, count: int) -> list[list[bool]]:
    """Whether the centre of each module of the QR square (quiet zone included) is dark."""
    scale = 4  # 288 dpi, unsmoothed
    image = subprocess.run(
        ["pdftoppm", "-gray", "-r", "288", "-aa", "no", "-aaVector", "no",
         "-x", str(round(QR_LEFT * scale)), "-y", str(round((PAGE_HEIGHT - QR_BOTTOM - QR_SIDE) * scale)),
         "-W", str(round(QR_SIDE * scale)), "-H", str(round(QR_SIDE * scale)), "-"],
        input=pdf, capture_output=True, check=True).stdout
    width = round(QR_SIDE * scale)
    pixels = image.split(b"\n", 3)[3]
    box = QR_SIDE * scale / count
    return [[pixels[int((row + 0.5) * box) * width + int((column + 0.5) * box)] < 128 for column in range(count)]
            for row in range(count)]


def test_the_qr_code_looks_like_the_qr_widget_it_replaces():
    text = certificate("Amina Okafor")
    buffer = io.BytesIO()
    reference = canvas.Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT))
    widget = QrCodeWidget(text.verify_url, barLevel="M")
    drawing = Drawing(QR_SIDE, QR_SIDE)
    drawing.add(widget)
    renderPDF.draw(drawing, reference, QR_LEFT, QR_BOTTOM)  # as the certificate drew it before
    reference.showPage()
    reference.save()
    count = widget.qr.getModuleCount() + 2 * widget.barBorder
    theirs = _qr_modules(buffer.getvalue(), count)
    assert _qr_modules(render_certificate(text), count) == theirs
    assert sum(map(sum, theirs)) > 300 and not any(theirs[0])  # a code, with its quiet zone
