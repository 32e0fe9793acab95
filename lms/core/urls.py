"""Absolute links for e-mails, from a request or (CLI, jobs) from ``LMS_BASE_URL``."""
from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values: Any) -> str:
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context("/", base_url=current_app.config["LMS_BASE_URL"]):
        return url_for(endpoint, _external=True, **values)
