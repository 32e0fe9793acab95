"""Session materials: links and uploaded files, with licence and attribution."""
from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from flask import current_app

from lms.core.db import db
from lms.core.errors import NotFoundError, ValidationError
from lms.core.uploads import UploadLimits, store_upload
from lms.sessions.models import Material, MaterialKind, Session
from lms.sessions.services import HTTPS_RE


def upload_folder() -> Path:
    return Path(current_app.config.get("LMS_UPLOAD_DIR") or Path(current_app.instance_path) / "uploads")


def upload_limits() -> UploadLimits:
    config = current_app.config
    return UploadLimits(unpacked_bytes=config["LMS_UPLOAD_MAX_UNPACKED_BYTES"],
                        members=config["LMS_UPLOAD_MAX_MEMBERS"],
                        compression_ratio=config["LMS_UPLOAD_MAX_COMPRESSION_RATIO"],
                        image_pixels=config["LMS_UPLOAD_MAX_IMAGE_PIXELS"])


def add_material(session: Session, *, title: str, kind: str, licence: str = "", attribution: str = "",
                 url: str = "", upload: BinaryIO | None = None, filename: str = "") -> Material:
    """A link (https) or a file, never both; the file is checked before it is kept."""
    title = title.strip()
    problems = []
    if not title:
        problems.append("Give the material a title.")
    if kind not in {k.value for k in MaterialKind}:
        problems.append("Choose what kind of material this is.")
    if bool(url.strip()) == bool(filename):
        problems.append("Give either a link or a file (one of the two).")
    elif url.strip() and not HTTPS_RE.match(url.strip()):
        problems.append("The link must be an https:// address.")
    if problems:
        raise ValidationError(problems)
    position = len(session.materials)
    material = Material(session=session, title=title, kind=MaterialKind(kind), licence=licence.strip(),
                        attribution=attribution.strip(), origin="staff", position=position)
    if url.strip():
        material.url = url.strip()
    else:
        assert upload is not None
        stored = store_upload(upload, filename, upload_folder(), limits=upload_limits())
        material.stored_name, material.original_name = stored.stored_name, stored.original_name
        material.content_type, material.size_bytes, material.sha256 = (stored.content_type, stored.size_bytes,
                                                                       stored.sha256)
    db.session.add(material)
    db.session.flush()
    return material


def get_material(material_id: int) -> Material:
    material = db.session.get(Material, material_id)
    if material is None:
        raise NotFoundError("No such material.")
    return material


def delete_material(material: Material) -> None:
    if material.stored_name:
        (upload_folder() / material.stored_name).unlink(missing_ok=True)
    db.session.delete(material)
    db.session.flush()
