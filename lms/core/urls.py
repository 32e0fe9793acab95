"""Absolute links written for later (e-mails, PDFs, QR codes, credentials, calendar feeds)
and the hosts the LMS answers for.

Links always come from ``LMS_BASE_URL``, never from the request: the ``Host`` header is
whatever the client sent, so a link built from it could point anywhere (a password-reset
link "poisoned" to an attacker's site). ``LMS_BASE_URL`` is where the application is
served (for a plug-in: the host application's root); the LMS URL prefix is added to it.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import SplitResult, urlsplit

from flask import Flask, abort, current_app, request
from werkzeug.sansio.utils import host_is_trusted

log = logging.getLogger("lms.security")


def check_base_url(url: str) -> str:
    """``url`` without a trailing slash; ValueError with a one-line reason when it cannot be a base URL."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"LMS_BASE_URL must be an absolute http(s) address such as https://lms.example.org, "
                         f"not {url!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"LMS_BASE_URL must not carry a query or a fragment: {url!r}")
    return url.strip().rstrip("/")


@functools.lru_cache(maxsize=16)
def _base_parts(url: str) -> SplitResult:
    return urlsplit(check_base_url(url))


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of ``endpoint`` under ``LMS_BASE_URL``, inside a request or not."""
    app = current_app
    parts = _base_parts(app.config["LMS_BASE_URL"])
    adapter = app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)


def trusted_hosts(config: Any) -> list[str]:
    """The base URL's host name and the names in ``LMS_TRUSTED_HOSTS`` (a list, or a comma-separated string)."""
    extra: str | Iterable[str] = config.get("LMS_TRUSTED_HOSTS") or []
    if isinstance(extra, str):
        extra = extra.split(",")
    hosts = [urlsplit(check_base_url(config["LMS_BASE_URL"])).hostname or ""]
    return hosts + [h.strip() for h in extra if h.strip() and h.strip() not in hosts]


@functools.lru_cache(maxsize=16)
def _trusted_hosts_of(base_url: str, extra: str | tuple[str, ...]) -> list[str]:
    return trusted_hosts({"LMS_BASE_URL": base_url, "LMS_TRUSTED_HOSTS": extra})


def _trusted_hosts_now(config: Any) -> list[str]:
    """``trusted_hosts`` of the current settings, worked out once for each value they take."""
    extra = config.get("LMS_TRUSTED_HOSTS") or ()
    return _trusted_hosts_of(config["LMS_BASE_URL"], extra if isinstance(extra, str) else tuple(extra))


def refuse_untrusted_host() -> None:
    """Before every LMS request: 400 for a ``Host`` the LMS does not answer for.

    Standalone, Flask's ``TRUSTED_HOSTS`` refuses such requests for the whole app before
    they get here; inside a host application only the LMS's own URLs are checked."""
    config = current_app.config
    if not config.get("LMS_REFUSE_UNTRUSTED_HOSTS", True):
        return
    host = request.environ.get("HTTP_HOST") or request.environ.get("SERVER_NAME", "")
    if not host_is_trusted(host, _trusted_hosts_now(config)):
        log.warning("refused a request for the untrusted host %r", host[:100])
        abort(400)


def trust_only_base_url_hosts(app: Flask) -> None:
    """Standalone: let Flask refuse every request whose host is not a trusted one."""
    if app.config.get("LMS_REFUSE_UNTRUSTED_HOSTS", True) and app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
