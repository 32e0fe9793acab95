"""The LMS's own URL converter for ids and numbers: ``/materials/<lms_id:material_id>``."""
from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

#: The largest id or number an LMS URL can name: every LMS table stores them as SQL
#: ``integer``, 32 bits in PostgreSQL, so anything larger names nothing (and, sent to the
#: database, would be an error rather than "not found").
MAX_ID = 2**31 - 1
#: The converter's name in URL rules.
ID_CONVERTER = "lms_id"


class IdConverter(IntegerConverter):
    """A positive whole number of ASCII digits, 1 to ``MAX_ID``, no leading zero; anything
    else (0, a 30-digit number, Arabic-Indic digits) matches no route, so the answer is 404
    whatever the method. Registered under its own name, so a host application's ``int``
    converter stays as it is."""

    regex = r"[1-9][0-9]{0,9}"

    def __init__(self, map: Any) -> None:
        super().__init__(map, min=1, max=MAX_ID)
