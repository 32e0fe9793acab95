"""Static files under fingerprinted names, kept by browsers for a year, and LMS responses
compressed for clients that accept it: a warm page costs one request, and a page costs a
fraction of its bytes on a slow line.

``lms_asset("lms.css")`` in a template gives ``/lms-assets/<digest>/lms.css``; the digest
is the file's SHA-256, so a changed file gets a new address and nothing stale is ever
served from a cache. Compression is Flask-Compress, applied to LMS responses only: the
host's own responses are left as the host sends them.
"""
from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, request, url_for
from flask_compress import Compress

compress = Compress()
YEAR = 365 * 24 * 3600


@dataclass(frozen=True)
class Asset:
    body: bytes
    digest: str
    mimetype: str


def load_assets(folder: Path) -> dict[str, Asset]:
    """Every file of ``folder`` read once, with its fingerprint (they are a few KB)."""
    assets = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            body = path.read_bytes()
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            assets[path.relative_to(folder).as_posix()] = Asset(body, hashlib.sha256(body).hexdigest()[:16], kind)
    return assets


def lms_asset(filename: str) -> str:
    """The fingerprinted URL of one of the LMS's static files."""
    state = current_app.extensions["lms"]
    key = (filename, request.script_root)  # the same address on every page: built once
    url = state["asset_urls"].get(key)
    if url is None:
        asset = state["assets"][filename]
        url = state["asset_urls"][key] = url_for("lms.asset", digest=asset.digest, filename=filename)
    return url


def serve_asset(digest: str, filename: str) -> Response:
    asset = current_app.extensions["lms"]["assets"].get(filename)
    if asset is None:
        abort(404)
    response = Response(asset.body, mimetype=asset.mimetype)
    if digest == asset.digest:
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:  # a page from before a deploy: serve today's file, but let nobody keep it
        response.headers["Cache-Control"] = "no-cache"
    response.set_etag(asset.digest)
    return response.make_conditional(request)


def init_assets(app: Flask, parent: Blueprint, folder: Path) -> None:
    app.extensions.setdefault("lms", {})["assets"] = load_assets(folder)
    app.extensions["lms"]["asset_urls"] = {}
    parent.add_url_rule("/lms-assets/<digest>/<path:filename>", "asset", serve_asset)
    # Flask-Compress registers an app-wide hook unless told not to; the LMS compresses
    # its own responses (lms.core.security) and leaves the host's setting as it found it.
    host_setting = app.config.get("COMPRESS_REGISTER")
    app.config["COMPRESS_REGISTER"] = False
    compress.init_app(app)
    if host_setting is None:
        del app.config["COMPRESS_REGISTER"]
    else:
        app.config["COMPRESS_REGISTER"] = host_setting
