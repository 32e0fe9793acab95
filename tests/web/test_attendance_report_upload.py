"""Issue #8 in the browser: reports in other encodings, delimiters and date orders are
previewed with how they were read and why each row matched; bad files give one message each
and write nothing."""
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.attendance.models import AttendanceRecord
from lms.core.db import db
from tests.conftest import csrf_token
from tests.integration.test_attendance_import import session_of, statuses
from tests.integration.test_attendance_report_variants import DOCUMENTED, HEADER
from tests.web.test_attendance_pages import _instructor

DATA = Path(__file__).resolve().parents[1] / "data"
C = "/cohorts/itu-dpg-oss-2024"


def _upload(client, data: bytes, number=1, **extra):
    page = f"{C}/sessions/{number}/attendance/import"
    return client.post(page, data={"csrf_token": csrf_token(client, page), "zone": "Europe/Zurich",
                                   "stage": "preview", "report": (io.BytesIO(data), "participants.csv"), **extra},
                       content_type="multipart/form-data")


def _confirm(client, page_text: str, number=1):
    """Post the preview page's form back as "Save attendance", with its hidden fields."""
    import html
    import re

    fields = {name: html.unescape(value) for name, value in
              re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page_text)}
    page = f"{C}/sessions/{number}/attendance/import"
    return client.post(page, data={**fields, "csrf_token": csrf_token(client, page), "stage": "confirm"})


def test_a_utf16_tab_report_is_previewed_with_how_it_was_read_and_saved(client, ctx):
    cohort = _instructor(client)
    preview = _upload(client, (DATA / "zoom-participants-session1-utf16le.csv").read_bytes()).get_data(as_text=True)
    assert "File read as UTF-16 LE with BOM, tab-separated, dates read as month/day/year." in preview
    assert "e-mail amina.diallo@example.org" in preview
    assert "name “Kwame Mensah” = “Kwame Mensah”" in preview
    assert _confirm(client, preview).status_code == 302
    assert statuses(session_of(cohort)) == DOCUMENTED


def test_a_windows_1252_report_keeps_accented_names(client, ctx):
    cohort = _instructor(client)
    raw = (DATA / "zoom-participants-session1-cp1252.csv").read_bytes().replace(
        b'lucia.fernandez@example.org', b'')  # matched by her accented name only
    preview = _upload(client, raw).get_data(as_text=True)
    assert "File read as Windows-1252, semicolon-separated" in preview
    assert "name “Lucía Fernández” = “Lucía Fernández”" in preview
    assert _confirm(client, preview).status_code == 302
    assert statuses(session_of(cohort))["Lucía Fernández"] == ("present", 120)


def test_waiting_room_rows_and_a_chosen_date_order_are_said(client, ctx):
    cohort = _instructor(client)
    waiting = _upload(client, (DATA / "zoom-participants-session1-waiting-room-new-columns.csv").read_bytes())
    assert "4 waiting-room rows not counted" in waiting.get_data(as_text=True)
    day_first = _upload(client, (DATA / "zoom-participants-session2-day-first.csv").read_bytes(), number=2)
    text = day_first.get_data(as_text=True)
    assert "dates read as day/month/year" in text and "read as day/month/year, which puts it on session 2" in text
    assert _confirm(client, text, number=2).status_code == 302
    assert statuses(session_of(cohort, 2)) == DOCUMENTED


def test_names_that_cannot_match_are_listed_without_a_mapping_choice(client, ctx):
    _instructor(client)
    raw = (HEADER + '"Иван Петров","","10/30/2024 03:00 PM","10/30/2024 05:00 PM"\n'
           '"🙂","","10/30/2024 03:00 PM","10/30/2024 05:00 PM"\n').encode()
    text = _upload(client, raw).get_data(as_text=True)
    assert "Иван Петров" in text and 'name="map-иван петров"' in text
    assert "the name has no letters or digits to match by" in text and 'name="map-"' not in text


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty"),
    (bytes(range(256)) * 8, "the file is not text"),
    (b"\x89PNG\r\n\x1a\n" + bytes(32), "it looks like a spreadsheet, PDF, image or archive"),
    (b"Participant\tMinutes\nAmina\t120\n", "the columns are Participant, Minutes"),
    (HEADER.encode() + b'"A","a@x.org","10/30/2024 25:00","10/30/2024 05:00 PM"\n', "is not a time"),
    (HEADER.encode() + b'"' + b"A" * 200_000 + b'","a@x.org","x","y"\n', "a field is longer than"),
])
def test_a_bad_file_gives_one_message_and_writes_nothing(client, ctx, content, message):
    _instructor(client)
    response = _upload(client, content)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert message in page and "Nothing was imported." in page
    assert db.session.execute(sa.select(sa.func.count(AttendanceRecord.id))).scalar() == 0
