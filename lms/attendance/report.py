"""Reading a meeting participant report as the Zoom web portal exports it.

Pure: standard library only. Handles the report with or without the meeting-details block
above the participant table; the old ("User Email", "Join Time", "In Waiting Room") and the
newer ("Email", "Join time", "In waiting room") column names, in any case; comma, semicolon
or tab as the delimiter; UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order
mark, or Windows-1252; CRLF line ends; one row per join; guests without e-mail; waiting-room
rows (not time in the meeting); and times without a zone (the caller says which zone they
are in) whose day and month order may be ambiguous (the caller chooses among the orders
that fit every row).
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, replace
from datetime import datetime

NAME_COLUMNS = ("name (original name)", "name", "participant")
EMAIL_COLUMNS = ("user email", "email", "e-mail")
JOIN_COLUMNS = ("join time",)
LEAVE_COLUMNS = ("leave time",)
GUEST_COLUMNS = ("guest",)
WAITING_COLUMNS = ("in waiting room",)
EXPECTED = "Name (Original Name), User Email, Join Time, Leave Time (Duration (Minutes), Guest optional)"
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
ENCODINGS = ("UTF-8", "UTF-8 with BOM", "UTF-16 LE with BOM", "UTF-16 BE with BOM", "Windows-1252")
#: Longest display name kept (names are remembered in mappings of this length).
MAX_NAME = 200
YES = {"yes", "y", "true", "1", "ja", "oui", "sí", "si"}

MONTH_FIRST, DAY_FIRST, YEAR_FIRST = "month-first", "day-first", "year-first"
DATE_ORDER_LABELS = {MONTH_FIRST: "month/day/year", DAY_FIRST: "day/month/year", YEAR_FIRST: "year-month-day"}
_DATE_TIME = re.compile(
    r"(?:(?P<year>\d{4})[-/.](?P<ymonth>\d{1,2})[-/.](?P<yday>\d{1,2})"
    r"|(?P<first>\d{1,2})[-/.](?P<second>\d{1,2})[-/.](?P<end_year>\d{4}|\d{2}))"
    r"(?:[ T]+|,\s*)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<sec>\d{2}))?(?:\.\d+)?"
    r"(?:\s*(?P<half>[AaPp])\.?\s?[Mm]\.?)?")
# Bytes that say "this is a file of another kind" (ZIP/XLSX, PDF, old Excel, PNG, GZIP).
_BINARY_MAGIC = (b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\x1f\x8b")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ReportError(ValueError):
    """The file is not a participant report this reader understands; nothing is imported."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class JoinRow:
    line: int
    name: str
    email: str
    #: Naive wall-clock times, in the zone the report was exported in.
    joined: datetime
    left: datetime
    guest: bool
    #: The times as written, so the report can be read again in another day/month order.
    joined_text: str = ""
    left_text: str = ""


@dataclass(frozen=True)
class MeetingReport:
    rows: tuple[JoinRow, ...]
    topic: str = ""
    #: The meeting's own start, from the details block when there is one (naive).
    meeting_start: datetime | None = None
    #: How the file was read, to tell the person ("UTF-16 LE with BOM", "semicolon").
    encoding: str = "text"
    delimiter: str = ","
    #: The day/month order the times were read in, and every order that fits all of them
    #: (two when every date has a day of 12 or less: 01/11/2024).
    date_order: str = MONTH_FIRST
    date_orders: tuple[str, ...] = (MONTH_FIRST,)
    #: Rows of people in the waiting room: not time in the meeting, so not counted.
    waiting_room_rows: int = 0
    meeting_start_text: str = ""

    @property
    def delimiter_name(self) -> str:
        return DELIMITERS.get(self.delimiter, repr(self.delimiter))

    @property
    def date_order_label(self) -> str:
        return DATE_ORDER_LABELS[self.date_order]

    @property
    def ambiguous_dates(self) -> bool:
        return len(self.date_orders) > 1

    def describe(self) -> str:
        """One line on how the file was read: encoding, delimiter, date order."""
        return f"{self.encoding}, {self.delimiter_name}-separated, dates read as {self.date_order_label}"

    def in_date_order(self, order: str) -> MeetingReport:
        """The same report with its times read in ``order`` (one of ``date_orders``)."""
        if order == self.date_order:
            return self
        if order not in self.date_orders:
            raise ValueError(f"the times in this report cannot be read {order}")
        rows = tuple(replace(r, joined=_read_time(r.joined_text, order), left=_read_time(r.left_text, order))
                     for r in self.rows)
        start = _candidates(self.meeting_start_text).get(order) if self.meeting_start_text else None
        return replace(self, rows=rows, date_order=order, meeting_start=start)


# ---- bytes to text ------------------------------------------------------------------------

def decode_report(data: bytes) -> tuple[str, str]:
    """The report's text and the name of the encoding it was read in.

    UTF-8 and UTF-16 are recognised by their byte-order mark; without one, UTF-8 is tried,
    then Windows-1252 (what Excel on Windows writes). Raises ReportError for an empty file or
    one that is not text.
    """
    if data.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", "UTF-8 with BOM")]
    elif data.startswith(codecs.BOM_UTF16_LE):
        candidates = [("utf-16", "UTF-16 LE with BOM")]
    elif data.startswith(codecs.BOM_UTF16_BE):
        candidates = [("utf-16", "UTF-16 BE with BOM")]
    elif data.startswith(_BINARY_MAGIC):
        raise ReportError(["the file is not a CSV text file (it looks like a spreadsheet, PDF, image or archive); "
                           "export the participant report as CSV"])
    else:
        candidates = [("utf-8", "UTF-8"), ("cp1252", "Windows-1252")]
    for codec, label in candidates:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        text = text.lstrip("\ufeff")
        if not text.strip():
            raise ReportError(["the file is empty"])
        if _CONTROL.search(text):
            hint = "; UTF-16 is read only with a byte-order mark" if "\x00" in text else ""
            raise ReportError([f"the file is not text (read as {label}, it holds control characters{hint}); "
                               "export the participant report as CSV"])
        return text, label
    raise ReportError(["the file is not text in UTF-8, UTF-16 or Windows-1252; export the participant report as CSV"])


# ---- times --------------------------------------------------------------------------------

def _candidates(value: str) -> dict[str, datetime]:
    """Every reading of ``value`` that is a real date and time, by day/month order."""
    match = _DATE_TIME.fullmatch(value.strip())
    if not match:
        return {}
    hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["sec"] or 0)
    if match["half"]:
        if not 1 <= hour <= 12:
            return {}
        hour = hour % 12 + (12 if match["half"] in "Pp" else 0)
    if match["year"]:
        orders = {YEAR_FIRST: (int(match["year"]), int(match["ymonth"]), int(match["yday"]))}
    else:
        year = int(match["end_year"]) + (2000 if len(match["end_year"]) == 2 else 0)
        first, second_part = int(match["first"]), int(match["second"])
        orders = {MONTH_FIRST: (year, first, second_part), DAY_FIRST: (year, second_part, first)}
    found = {}
    for order, (y, m, d) in orders.items():
        try:
            found[order] = datetime(y, m, d, hour, minute, second)
        except ValueError:
            continue
    return found


def _read_time(value: str, order: str) -> datetime:
    found = _candidates(value)
    if order not in found:
        raise ValueError(f"{value!r} is not a {DATE_ORDER_LABELS[order]} time")
    return found[order]


# ---- the table ----------------------------------------------------------------------------

def _records(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """(first physical line, cells) per CSV record; csv's own errors as a ReportError."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    records, line = [], 1
    try:
        for cells in reader:
            records.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise ReportError([f"line {line}: a field is longer than {csv.field_size_limit()} characters; "
                               "this is not a participant report"]) from None
        raise ReportError([f"line {line}: this is not readable CSV ({error})"]) from None
    return records


def _key(cell: str) -> str:
    return " ".join(cell.split()).casefold()


def _columns(header: list[str]) -> dict[str, int | None]:
    keys = [_key(cell) for cell in header]

    def find(options: tuple[str, ...]) -> int | None:
        return next((keys.index(name) for name in options if name in keys), None)

    return {"name": find(NAME_COLUMNS), "email": find(EMAIL_COLUMNS), "join": find(JOIN_COLUMNS),
            "leave": find(LEAVE_COLUMNS), "guest": find(GUEST_COLUMNS), "waiting": find(WAITING_COLUMNS)}


def _is_header(cells: list[str]) -> bool:
    found = _columns(cells)
    return all(found[key] is not None for key in ("name", "join", "leave"))


def _likely_delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max(DELIMITERS, key=lambda d: (first.count(d), d == ","))


def _table(text: str) -> tuple[str, list[tuple[int, list[str]]], int]:
    """The delimiter, the records and the index of the participant table's header."""
    likely = _likely_delimiter(text)
    first_error: ReportError | None = None
    for delimiter in [likely] + [d for d in DELIMITERS if d != likely]:
        try:
            records = _records(text, delimiter)
        except ReportError as error:
            first_error = first_error or error
            continue
        at = next((i for i, (_, cells) in enumerate(records) if _is_header(cells)), None)
        if at is not None:
            return delimiter, records, at
    if first_error is not None:
        raise first_error
    records = [(line, cells) for line, cells in _records(text, likely) if any(cell.strip() for cell in cells)]
    if records and _key(records[0][1][0]) == "meeting id":
        records = records[2:]  # the details block: its header and its values
    if not records:
        raise ReportError([f"the file has no participant table; expected the columns {EXPECTED}"])
    line, cells = records[0]
    shown = ", ".join(cell.strip() for cell in cells if cell.strip())[:300] or "(none)"
    raise ReportError([f"line {line}: this is not a participant report: the columns are {shown}; "
                       f"expected {EXPECTED}"])


def read_report(text: str, *, encoding: str = "text", date_order: str | None = None) -> MeetingReport:
    """Parse the whole report, or raise ReportError listing every problem.

    ``encoding`` only names how the text was decoded (see ``decode_report``). Times are read
    in ``date_order`` when given, else in the one order that fits every time, else (day and
    month ambiguous) month first, with ``date_orders`` listing the other reading.
    """
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ReportError(["the file is empty"])
    delimiter, records, at = _table(text)
    topic, start_text = "", ""
    if at > 0 and records[0][1] and _key(records[0][1][0]) == "meeting id" and len(records) > 1:
        details = {_key(k): v.strip() for k, v in zip(records[0][1], records[1][1], strict=False)}
        topic, start_text = details.get("topic", ""), details.get("start time", "")
    header_line, header = records[at]
    columns = _columns(header)
    if columns["email"] is None:
        raise ReportError([f"line {header_line}: the participant table has no e-mail column; expected {EXPECTED}"])
    needed = max(i for i in (columns["name"], columns["email"], columns["join"], columns["leave"]) if i is not None)

    def cell(cells: list[str], key: str) -> str:
        index = columns[key]
        return cells[index].strip() if index is not None and index < len(cells) else ""

    raw: list[tuple[int, str, str, str, str, bool]] = []
    problems: list[tuple[int, str]] = []
    waiting = 0
    for line, cells in records[at + 1:]:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) <= needed:
            problems.append((line, f"line {line}: {len(cells)} cells where the header has {len(header)}"))
            continue
        if cell(cells, "waiting").casefold() in YES:
            waiting += 1
            continue
        name = cell(cells, "name")
        if not name:
            problems.append((line, f"line {line}: no name"))
            continue
        if len(name) > MAX_NAME:
            problems.append((line, f"line {line}: the name is longer than {MAX_NAME} characters"))
            continue
        raw.append((line, name, cell(cells, "email").lower(), cell(cells, "join"), cell(cells, "leave"),
                    cell(cells, "guest").casefold() in YES))

    # The day/month orders that fit every time in the report.
    orders: tuple[str, ...] = (MONTH_FIRST, DAY_FIRST, YEAR_FIRST)
    narrowed_by = (0, "")
    for line, _, _, joined_text, left_text, _ in raw:
        for value in (joined_text, left_text):
            found = _candidates(value)
            fitting = tuple(order for order in orders if order in found)
            if not found:
                problems.append((line, f"line {line}: {value!r} is not a time this reader knows "
                                       "(e.g. 10/30/2024 02:56:00 PM)"))
                break
            if not fitting:
                problems.append((line, f"line {line}: {value!r} cannot be read in the same day/month order as "
                                       f"{narrowed_by[1]!r} (line {narrowed_by[0]})"))
                break
            if fitting != orders:
                orders, narrowed_by = fitting, (line, value)
    if date_order is not None and date_order not in orders:
        raise ReportError([f"the times in this report cannot be read as {DATE_ORDER_LABELS[date_order]}"])
    chosen = date_order or orders[0]

    rows = []
    for line, name, email, joined_text, left_text, guest in raw:
        try:
            joined, left = _read_time(joined_text, chosen), _read_time(left_text, chosen)
        except ValueError:
            continue  # reported above
        if left < joined:
            problems.append((line, f"line {line}: {name} leaves ({left:%H:%M}) before joining ({joined:%H:%M})"))
            continue
        rows.append(JoinRow(line, name, email, joined, left, guest, joined_text, left_text))
    if problems:
        raise ReportError([problem for _, problem in sorted(problems, key=lambda p: p[0])])
    if not rows:
        more = f" (only {waiting} waiting-room row{'s' if waiting != 1 else ''})" if waiting else ""
        raise ReportError([f"the participant table is empty{more}"])
    meeting_start = _candidates(start_text).get(chosen) if start_text else None
    return MeetingReport(tuple(rows), topic, meeting_start, encoding, delimiter, chosen, orders, waiting, start_text)


def read_report_bytes(data: bytes, *, date_order: str | None = None) -> MeetingReport:
    """Decode (see ``decode_report``) and parse a report file's bytes."""
    text, encoding = decode_report(data)
    return read_report(text, encoding=encoding, date_order=date_order)
