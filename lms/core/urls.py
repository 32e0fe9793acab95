"""URLs: the LMS's own id converter, and absolute links for e-mails, from a request or
(CLI, jobs) from ``LMS_BASE_URL``."""
from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, url_for
from werkzeug.routing import IntegerConverter

#: The largest id or number an LMS URL can name: every LMS table stores them as SQL
#: ``integer``, 32 bits in PostgreSQL, so anything larger names nothing (and, sent to the
#: database, would be an error rather than "not found").
MAX_ID = 2**31 - 1
#: The converter's name in URL rules: ``/materials/<lms_id:material_id>``.
ID_CONVERTER = "lms_id"


class IdConverter(IntegerConverter):
    """A positive whole number of ASCII digits, 1 to ``MAX_ID``, no leading zero; anything
    else (0, a 30-digit number, Arabic-Indic digits) matches no route, so the answer is 404
    whatever the method. Registered under its own name, so a host application's ``int``
    converter stays as it is."""

    regex = r"[1-9][0-9]{0,9}"

    def __init__(self, map: Any) -> None:
        super().__init__(map, min=1, max=MAX_ID)


def external_url(endpoint: str, **values: Any) -> str:
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context("/", base_url=current_app.config["LMS_BASE_URL"]):
        return url_for(endpoint, _external=True, **values)
