"""What every LMS template can use, under the one name ``lms``."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from flask import Flask, current_app, has_request_context, request, url_for

from lms.auth.permissions import TEMPLATE_PREDICATES
from lms.core.assets import lms_asset
from lms.core.converters import MAX_ID
from lms.core.csrf_token import csrf_token
from lms.core.localtime import in_zone
from lms.core.security import is_lms_response
from lms.core.urls import external_url


def local_time(moment: datetime, zone: str) -> str:
    """``moment`` as a day and time in ``zone`` (``30 Oct 2024 15:00``)."""
    shown = in_zone(moment, zone or "UTC")
    return f"{shown.day} {shown:%b %Y %H:%M}"


#: The menu's links, on every page.
MENU = ("lms.courses.catalogue", "lms.main.home", "lms.feeds.calendar_settings", "lms.notifications.notifications",
        "lms.jobs.jobs_page", "lms.auth.profile", "lms.auth.logout", "lms.auth.login", "lms.auth.register")


def menu_urls() -> dict[str, str]:
    """The menu's URLs, built once for each place the app is served from (``url_for`` nine
    times on every page cost more than the rest of the menu)."""
    kept = current_app.extensions["lms"].setdefault("menu_urls", {})
    root = request.script_root if has_request_context() else ""
    urls = kept.get(root)
    if urls is None:
        urls = kept[root] = {endpoint: url_for(endpoint) for endpoint in MENU}
    return urls


#: How many links ``remembered_url_for`` keeps for each app (then it starts again).
REMEMBERED_URLS = 20_000


def remembered_url_for(endpoint: str, **values: Any) -> str:
    """``url_for`` for LMS templates, each link built once per place the app is served from.

    ``url_for`` costs about 8 µs, and a page calls it for every link (a list, for every row).
    A relative link depends only on the endpoint, its values and where the app is mounted
    (``SCRIPT_NAME`` and the host), so it is kept under those. Links with ``_external``,
    ``_anchor`` and such, values that cannot be kept (lists), and apps whose
    ``url_defaults`` functions could add anything at all are built every time."""
    if not has_request_context():
        return url_for(endpoint, **values)
    app = current_app
    memory = app.extensions["lms"].get("remembered_urls")
    if memory is None:
        if any(app.url_default_functions.values()):
            return url_for(endpoint, **values)
        memory = app.extensions["lms"]["remembered_urls"] = {}
    environ = request.environ
    try:
        key = (environ.get("HTTP_HOST"), environ.get("SCRIPT_NAME"), endpoint, *values.items())
        url = memory.get(key)
    except TypeError:  # a list or another value that cannot be a key
        return url_for(endpoint, **values)
    if url is None:
        url = url_for(endpoint, **values)
        if any(name.startswith("_") for name in values):
            return url
        if len(memory) >= REMEMBERED_URLS:
            memory.clear()
        memory[key] = url
    return url


def id_urls(endpoint: str, name: str, **values: Any) -> Callable[[int], str]:
    """``id → url_for(endpoint, **values, name=id)`` for the rows of a list: the link is
    built once, with a marker id, and each row's id put in its place (a list of 5,000
    attempts links each one twice). Where the marker does not show exactly once in the
    link, every link is built by ``url_for``."""
    marker = str(MAX_ID)
    head, *tail = url_for(endpoint, **values, **{name: MAX_ID}).split(marker)
    if len(tail) != 1:
        return lambda value: url_for(endpoint, **values, **{name: value})
    end = tail[0]
    return lambda value: f"{head}{int(value)}{end}"


def init_templating(app: Flask) -> None:
    can = SimpleNamespace(**TEMPLATE_PREDICATES)

    @app.context_processor
    def inject_lms() -> dict[str, Any]:
        """``lms`` (and ``csrf_token``) in LMS pages and e-mails; a host's own pages get nothing."""
        if has_request_context() and not is_lms_response():
            return {}
        config = current_app.config
        host_template = config.get("LMS_BASE_TEMPLATE")
        return {"csrf_token": csrf_token, "url_for": remembered_url_for,
                "lms": SimpleNamespace(can=can, site_name=config["LMS_SITE_NAME"], asset=lms_asset, menu=menu_urls,
                                       external_url=external_url, local_time=local_time,
                                       # LMS_BASE_TEMPLATE: LMS pages inside the host's layout
                                       host_template=host_template,
                                       host_identity="host_user" in current_app.extensions["lms"])}
