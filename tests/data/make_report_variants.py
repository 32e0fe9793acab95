"""Builds the meeting-report variants in this folder from the shared Zoom fixture, so each
one's expected statuses are known (see README.md). Run from the repository root:
``python tests/data/make_report_variants.py``; the files are committed, the suite never runs this."""
from __future__ import annotations

import csv
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent
NEW_HEADER = ["Name (original name)", "Email", "Join time", "Leave time", "Duration (minutes)", "Guest",
              "In waiting room"]


def _rows(name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO((HERE / name).read_text(encoding="utf-8-sig"))))


def _csv(rows: list[list[str]], delimiter: str = ",", quoting: int = csv.QUOTE_MINIMAL) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _with_waiting_room(plain: list[list[str]]) -> list[list[str]]:
    """Otieno waits 20 minutes, is admitted for 15, then waits 45 more and is never let back
    in; Kwame waits 7 minutes before being admitted; a stranger waits and is never admitted."""
    header, *rows = plain
    waiting = [
        ["Otieno Wafula", "otieno.wafula@example.org", "10/30/2024 03:00:00 PM", "10/30/2024 03:20:00 PM", "20",
         "No", "No", "Yes"],
        ["Otieno Wafula", "otieno.wafula@example.org", "10/30/2024 03:35:00 PM", "10/30/2024 04:20:00 PM", "45",
         "No", "No", "Yes"],
        ["Kwame Mensah", "", "10/30/2024 02:58:00 PM", "10/30/2024 03:05:00 PM", "7", "Yes", "No", "Yes"],
        ["Unknown caller", "", "10/30/2024 03:10:00 PM", "10/30/2024 03:30:00 PM", "20", "Yes", "No", "Yes"],
    ]
    return [header, *rows[:5], waiting[2], *rows[5:7], waiting[0], rows[7], waiting[1], waiting[3], *rows[8:]]


def _day_first_24h(value: str) -> str:
    """10/30/2024 03:44:00 PM (session 1) → 01/11/2024 15:44:00 (session 2, day first, 24-hour)."""
    date, clock, half = value.split(" ")
    hour, minute, second = (int(part) for part in clock.split(":"))
    hour = hour % 12 + (12 if half == "PM" else 0)
    assert date == "10/30/2024", value
    return f"01/11/2024 {hour:02d}:{minute:02d}:{second:02d}"


def main() -> None:
    plain = _rows("zoom-participants-session1-plain.csv")
    full = _rows("zoom-participants-session1.csv")
    (HERE / "zoom-participants-session1-semicolon.csv").write_bytes(_csv(plain, ";").encode("utf-8"))
    (HERE / "zoom-participants-session1-tab.csv").write_bytes(_csv(plain, "\t").encode("utf-8"))
    # Excel's "Unicode text" is UTF-16 LE with a byte-order mark, tab-separated.
    (HERE / "zoom-participants-session1-utf16le.csv").write_bytes(
        b"\xff\xfe" + _csv(full, "\t", csv.QUOTE_ALL).encode("utf-16-le"))
    (HERE / "zoom-participants-session1-utf16be.csv").write_bytes(
        b"\xfe\xff" + _csv(full, quoting=csv.QUOTE_ALL).encode("utf-16-be"))
    (HERE / "zoom-participants-session1-cp1252.csv").write_bytes(_csv(plain, ";").encode("cp1252"))
    waiting = _with_waiting_room(plain)
    (HERE / "zoom-participants-session1-waiting-room.csv").write_bytes(
        b"\xef\xbb\xbf" + _csv(full[:3] + waiting, quoting=csv.QUOTE_ALL).encode("utf-8"))
    new = [NEW_HEADER] + [row[:6] + row[7:] for row in waiting[1:]]
    (HERE / "zoom-participants-session1-waiting-room-new-columns.csv").write_bytes(_csv(new).encode("utf-8"))
    day_first = [full[0], full[1][:2] + [_day_first_24h(v) for v in full[1][2:4]] + full[1][4:], []]
    day_first += [plain[0]] + [row[:2] + [_day_first_24h(v) for v in row[2:4]] + row[4:] for row in plain[1:]]
    day_first[1][1] = "DPG and Open Source - Session 2"
    (HERE / "zoom-participants-session2-day-first.csv").write_bytes(
        b"\xef\xbb\xbf" + _csv(day_first, quoting=csv.QUOTE_ALL).encode("utf-8"))


if __name__ == "__main__":
    main()
