"""Reading CSV files people give the LMS (enrolments, grades): structural errors and
oversized cells become a ValidationError with the line, never a ``_csv.Error``."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from lms.core.errors import ValidationError

#: Longer than any name, address or mark; a cell above it is a broken file, not data.
MAX_CELL_CHARACTERS = 10_000


class CheckedReader:
    """``csv.DictReader`` over ``text`` whose header and rows are read inside a guard."""

    def __init__(self, text: str) -> None:
        self._reader = csv.DictReader(io.StringIO(text))
        self.header = [name.strip() for name in self._guard(lambda: self._reader.fieldnames) or []]

    def use_header(self, header: list[str]) -> None:
        self._reader.fieldnames = header

    def _guard(self, read: Any) -> Any:
        try:
            value = read()
        except csv.Error as error:
            # The line the csv module had reached (the DictReader's own count lags behind on an error).
            line = self._reader.reader.line_num
            if "field larger than field limit" in str(error):
                raise ValidationError(f"line {line}: a cell is longer than {MAX_CELL_CHARACTERS} characters") from None
            raise ValidationError(f"line {line}: not readable as CSV ({error})") from None
        cells = value if isinstance(value, list) else list((value or {}).values())
        for cell in cells:
            if isinstance(cell, str) and len(cell) > MAX_CELL_CHARACTERS:
                raise ValidationError(f"line {self._reader.reader.line_num}: a cell is longer than "
                                      f"{MAX_CELL_CHARACTERS} characters")
        return value

    def numbered(self) -> Iterator[tuple[int, dict[str | Any, Any]]]:
        """(line, row) for each row, with the line the row starts on: blank lines and
        cells with line breaks in them do not shift the numbers of the rows after them."""
        while True:
            try:
                row = self._guard(lambda: next(self._reader))
            except StopIteration:
                return
            cells = [c for value in row.values() for c in (value if isinstance(value, list) else [value])]
            breaks = sum(cell.count("\n") for cell in cells if isinstance(cell, str))
            yield self._reader.line_num - breaks, row
