"""CSRF checks, security headers and the friendly error pages, for LMS pages only.

In a host application the LMS checks, sets its headers and error pages on its own requests
and leaves the host's alone (a host's plain form or webhook without a CSRF token still
works); standalone, ``create_app`` covers the whole app.
"""
from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, NotFound, SecurityError

from lms.core.errors import LMSError, NotFoundError

log = logging.getLogger("lms.security")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)

ERROR_TEXTS = {
    400: ("Bad request", "The request could not be understood. Go back and try again."),
    403: ("Not allowed", "You do not have permission to see this page. If you think you should, ask your "
                         "course coordinator."),
    404: ("Page not found", "There is nothing at this address. Check the link, or start again from the home page."),
    405: ("Not allowed", "This page cannot be used that way."),
    413: ("File too large", "What you sent is larger than this site accepts. Choose a smaller file and try again."),
    429: ("Too many attempts", "You have tried too often in a short time. Wait a minute and try again."),
    500: ("Something went wrong", "An error stopped this page. It has been logged; please try again later."),
}


def _is_lms_request() -> bool:
    return any(name == "lms" or name.startswith("lms.") for name in request.blueprints)


def is_lms_response() -> bool:
    """An LMS page, or (standalone, where every URL is the LMS's) any response."""
    from flask import current_app

    return _is_lms_request() or current_app.extensions["lms"].get("whole_app", False)


def csrf_defaults(app: Flask) -> None:
    """Flask-WTF's settings, with its defaults (what ``CSRFProtect.init_app`` would set), for
    the LMS's forms; the LMS does not install CSRFProtect's app-wide check."""
    app.config.setdefault("WTF_CSRF_ENABLED", True)
    app.config["WTF_CSRF_METHODS"] = set(app.config.get("WTF_CSRF_METHODS", ["POST", "PUT", "PATCH", "DELETE"]))
    app.config.setdefault("WTF_CSRF_FIELD_NAME", "csrf_token")
    app.config.setdefault("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"])
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 3600)
    app.config.setdefault("WTF_CSRF_SSL_STRICT", True)


def protect_from_forgery() -> None:
    """Before every LMS request: Flask-WTF's CSRF check (a 400 "Form expired" page when it
    fails), on the LMS's own URLs only. A host's ``WTF_CSRF_CHECK_DEFAULT = False`` does not
    turn it off; ``WTF_CSRF_ENABLED = False`` does, as it does for the forms."""
    from flask import current_app

    from lms.extensions import csrf

    if current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()


def add_security_headers(response: Response) -> Response:
    if not is_lms_response():
        return response
    from flask import current_app

    headers = response.headers
    headers.setdefault("Content-Security-Policy", current_app.config.get("LMS_CONTENT_SECURITY_POLICY") or CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if response.mimetype == "text/html" and current_user and not current_user.is_anonymous:
        # Pages behind a login may carry marks and names: never keep them in a shared cache.
        headers.setdefault("Cache-Control", "no-store")
    if current_app.config.get("LMS_HSTS"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    from lms.core.assets import compress

    return compress.after_request(response)


def _ensure_url_adapter() -> None:
    """A request refused for an untrusted ``Host`` (Flask's ``TRUSTED_HOSTS``) has no URL
    adapter; the error page still needs its relative links, so bind one to the base URL."""
    from urllib.parse import urlsplit

    from flask import current_app
    from flask.globals import request_ctx

    if request_ctx.url_adapter is None:
        parts = urlsplit(current_app.config["LMS_BASE_URL"])
        request_ctx.url_adapter = current_app.url_map.bind(
            parts.netloc, script_name=request.environ.get("SCRIPT_NAME") or "/", url_scheme=parts.scheme)


def render_error(error: HTTPException | Exception) -> tuple[str, int]:
    _ensure_url_adapter()
    code = error.code if isinstance(error, HTTPException) and error.code else 500
    if isinstance(error, CSRFError):
        title = "Form expired"
        text = "This form was open too long or came from elsewhere. Reload the page and try again."
    else:
        title, text = ERROR_TEXTS.get(code, (getattr(error, "name", "Error"), ""))
    if isinstance(error, SecurityError):
        log.warning("refused %s %s for the untrusted host %r", request.method, request.path,
                    request.environ.get("HTTP_HOST", "")[:100])
    if code == 403:
        who = current_user.get_id() and getattr(current_user, "email", "?")
        log.warning("refused %s %s for %s", request.method, request.path, who or "anonymous")
    if code >= 500:
        log.exception("error on %s %s", request.method, request.path, exc_info=error)
    return render_template("lms/errors/error.html", code=code, title=title, text=text), code


def render_refusal(error: LMSError) -> tuple[str, int]:
    """A rule a service refused to break, not caught by the view: nothing is written (the
    transaction is rolled back) and the person reads the rule, never a 500."""
    from lms.core.db import db

    db.session.rollback()
    if isinstance(error, NotFoundError):
        return render_error(NotFound())
    log.info("refused by a rule on %s %s: %s", request.method, request.path, error)
    return render_template("lms/errors/error.html", code=409, title="Not possible now", text=str(error)), 409


def init_security(app: Flask) -> None:
    csrf_defaults(app)
    app.after_request(add_security_headers)


def register_error_pages(target: Flask | Blueprint) -> None:
    """Friendly pages: on the LMS blueprint for its own pages, and (standalone) on the app
    for every URL, including ones no blueprint owns."""
    for code in (400, 403, 404, 405, 413, 429, 500):
        target.register_error_handler(code, render_error)
    target.register_error_handler(CSRFError, render_error)
    target.register_error_handler(LMSError, render_refusal)
