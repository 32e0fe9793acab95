"""Reading a meeting participant report as the Zoom web portal exports it.

Pure: standard library only. Handles the report with or without the meeting-details block
above the participant table, a byte-order mark, CRLF line ends, one row per join, guests
without e-mail, and times without a zone (the caller says which zone they are in).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

NAME_COLUMNS = ("Name (Original Name)", "Name (original name)", "Name", "Participant")
EMAIL_COLUMNS = ("User Email", "Email", "E-mail")
JOIN_COLUMNS = ("Join Time", "Join time")
LEAVE_COLUMNS = ("Leave Time", "Leave time")
EXPECTED = "Name (Original Name), User Email, Join Time, Leave Time (Duration (Minutes), Guest optional)"
TIME_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
                "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


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


@dataclass(frozen=True)
class MeetingReport:
    rows: tuple[JoinRow, ...]
    topic: str = ""
    #: The meeting's own start, from the details block when there is one (naive).
    meeting_start: datetime | None = None


def parse_time(value: str) -> datetime:
    value = value.strip()
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a time this reader knows (e.g. 10/30/2024 02:56:00 PM)")


def _pick(header: list[str], options: tuple[str, ...]) -> str | None:
    return next((name for name in options if name in header), None)


def read_report(text: str) -> MeetingReport:
    """Parse the whole report, or raise ReportError listing every problem."""
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    topic, meeting_start, start = "", None, 0
    # The details block ("Meeting ID", "Topic", …), one row of values and a blank line.
    if lines and lines[0] and lines[0][0].strip() == "Meeting ID":
        details = dict(zip(lines[0], lines[1], strict=False)) if len(lines) > 1 else {}
        topic = details.get("Topic", "")
        try:
            meeting_start = parse_time(details.get("Start Time", ""))
        except ValueError:
            meeting_start = None
        start = 2
        while start < len(lines) and not any(cell.strip() for cell in lines[start]):
            start += 1
    if start >= len(lines):
        raise ReportError([f"the file has no participant table; expected the columns {EXPECTED}"])
    header = [cell.strip() for cell in lines[start]]
    columns = {key: _pick(header, options) for key, options in
               (("name", NAME_COLUMNS), ("email", EMAIL_COLUMNS), ("join", JOIN_COLUMNS), ("leave", LEAVE_COLUMNS))}
    missing = [key for key, found in columns.items() if found is None]
    if missing:
        raise ReportError([f"line {start + 1}: this is not a participant report: the columns are "
                           f"{', '.join(header) or '(none)'}; expected {EXPECTED}"])
    index = {key: header.index(name) for key, name in columns.items() if name}
    guest_at = header.index("Guest") if "Guest" in header else None
    rows, problems = [], []
    for number, cells in enumerate(lines[start + 1:], start=start + 2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) < len(header):
            problems.append(f"line {number}: {len(cells)} cells where the header has {len(header)}")
            continue
        name = cells[index["name"]].strip()
        try:
            joined, left = parse_time(cells[index["join"]]), parse_time(cells[index["leave"]])
        except ValueError as error:
            problems.append(f"line {number}: {error}")
            continue
        if left < joined:
            problems.append(f"line {number}: {name} leaves ({left:%H:%M}) before joining ({joined:%H:%M})")
            continue
        if not name:
            problems.append(f"line {number}: no name")
            continue
        guest = guest_at is not None and cells[guest_at].strip().lower() in {"yes", "true", "1"}
        rows.append(JoinRow(number, name, cells[index["email"]].strip().lower(), joined, left, guest))
    if problems:
        raise ReportError(problems)
    if not rows:
        raise ReportError(["the participant table is empty"])
    return MeetingReport(tuple(rows), topic, meeting_start)
