"""Attendance pages: roll call, report import with preview and mapping, participation
marks, and the overview grid."""
import io
import re
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from lms.attendance.models import AttendanceRecord, NameMapping, ParticipationMark
from lms.cohorts.models import Role
from lms.cohorts.services import add_member
from lms.core.db import db
from tests.conftest import csrf_token, enrol, login, make_user
from tests.integration.test_attendance_import import itu_cohort, session_of, statuses

DATA = Path(__file__).resolve().parents[1] / "data"
C = "/cohorts/itu-dpg-oss-2024"


def _instructor(client):
    cohort = itu_cohort()
    enrol(make_user("ines@example.org", "Ines Instructor"), cohort, Role.INSTRUCTOR)
    login(client, "ines@example.org")
    return cohort


def _user_id(email):
    from lms.auth.models import User

    return db.session.execute(sa.select(User.id).where(User.email == email)).scalar_one()


def test_roll_call_by_hand_with_a_bulk_action(client, ctx):
    cohort = _instructor(client)
    page = f"{C}/sessions/1/attendance"
    amina, grace = _user_id("amina.diallo@example.org"), _user_id("grace@example.org")
    response = client.post(page, data={"csrf_token": csrf_token(client, page), f"status-{grace}": "excused",
                                       f"note-{grace}": "Ministry meeting", f"status-{amina}": "late",
                                       f"minutes-{amina}": "50", "bulk": "present"})
    assert response.status_code == 302
    from tests.integration.test_attendance_import import session_of

    result = statuses(session_of(cohort))
    assert result["Grace Namukasa"] == ("excused", None) and result["Amina Diallo"] == ("late", 50)
    assert result["Rahul Mehta"] == ("present", None) and len(result) == 7
    assert "Attendance saved (7 changes)." in client.get(page).get_data(as_text=True)


def test_roll_call_refuses_bad_minutes_and_keeps_what_was_typed(client, ctx):
    _instructor(client)
    page = f"{C}/sessions/1/attendance"
    amina = _user_id("amina.diallo@example.org")
    text = client.post(page, data={"csrf_token": csrf_token(client, page), f"status-{amina}": "present",
                                   f"minutes-{amina}": "500", f"note-{amina}": "kept note"}).get_data(as_text=True)
    assert "Nothing was saved: Minutes for Amina Diallo: 500 is outside 0–120" in text
    assert 'value="kept note"' in text
    assert db.session.execute(sa.select(sa.func.count(AttendanceRecord.id))).scalar() == 0


def _upload(client, data: bytes, **extra):
    page = f"{C}/sessions/1/attendance/import"
    return client.post(page, data={"csrf_token": csrf_token(client, page), "zone": "Europe/Zurich",
                                   "stage": "preview", "report": (io.BytesIO(data), "participants.csv"), **extra},
                       content_type="multipart/form-data")


def test_import_shows_a_preview_then_saves_with_a_mapping(client, ctx):
    cohort = _instructor(client)
    raw = (DATA / "zoom-participants-session1.csv").read_bytes().replace(b'"Kwame Mensah"', b'"KM phone"')
    preview = _upload(client, raw).get_data(as_text=True)
    assert "Check before saving" in preview and "KM phone" in preview and "Staff in the meeting" in preview
    assert db.session.execute(sa.select(sa.func.count(AttendanceRecord.id))).scalar() == 0
    text = raw.decode("utf-8-sig")
    kwame = _user_id("kwame@example.org")
    page = f"{C}/sessions/1/attendance/import"
    response = client.post(page, data={"csrf_token": csrf_token(client, page), "zone": "Europe/Zurich",
                                       "report_text": text, "map-km phone": str(kwame), "stage": "confirm"})
    assert response.status_code == 302
    from tests.integration.test_attendance_import import session_of

    assert statuses(session_of(cohort))["Kwame Mensah"] == ("present", 115)
    assert db.session.execute(sa.select(NameMapping.user_id)).scalar_one() == kwame


def test_import_of_a_wrong_file_says_which_columns_and_saves_nothing(client, ctx):
    _instructor(client)
    response = _upload(client, b"Participant,Minutes\nAmina,120\n")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "expected Name (Original Name), User Email, Join Time, Leave Time" in page
    assert "Nothing was imported." in page
    assert db.session.execute(sa.select(sa.func.count(AttendanceRecord.id))).scalar() == 0


def test_import_refuses_a_report_for_another_day_until_confirmed(client, ctx):
    cohort = _instructor(client)
    raw = (DATA / "zoom-participants-session1-plain.csv").read_bytes().replace(b"10/30/2024", b"10/31/2024")
    response = _upload(client, raw)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This report is from 31 Oct 2024, but session 1 was on 30 Oct 2024 (Europe/Zurich)" in page
    assert "tick “The report is from another day” and upload it again" in page
    assert 'name="other_date"' in page
    confirmed = _upload(client, raw, other_date="1").get_data(as_text=True)
    assert "Check before saving" in confirmed and "Imported as you confirmed" in confirmed
    assert '<input type="hidden" name="other_date" value="1">' in confirmed
    page = f"{C}/sessions/1/attendance/import"
    unconfirmed = client.post(page, data={"csrf_token": csrf_token(client, page), "zone": "Europe/Zurich",
                                          "report_text": raw.decode("utf-8-sig"), "stage": "confirm"})
    assert unconfirmed.status_code == 302 and statuses(session_of(cohort)) == {}
    saved = client.post(page, data={"csrf_token": csrf_token(client, page), "zone": "Europe/Zurich",
                                    "report_text": raw.decode("utf-8-sig"), "stage": "confirm", "other_date": "1"})
    assert saved.status_code == 302
    assert statuses(session_of(cohort))["Amina Diallo"] == ("absent", 0)


def test_participation_marks_per_course_within_the_maximum(client, ctx):
    _instructor(client)
    page = f"{C}/participation"
    amina = _user_id("amina.diallo@example.org")
    bad = client.post(page, data={"csrf_token": csrf_token(client, page), f"points-{amina}-course": "16"})
    assert "Participation mark for Amina Diallo: 16 is outside 0–15" in bad.get_data(as_text=True)
    ok = client.post(page, data={"csrf_token": csrf_token(client, page), f"points-{amina}-course": "12.5",
                                 f"note-{amina}-course": "Led the breakout on procurement"})
    assert ok.status_code == 302
    mark = db.session.execute(sa.select(ParticipationMark)).scalar_one()
    assert (str(mark.points), mark.note, mark.session_id) == ("12.50", "Led the breakout on procurement", None)
    overview = client.get(f"{C}/attendance").get_data(as_text=True)
    assert "12.50" in overview


@contextmanager
def count_queries():
    counted = []

    def before(conn, cursor, statement, parameters, context, executemany):
        counted.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield counted
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


def test_overview_reads_as_text_and_its_queries_do_not_grow_with_the_cohort(client, ctx):
    """Computed (the first visit, or after a write) and kept (the rows reused while the
    cohort's grades stamp stands): each costs the same at 7 and at 32 participants."""
    cohort = _instructor(client)
    with count_queries() as small:
        client.get(f"{C}/attendance")
    with count_queries() as small_kept:
        page = client.get(f"{C}/attendance").get_data(as_text=True)
    assert "7 participants × 5 sessions held" in page and "not marked" in page
    for i in range(25):  # each enrolment takes the cohort's lock: the kept rows no longer hold
        add_member(cohort, make_user(f"extra{i}@example.org", f"Extra {i:02d}"), Role.PARTICIPANT)
    db.session.commit()
    with count_queries() as large:
        page = client.get(f"{C}/attendance").get_data(as_text=True)
    assert "32 participants × 5 sessions held" in page
    with count_queries() as large_kept:
        page = client.get(f"{C}/attendance").get_data(as_text=True)
    assert "32 participants × 5 sessions held" in page and "Extra 24" in page
    assert len(large) == len(small) == 6 and len(large_kept) == len(small_kept) == 4


def _overview_row(client, name):
    page = client.get(f"{C}/attendance").get_data(as_text=True)
    return re.search(rf"<tr><th scope=\"row\">{re.escape(name)}</th>(.*?)</tr>", page).group(1)


def test_the_kept_overview_follows_every_write(client, ctx):
    """Kept rows are reused only while nothing they were computed from has changed: a roll
    call, a participation mark and a cancelled session each show at the next visit, and a
    renamed participant is shown by the new name while the rows stay kept."""
    from lms.auth.models import User
    from lms.sessions.services import cancel_session

    cohort = _instructor(client)
    amina = _user_id("amina.diallo@example.org")
    assert "st-none" in _overview_row(client, "Amina Diallo")
    page = f"{C}/sessions/1/attendance"
    assert client.post(page, data={"csrf_token": csrf_token(client, page), f"status-{amina}": "late",
                                   f"minutes-{amina}": "50"}).status_code == 302
    assert "st-late" in _overview_row(client, "Amina Diallo")
    page = f"{C}/participation"
    assert client.post(page, data={"csrf_token": csrf_token(client, page),
                                   f"points-{amina}-course": "12.5"}).status_code == 302
    assert "<td>12.50</td>" in _overview_row(client, "Amina Diallo")
    db.session.get(User, amina).name = "Амина Диалло"  # a name is not a grade: no lock, no new stamp
    db.session.commit()
    with count_queries() as renamed:
        row = _overview_row(client, "Амина Диалло")
    assert "st-late" in row and "<td>12.50</td>" in row and len(renamed) == 4
    cancel_session(session_of(cohort, 5))
    db.session.commit()
    assert "7 participants × 4 sessions held" in client.get(f"{C}/attendance").get_data(as_text=True)


def test_gradebook_queries_do_not_grow_with_the_cohort(client, ctx):
    """Computed (the first visit, or after a write) and kept (the standings reused while the
    cohort's grades stamp stands): each costs the same at 7 and at 37 participants."""
    cohort = _instructor(client)
    with count_queries() as small:
        assert client.get(f"{C}/gradebook").status_code == 200
    with count_queries() as small_kept:
        assert client.get(f"{C}/gradebook").status_code == 200
    for i in range(30):  # each enrolment takes the cohort's lock: the kept standings no longer hold
        add_member(cohort, make_user(f"more{i}@example.org", f"More {i:02d}"), Role.PARTICIPANT)
    db.session.commit()
    with count_queries() as large:
        page = client.get(f"{C}/gradebook").get_data(as_text=True)
    assert "37 participants" in page
    with count_queries() as large_kept:
        page = client.get(f"{C}/gradebook").get_data(as_text=True)
    assert "37 participants" in page and "More 29" in page
    assert len(large) == len(small) == 9 and len(large_kept) == len(small_kept) == 3


def test_an_overview_row_escapes_the_name_and_shows_rate_points_and_a_missing_mark(client, ctx):
    """The rows are written in Python (``overview_row_html``): a name that is markup stays
    text; the rate, the attendance points and the participation mark (or a dash) follow."""
    from decimal import Decimal

    from lms.attendance.models import AttendanceRecord, AttendanceSource, ParticipationMark
    from lms.auth.models import User

    cohort = _instructor(client)
    amina = _user_id("amina.diallo@example.org")
    db.session.get(User, amina).name = "<script>x</script> O'Brien \"عائشة\""
    first = min(cohort.sessions, key=lambda s: s.number)
    db.session.add(AttendanceRecord(session_id=first.id, user_id=amina, status="late", minutes=50,
                                    source=AttendanceSource.MANUAL, note=""))
    db.session.add(ParticipationMark(cohort_id=cohort.id, user_id=amina, session_id=None, points=Decimal("7.5"),
                                     note=""))
    db.session.commit()
    page = client.get(f"{C}/attendance").get_data(as_text=True)
    rows = {re.search(r'<th scope="row">(.*?)</th>', row).group(1): row for row in page.split("<tr>")[2:-1]}
    row = rows["&lt;script&gt;x&lt;/script&gt; O&#39;Brien &#34;عائشة&#34;"]
    late = '<td class="st st-late"><span aria-hidden="true">L</span><span class="visually-hidden">late</span></td>'
    assert late in row
    assert "<td>100 %</td>" in row and "<td>3.00</td>" in row and "<td>7.50</td>" in row and "<script>" not in page
    grace_row = rows["Grace Namukasa"]
    assert "<td>—</td>" in grace_row  # no session marked: no rate; no participation mark: a dash
