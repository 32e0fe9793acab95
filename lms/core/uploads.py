"""Checking and storing uploaded files: size, extension allow-list, content sniffing,
generated names outside any static folder."""
from __future__ import annotations

import hashlib
import io
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from werkzeug.utils import secure_filename

from lms.core.errors import ValidationError


def _zip_has(data: bytes, member: str) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return member in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _ooxml(data: bytes) -> bool:
    return data.startswith(b"PK\x03\x04") and _zip_has(data, "[Content_Types].xml")


def _odf(data: bytes) -> bool:
    return data.startswith(b"PK\x03\x04") and _zip_has(data, "mimetype")


#: extension → (content type, content check on the whole file)
KINDS = {
    "pdf": ("application/pdf", lambda d: d.startswith(b"%PDF-")),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", _ooxml),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ooxml),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ooxml),
    "odp": ("application/vnd.oasis.opendocument.presentation", _odf),
    "odt": ("application/vnd.oasis.opendocument.text", _odf),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", _odf),
    "png": ("image/png", lambda d: d.startswith(b"\x89PNG\r\n\x1a\n")),
    "jpg": ("image/jpeg", lambda d: d.startswith(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", lambda d: d.startswith(b"\xff\xd8\xff")),
    "zip": ("application/zip", lambda d: d.startswith(b"PK\x03\x04")),
}


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    original_name: str
    content_type: str
    size_bytes: int
    sha256: str


def store_upload(stream: BinaryIO, filename: str, folder: Path, allowed: tuple[str, ...] = tuple(KINDS)) -> StoredFile:
    """Check ``stream`` and keep it under a random name in ``folder``.

    Refused: an extension not in ``allowed``, content that is not what the extension says
    (an HTML page renamed ``.pdf``), an empty file. The original name is kept only for the
    download's file name, cleaned of paths (``../../etc/passwd`` becomes ``etc_passwd``).
    """
    original = secure_filename(filename or "") or "file"
    extension = original.rsplit(".", 1)[-1].lower() if "." in original else ""
    if extension not in allowed or extension not in KINDS:
        raise ValidationError(f"Files of type “.{extension or '?'}” are not accepted. Accepted: "
                              + ", ".join(f".{e}" for e in allowed) + ".")
    data = stream.read()
    if not data:
        raise ValidationError("The file is empty.")
    content_type, looks_right = KINDS[extension]
    if not looks_right(data):
        raise ValidationError(f"This file does not look like a .{extension} file. Save it again as .{extension}, "
                              "or choose the right file.")
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = f"{secrets.token_hex(16)}.{extension}"
    (folder / stored_name).write_bytes(data)
    return StoredFile(stored_name, original, content_type, len(data), hashlib.sha256(data).hexdigest())
