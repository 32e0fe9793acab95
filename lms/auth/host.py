"""Host identity: inside a host application with its own login, the LMS's user is the host's.

The host sets ``LMS_HOST_USER`` to a function (or an ``"module:function"`` string) that
returns ``(email, display_name)`` for the host's logged-in user, or None. Before every LMS
request the LMS calls it, finds the LMS account with that e-mail (creating it, without a
password, on the first visit) and makes it ``current_user`` for the rest of the request; the
host's own user is put back before the host's ``after_request`` functions run. Nothing is
kept between requests, so logging out of the host is logging out of the LMS.

The LMS's login, registration, password and login-session pages are not shown then: an
anonymous visitor is sent to the host's login view (Flask-Login's ``login_view``, with
``next``) and the host's ``LoginManager`` is left as the host set it.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, abort, current_app, g, redirect, request, url_for
from flask_login import AnonymousUserMixin, LoginManager, current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.utils import import_string
from werkzeug.wrappers import Response

from lms.core.db import db
from lms.core.errors import ConflictError, ValidationError

log = logging.getLogger("lms.auth")

HostUser = Callable[[], "tuple[str, str | None] | None"]

#: LMS pages that belong to an LMS-managed login; with host identity the host owns these.
ACCOUNT_PAGES = {
    "lms.auth.login", "lms.auth.register", "lms.auth.register_complete", "lms.auth.reset_request",
    "lms.auth.reset_password",
}
LOGIN_SESSION_PAGES = {
    "lms.auth.logout", "lms.auth.password_change", "lms.auth.session_end", "lms.auth.sessions_end_others",
}
_NOT_LOADED = object()


def host_user_adapter(app: Flask) -> HostUser | None:
    adapter = app.config.get("LMS_HOST_USER")
    if isinstance(adapter, str):
        adapter = import_string(adapter.replace(":", "."))
    if adapter is not None and not callable(adapter):
        raise RuntimeError("LMS_HOST_USER must be a function returning (email, display name) or None")
    return adapter


def init_host_identity(app: Flask, adapter: HostUser) -> None:
    app.extensions["lms"]["host_user"] = adapter
    if getattr(app, "login_manager", None) is None:
        # A host whose login is not Flask-Login: the LMS's pages still need one to answer
        # current_user and @login_required, sending visitors to LMS_HOST_LOGIN_VIEW.
        manager = LoginManager(app)
        manager.login_view = app.config.get("LMS_HOST_LOGIN_VIEW")
        manager.user_loader(lambda _id: None)


def use_host_user() -> Response | None:
    """Before every LMS request: the host's user, linked to their LMS account, is current_user."""
    adapter = current_app.extensions["lms"].get("host_user")
    if adapter is None:
        return None
    who = adapter()
    g.lms_host_user = g.get("_login_user", _NOT_LOADED)
    if not who:
        g._login_user = AnonymousUserMixin()
    else:
        email, name = who
        g._login_user = _linked_account(email, name)
    if request.endpoint in ACCOUNT_PAGES:
        if current_user.is_authenticated:
            return redirect(url_for("lms.main.home"))
        return current_app.login_manager.unauthorized()
    if request.endpoint in LOGIN_SESSION_PAGES:
        abort(404)
    return None


def _linked_account(email: str, name: str | None) -> Any:
    from lms.auth import services

    try:
        user, created = services.user_for_host(email, name)
        if created:
            db.session.commit()
    except (IntegrityError, ConflictError):  # the same person's first requests at once: another created it
        db.session.rollback()
        user = services.find_user_by_email(services.normalise_email(email))
    except ValidationError as error:
        db.session.rollback()
        log.warning("host user not linked: %s", error)
        abort(403)
    if user is None or not user.is_enabled:
        abort(403)
    return user


def restore_host_user(response: Response) -> Response:
    """After the LMS's view: the host's after_request functions see the host's user again."""
    previous = g.pop("lms_host_user", None)
    if previous is _NOT_LOADED:
        g.pop("_login_user", None)
    elif previous is not None:
        g._login_user = previous
    return response
