"""Upload checks read the whole file: a zip bomb named .docx (small on disk, huge when
unpacked) and a PDF with an HTML page inside are refused with a clear message, without
unpacking anything; real small Office, PDF, PNG and JPEG files pass."""
import io
import struct
import zipfile
import zlib

import pytest
from reportlab.pdfgen import canvas

from lms.core.errors import ValidationError
from lms.core.uploads import UploadLimits, store_upload

MIB = 1024 * 1024


def docx(members=None):
    """A real, minimal Word document (what python-docx or Word writes, cut down)."""
    members = members or {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                               'content-types"/>',
        "word/document.xml": '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                             'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Hello</w:t></w:r></w:p>'
                             '</w:body></w:document>'}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return out.getvalue()


def declaring(data, name, size):
    """``data`` (a ZIP) with ``name``'s unpacked size rewritten to ``size`` in both headers:
    what a zip bomb declares, at no cost on disk."""
    data = bytearray(data)
    encoded = name.encode()
    local = data.find(b"PK\x03\x04")
    while local != -1:
        name_length = struct.unpack("<H", data[local + 26:local + 28])[0]
        if data[local + 30:local + 30 + name_length] == encoded:
            data[local + 22:local + 26] = struct.pack("<I", size)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack("<H", data[central + 28:central + 30])[0]
        if data[central + 46:central + 46 + name_length] == encoded:
            data[central + 24:central + 28] = struct.pack("<I", size)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def pdf():
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "Session 1: what a digital public good is")
    page.save()
    return out.getvalue()


def png(after=b"", claims=(2, 2)):
    """A real 2 × 2 PNG whose header ``claims`` its size (a decompression bomb claims a lot)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", *claims, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"") + after)


def jpeg():
    from PIL import Image  # Pillow comes with reportlab

    out = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(out, "JPEG")
    return out.getvalue()


def store(tmp_path, name, data, limits=None):
    return store_upload(io.BytesIO(data), name, tmp_path, limits=limits)


@pytest.mark.parametrize("name, make", [("notes.docx", docx), ("slides.pdf", pdf), ("chart.png", png),
                                        ("photo.jpg", jpeg), ("photo.jpeg", jpeg), ("all.zip", docx)])
def test_real_small_files_pass(tmp_path, name, make):
    data = make()
    stored = store(tmp_path, name, data)
    assert (tmp_path / stored.stored_name).read_bytes() == data


def test_a_zip_bomb_named_docx_is_refused_by_its_declared_size(tmp_path):
    bomb = declaring(docx(), "word/document.xml", 4_000_000_000)
    assert len(bomb) < 2000
    with pytest.raises(ValidationError, match=r"does not look like a \.docx file: it would unpack to 3,815 MB "
                                              r"\(at most 100 MB is accepted\)"):
        store(tmp_path, "notes.docx", bomb)
    assert not list(tmp_path.iterdir())


def test_a_zip_bomb_is_refused_by_its_compression_ratio(tmp_path):
    bomb = docx({"[Content_Types].xml": "<Types/>", "word/document.xml": b"\x00" * (4 * MIB)})
    assert len(bomb) < 10_000
    with pytest.raises(ValidationError, match=r"its part 'word/document.xml' is compressed [\d,]+ times "
                                              r"\(at most 200 is accepted\)"):
        store(tmp_path, "notes.docx", bomb)


def test_too_many_members_and_configured_limits(tmp_path):
    many = docx({"[Content_Types].xml": "<Types/>", **{f"word/media/{i}.xml": "x" for i in range(1001)}})
    with pytest.raises(ValidationError, match=r"it holds 1,002 files \(at most 1,000 are accepted\)"):
        store(tmp_path, "notes.docx", many)
    store(tmp_path, "notes.docx", many, UploadLimits(members=2000))
    with pytest.raises(ValidationError, match="it would unpack to"):
        store(tmp_path, "notes.docx", docx(), UploadLimits(unpacked_bytes=100))


def test_a_pdf_with_an_html_page_inside_is_refused(tmp_path):
    polyglot = (b"%PDF-1.7\n1 0 obj << >> endobj\n"
                b"<!DOCTYPE html><html><body><script>document.location='https://evil.example'</script></body></html>"
                b"\ntrailer << >>\n%%EOF\n")
    with pytest.raises(ValidationError, match=r"does not look like a \.pdf file: it contains an HTML document"):
        store(tmp_path, "slides.pdf", polyglot)
    with pytest.raises(ValidationError, match="it contains an HTML document"):
        store(tmp_path, "slides.pdf", pdf().replace(b"%%EOF", b"<html>\n%%EOF"))


def test_a_pdf_must_end_as_a_pdf_does(tmp_path):
    real = pdf()
    with pytest.raises(ValidationError, match=r"no %%EOF trailer"):
        store(tmp_path, "slides.pdf", real[: len(real) // 2])
    with pytest.raises(ValidationError, match=r"no %%EOF trailer"):
        store(tmp_path, "slides.pdf", real + b"<p>" * 1000)


def test_images_are_checked_to_their_end_and_their_size_bounded(tmp_path):
    with pytest.raises(ValidationError, match="it has data after its end"):
        store(tmp_path, "chart.png", png(after=b"<html><script>alert(1)</script></html>"))
    with pytest.raises(ValidationError, match=r"100,000 × 100,000 pixels"):
        store(tmp_path, "chart.png", png(claims=(100_000, 100_000)))
    with pytest.raises(ValidationError, match="ends in the middle of a chunk|runs past the end"):
        store(tmp_path, "chart.png", png()[:40])
    broken = bytearray(png())
    broken[40] ^= 0xFF
    with pytest.raises(ValidationError, match="checksum"):
        store(tmp_path, "chart.png", bytes(broken))
    with pytest.raises(ValidationError, match="no end marker|segments are broken"):
        store(tmp_path, "photo.jpg", jpeg()[:-2])
    with pytest.raises(ValidationError, match="it contains an HTML document"):
        store(tmp_path, "photo.jpg", jpeg() + b"<html><script>alert(1)</script></html>")
