"""Turning the bytes of an imported file into text, or one clear sentence saying why not.

Pure (standard library only): the course-file loader uses it as well as the CSV importers.
Accepted: UTF-8 with or without a byte-order mark, and UTF-16 with a byte-order mark (what
spreadsheet programs write as "Unicode text"). Refused: anything with NUL bytes (binary
files, UTF-16 without a byte-order mark) and bytes that are not UTF-8 (Latin-1, Windows-1252).
"""
from __future__ import annotations

import codecs

ACCEPTED = "UTF-8 (with or without a byte-order mark) or UTF-16 with a byte-order mark"


class TextEncodingError(ValueError):
    """The file is not text in an accepted encoding; the message says so in one line."""


def decode_text(data: bytes) -> str:
    """The text of ``data``; raises ``TextEncodingError`` with a one-line reason."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise TextEncodingError(f"not valid UTF-16 text ({exc.reason} at byte {exc.start}); "
                                    f"save it as {ACCEPTED}") from None
    else:
        if b"\x00" in data:
            raise TextEncodingError(f"a binary file, not text (it contains NUL bytes); save it as {ACCEPTED}")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise TextEncodingError(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at position {exc.start}; "
                                    f"a Latin-1 or Windows file?); save it as {ACCEPTED}") from None
    if "\x00" in text:
        raise TextEncodingError(f"a binary file, not text (it contains NUL characters); save it as {ACCEPTED}")
    return text
