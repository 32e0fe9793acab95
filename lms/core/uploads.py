"""Checking and storing uploaded files: size, extension allow-list, content checks on the
whole file, generated names outside any static folder.

Content checks, per kind: a PDF starts with ``%PDF-`` and has its ``%%EOF`` trailer near
the end; ZIP containers (Office, OpenDocument, ZIP) are read from their central directory
only, never unpacked, and refused when they declare an absurd unpacked size, member count
or compression ratio (a zip bomb); PNG and JPEG are walked chunk by chunk / segment by
segment to their end, with their dimensions bounded. No file may carry an HTML document
(a PDF/HTML polyglot is served as a PDF but read as a page by a careless viewer).
"""
from __future__ import annotations

import hashlib
import io
import re
import secrets
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from werkzeug.utils import secure_filename

from lms.core.errors import ValidationError


@dataclass(frozen=True)
class UploadLimits:
    """Bounds on what a file may declare (``LMS_UPLOAD_MAX_*`` in the configuration)."""

    #: Sum of the unpacked sizes an archive's members declare.
    unpacked_bytes: int = 100 * 1024 * 1024
    members: int = 1000
    #: Unpacked ÷ packed size of any one member above 1 MiB unpacked; text XML compresses
    #: 10–50 times, a bomb thousands of times.
    compression_ratio: int = 200
    #: Width × height of an image.
    image_pixels: int = 100_000_000


#: A PDF's ``%%EOF`` must lie within this many bytes of its end (what PDF readers allow).
PDF_TRAILER_WINDOW = 1024
_HTML = re.compile(rb"<!doctype\s+html|<html[\s>]|<script[\s>]", re.IGNORECASE)
_RATIO_FLOOR = 1024 * 1024


class _Refused(Exception):
    """A content check's reason, turned into a ValidationError by ``store_upload``."""


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


def _archive(data: bytes, limits: UploadLimits, needs: str) -> None:
    if not data.startswith(b"PK\x03\x04"):
        raise _Refused("it is not a ZIP container")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise _Refused(f"its ZIP structure is broken ({error})") from None
    if len(members) > limits.members:
        raise _Refused(f"it holds {len(members):,} files (at most {limits.members:,} are accepted)")
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.unpacked_bytes:
        raise _Refused(f"it would unpack to {_mib(unpacked)} (at most {_mib(limits.unpacked_bytes)} is accepted)")
    for member in members:
        ratio = member.file_size // max(member.compress_size, 1)
        if member.file_size > _RATIO_FLOOR and ratio > limits.compression_ratio:
            raise _Refused(f"its part {member.filename[:80]!r} is compressed {ratio:,} times "
                           f"(at most {limits.compression_ratio} is accepted)")
    if needs and needs not in {member.filename for member in members}:
        raise _Refused(f"it has no {needs}")


def _ooxml(data: bytes, limits: UploadLimits) -> None:
    _archive(data, limits, "[Content_Types].xml")


def _odf(data: bytes, limits: UploadLimits) -> None:
    _archive(data, limits, "mimetype")


def _zip(data: bytes, limits: UploadLimits) -> None:
    _archive(data, limits, "")


def _no_html(data: bytes) -> None:
    if _HTML.search(data):
        raise _Refused("it contains an HTML document")


def _pdf(data: bytes, limits: UploadLimits) -> None:
    if not data.startswith(b"%PDF-"):
        raise _Refused("it does not start as a PDF does")
    if b"%%EOF" not in data[-PDF_TRAILER_WINDOW:]:
        raise _Refused("it does not end as a PDF does (no %%EOF trailer at its end)")
    _no_html(data)


def _image_size(width: int, height: int, limits: UploadLimits) -> None:
    if width <= 0 or height <= 0:
        raise _Refused("its width or height is zero")
    if width * height > limits.image_pixels:
        raise _Refused(f"it is {width:,} × {height:,} pixels (at most {limits.image_pixels:,} pixels are accepted)")


def _png(data: bytes, limits: UploadLimits) -> None:
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise _Refused("it does not start as a PNG does")
    position, first = 8, True
    while True:
        if position + 12 > len(data):
            raise _Refused("it ends in the middle of a chunk (no IEND)")
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        end = position + 12 + length
        if end > len(data):
            raise _Refused("a chunk runs past the end of the file")
        body = data[position + 8:end - 4]
        if zlib.crc32(kind + body) != struct.unpack(">I", data[end - 4:end])[0]:
            raise _Refused(f"the checksum of its {kind.decode('latin-1')!r} chunk is wrong")
        if first:
            if kind != b"IHDR" or length != 13:
                raise _Refused("it does not begin with an image header")
            _image_size(*struct.unpack(">II", body[:8]), limits)
            first = False
        position = end
        if kind == b"IEND":
            break
    if data[position:].strip(b"\x00"):
        raise _Refused("it has data after its end")
    _no_html(data)


#: JPEG start-of-frame markers (they carry the dimensions); C4, C8 and CC are other things.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg(data: bytes, limits: UploadLimits) -> None:
    if not data.startswith(b"\xff\xd8\xff"):
        raise _Refused("it does not start as a JPEG does")
    position, sized = 2, False
    while True:
        if position + 4 > len(data) or data[position] != 0xFF:
            raise _Refused("its segments are broken")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        if length < 2 or position + 2 + length > len(data):
            raise _Refused("a segment runs past the end of the file")
        if marker in _SOF:
            if length < 7:
                raise _Refused("its frame header is broken")
            height, width = struct.unpack(">HH", data[position + 5:position + 9])
            _image_size(width, height, limits)
            sized = True
        if marker == 0xDA:  # start of scan: compressed data follows, up to the end marker
            break
        position += 2 + length
    if not sized:
        raise _Refused("it has no frame header")
    if b"\xff\xd9" not in data[position:]:
        raise _Refused("it has no end marker")
    _no_html(data)


Check = Callable[[bytes, UploadLimits], None]

#: extension → (content type, content check on the whole file)
KINDS: dict[str, tuple[str, Check]] = {
    "pdf": ("application/pdf", _pdf),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", _ooxml),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ooxml),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ooxml),
    "odp": ("application/vnd.oasis.opendocument.presentation", _odf),
    "odt": ("application/vnd.oasis.opendocument.text", _odf),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", _odf),
    "png": ("image/png", _png),
    "jpg": ("image/jpeg", _jpeg),
    "jpeg": ("image/jpeg", _jpeg),
    "zip": ("application/zip", _zip),
}


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    original_name: str
    content_type: str
    size_bytes: int
    sha256: str


def store_upload(stream: BinaryIO, filename: str, folder: Path, allowed: tuple[str, ...] = tuple(KINDS),
                 limits: UploadLimits | None = None) -> StoredFile:
    """Check ``stream`` and keep it under a random name in ``folder``.

    Refused: an extension not in ``allowed``, content that is not what the extension says
    (an HTML page renamed ``.pdf``, a PDF with an HTML page inside, a zip bomb named
    ``.docx``), an empty file. The original name is kept only for the download's file
    name, cleaned of paths (``../../etc/passwd`` becomes ``etc_passwd``).
    """
    # The extension is read before cleaning: secure_filename drops non-ASCII letters, so
    # "سيرة ذاتية.pdf" would become "pdf" and lose it.
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    extension = base.rsplit(".", 1)[-1].lower() if "." in base else ""
    original = secure_filename(filename or "") or "file"
    if extension and not original.lower().endswith(f".{extension}"):
        original = f"{original.removesuffix(extension).rstrip('._') or 'file'}.{extension}"
    if extension not in allowed or extension not in KINDS:
        raise ValidationError(f"Files of type “.{extension or '?'}” are not accepted. Accepted: "
                              + ", ".join(f".{e}" for e in allowed) + ".")
    data = stream.read()
    if not data:
        raise ValidationError("The file is empty.")
    content_type, check = KINDS[extension]
    try:
        check(data, limits or UploadLimits())
    except _Refused as reason:
        raise ValidationError(f"This file does not look like a .{extension} file: {reason}. Save it again as "
                              f".{extension}, or choose the right file.") from None
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = f"{secrets.token_hex(16)}.{extension}"
    (folder / stored_name).write_bytes(data)
    return StoredFile(stored_name, original, content_type, len(data), hashlib.sha256(data).hexdigest())
