"""Where submitted project files live, behind one small interface.

The default keeps them in a local folder (``<upload dir>/projects``). When several hosts
serve the app, set ``LMS_PROJECT_STORAGE`` to a factory ``(app) -> ProjectStorage`` for
shared storage (an S3-compatible bucket, a network folder): the rest of the LMS only calls
``save`` and ``open``. Every file is checked by ``lms.core.uploads.store_upload`` first.
"""
from __future__ import annotations

import io
import unicodedata
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

from lms.core.errors import ValidationError
from lms.core.uploads import StoredFile, UploadLimits, store_upload

#: What a group may submit.
PROJECT_KINDS = ("pdf", "pptx", "docx", "xlsx", "odp", "odt", "zip")


class ProjectStorage(Protocol):
    def save(self, stream: BinaryIO, filename: str, limits: UploadLimits) -> StoredFile:
        """Check and keep a file under a new generated name; refuse with ValidationError."""

    def open(self, stored_name: str) -> BinaryIO:
        """The stored file's bytes; FileNotFoundError when it is gone."""


class LocalFolderStorage:
    """Files in one folder on this machine, under the random names ``store_upload`` gives."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def save(self, stream: BinaryIO, filename: str, limits: UploadLimits) -> StoredFile:
        return store_upload(stream, filename, self.folder, allowed=PROJECT_KINDS, limits=limits)

    def open(self, stored_name: str) -> BinaryIO:
        if "/" in stored_name or "\\" in stored_name or stored_name.startswith("."):
            raise FileNotFoundError(stored_name)
        return (self.folder / stored_name).open("rb")


def storage() -> ProjectStorage:
    app = current_app
    factory = app.config.get("LMS_PROJECT_STORAGE")
    if factory is not None:
        store: ProjectStorage = factory(app)
        return store
    from lms.sessions.materials import upload_folder

    return LocalFolderStorage(upload_folder() / "projects")


def read_limited(stream: BinaryIO, limit: int) -> io.BytesIO:
    """The upload, refused when larger than ``limit`` bytes (read at most one byte more)."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        mb = limit / (1024 * 1024)
        raise ValidationError(f"The file is larger than {mb:,.0f} MB, the most a project file may be. "
                              "Make it smaller (export without embedded videos, compress images) or share "
                              "large media by link inside the document.")
    return io.BytesIO(data)


def display_name(filename: str) -> str:
    """The name a file is shown and downloaded under, in any script ("kế hoạch.pdf",
    "计划.pdf"): its last path part only (no folders, so ``../`` leads nowhere), in NFC,
    without control or format characters, at most 200 characters keeping the extension.
    (``store_upload``'s ASCII clean-up would turn "计划.pdf" into "pdf".)"""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] not in "CZ"
                   or ch == " ").strip().lstrip(".")
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = base, ""
    stem = stem[:200 - len(extension) - 1].strip() or "file"
    return f"{stem}.{extension.lower()}" if extension else stem
