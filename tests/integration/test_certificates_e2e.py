"""The ITU cohort from marks to certificates: marks entered in the browser and imported,
finalised with a confirm step, exactly 80 gets nothing and 80.5 gets a certificate, the
public page verifies it, and the exported CSV and XLSX read back."""
import csv
import io
import json
from pathlib import Path

import sqlalchemy as sa

from lms.audit.models import AuditEvent
from lms.certificates.models import Certificate
from lms.cohorts.models import CohortStatus, Role
from lms.core.db import db
from lms.courses.loader import load_course_file
from lms.courses.services import import_course
from tests.conftest import csrf_token, enrol, login, make_user

ROOT = Path(__file__).resolve().parents[2]
C = "/cohorts/itu-dpg-oss-2024"
PEOPLE = {"eighty@example.org": "Exactly Eighty", "eighty.five@example.org": "Eighty Point Five",
          "top@example.org": "Top Marks", "late@example.org": "Late Project", "formula@example.org": "=HYPERLINK(1)"}


def _setup(client):
    import_course(load_course_file(ROOT / "courses" / "itu-dpg-oss.toml"))
    db.session.commit()
    from lms.cohorts.services import get_cohort

    cohort = get_cohort("itu-dpg-oss-2024")
    users = {email: make_user(email, name) for email, name in PEOPLE.items()}
    for user in users.values():
        enrol(user, cohort, Role.PARTICIPANT)
    enrol(make_user("clara@example.org", "Clara Coordinator"), cohort, Role.COORDINATOR)
    login(client, "clara@example.org")
    return cohort, users


def _grades_csv(tmp_path, text):
    path = tmp_path / "grades.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_itu_cohort_from_marks_to_verified_certificates(client, runner, ctx, tmp_path):
    cohort, users = _setup(client)
    # Imported: knowledge check, attendance and the project (level names).
    result = runner.invoke(args=["lms", "import-grades", "itu-dpg-oss-2024", _grades_csv(tmp_path, (
        "email,knowledge_check,attendance,final_project\n"
        "eighty@example.org,10,15,good\n"
        "eighty.five@example.org,10,15,good\n"
        "top@example.org,10,15,excellent\n"
        "late@example.org,10,15,\n"
        "formula@example.org,10,15,excellent\n"))])
    assert result.exit_code == 0, result.output
    assert "5 participant(s): 14 mark(s) changed" in result.output
    # Entered in the browser: participation.
    page = f"{C}/gradebook"
    form = {"csrf_token": csrf_token(client, page)}
    for email, points in [("eighty@example.org", "5"), ("eighty.five@example.org", "5.5"), ("top@example.org", "15"),
                          ("late@example.org", "15"), ("formula@example.org", "12")]:
        form[f"mark-{users[email].id}-participation"] = points
    assert client.post(page, data=form).status_code == 302
    book = client.get(page + "?sort=total").get_data(as_text=True)
    assert "Marks saved (5 changes)." in book
    assert "80.00" in book and "80.50" in book
    assert "missing: final_project" in book

    # The confirm step shows who passes, then finalising issues.
    confirm = client.get(f"{C}/finalise").get_data(as_text=True)
    assert "Finalise and issue 3 new certificates" in confirm and "Late Project (final_project)" in confirm
    assert db.session.execute(sa.select(sa.func.count(Certificate.id))).scalar() == 0
    assert client.post(f"{C}/finalise", data={"csrf_token": csrf_token(client, f"{C}/finalise")}).status_code == 302
    certificates = {c.user_id: c for c in db.session.execute(sa.select(Certificate)).scalars()}
    assert users["eighty@example.org"].id not in certificates
    assert users["eighty.five@example.org"].id in certificates
    assert len(certificates) == 3
    assert db.session.get(type(cohort), cohort.id).status == CohortStatus.FINALISED

    # Running again never issues twice.
    again = runner.invoke(args=["lms", "issue-certificates", "itu-dpg-oss-2024"])
    assert "0 certificate(s) issued, 3 already issued, 2 participant(s) below the threshold" in again.output
    assert db.session.execute(sa.select(sa.func.count(Certificate.id))).scalar() == 3

    # Anyone can verify, and sees only name, course, cohort, date, validity.
    code = certificates[users["eighty.five@example.org"].id].code
    anonymous = client.application.test_client()
    verified = anonymous.get(f"/verify/{code}").get_data(as_text=True)
    assert "Valid certificate" in verified and "Eighty Point Five" in verified
    assert "Digital Public Goods and Open Source" in verified and "80.5" not in verified
    assert "eighty.five@example.org" not in verified
    for unknown in ("/verify/?code=AAAAAAAAAAAAAAAAAAAAAAAA", "/verify/AAAAAAAAAAAAAAAAAAAAAAAA", "/verify/x"):
        response = anonymous.get(unknown)
        assert response.status_code == 404, unknown  # never "200 OK" for a certificate that does not exist
        assert "No certificate has the code" in response.get_data(as_text=True)
    assert anonymous.get(f"/verify/{code}").status_code == 200

    # The certificate list as CSV and XLSX, read back.
    raw = client.get(f"{C}/certificates.csv")
    assert raw.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(raw.get_data(as_text=True).lstrip("\ufeff"))))
    assert list(rows[0]) == ["email", "name", "knowledge_check", "attendance", "participation", "final_project",
                             "total", "certified", "certificate_code"]
    by_email = {r["email"]: r for r in rows}
    assert (by_email["eighty@example.org"]["total"], by_email["eighty@example.org"]["certified"],
            by_email["eighty@example.org"]["certificate_code"]) == ("80.00", "no", "")
    assert (by_email["eighty.five@example.org"]["total"], by_email["eighty.five@example.org"]["certified"],
            by_email["eighty.five@example.org"]["certificate_code"]) == ("80.50", "yes", code)
    assert by_email["eighty.five@example.org"]["participation"] == "5.50"
    assert by_email["late@example.org"]["final_project"] == ""
    assert by_email["formula@example.org"]["name"] == "'=HYPERLINK(1)"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(client.get(f"{C}/certificates.xlsx").data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:2] == ["email", "name"]
    xlsx = {row[0]: row for row in values[1:]}
    assert xlsx["eighty.five@example.org"][6] == 80.5 and xlsx["eighty.five@example.org"][7] == "yes"
    assert xlsx["formula@example.org"][1] == "'=HYPERLINK(1)"

    # The CLI export says the same.
    out = tmp_path / "certs.csv"
    runner.invoke(args=["lms", "export-certificates", "itu-dpg-oss-2024", "--format", "csv", "-o", str(out)])
    assert out.read_bytes() == raw.data


def test_pdf_badge_revoke_and_reopen(client, runner, ctx, tmp_path):
    cohort, users = _setup(client)
    runner.invoke(args=["lms", "import-grades", "itu-dpg-oss-2024", _grades_csv(
        tmp_path, "email,knowledge_check,attendance,participation,final_project\ntop@example.org,10,15,15,60\n")])
    runner.invoke(args=["lms", "issue-certificates", "itu-dpg-oss-2024"])
    certificate = db.session.execute(sa.select(Certificate)).scalar_one()
    owner = client.application.test_client()
    login(owner, "top@example.org")
    pdf = owner.get(f"/certificates/{certificate.code}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert b"/MediaBox [ 0 0 841.8898 595.2756 ]" in pdf.data  # A4 landscape
    assert pdf.headers["Content-Disposition"].startswith("attachment;")
    credential = json.loads(owner.get(f"/certificates/{certificate.code}.json").data)
    import jsonschema

    schema = json.loads((ROOT / "tests" / "data" / "ob_v3p0_achievementcredential_schema.json").read_text())
    jsonschema.Draft201909Validator(schema).validate(credential)
    assert credential["id"].endswith(f"/verify/{certificate.code}")
    assert "top@example.org" not in json.dumps(credential)
    # A finalised cohort refuses mark changes until it is reopened, with a reason, audited.
    changed = runner.invoke(args=["lms", "import-grades", "itu-dpg-oss-2024", _grades_csv(
        tmp_path, "email,participation\ntop@example.org,10\n")])
    assert changed.exit_code == 1 and "finalised" in changed.output
    client.post(f"{C}/reopen", data={"csrf_token": csrf_token(client, f"{C}/certificates"), "reason": ""})
    assert "Say why" in client.get(f"{C}/certificates").get_data(as_text=True)
    client.post(f"{C}/reopen", data={"csrf_token": csrf_token(client, f"{C}/certificates"),
                                     "reason": "Participation mark entered for the wrong person"})
    reopen = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "cohort.reopen")).scalar_one()
    assert reopen.after["reason"] == "Participation mark entered for the wrong person"
    # Revoking shows on the public page.
    client.post(f"/certificates/{certificate.code}/revoke",
                data={"csrf_token": csrf_token(client, f"{C}/certificates"), "reason": "Issued in error"})
    page = client.application.test_client().get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "This certificate has been revoked" in page and "Issued in error" not in page
    zipped = tmp_path / "all.zip"
    empty = runner.invoke(args=["lms", "certificates-zip", "itu-dpg-oss-2024", "-o", str(zipped)])
    assert empty.exit_code == 1 and "no valid certificates" in empty.output


def test_import_grades_reports_every_bad_cell_and_writes_nothing(runner, client, ctx, tmp_path):
    _setup(client)
    result = runner.invoke(args=["lms", "import-grades", "itu-dpg-oss-2024", _grades_csv(tmp_path, (
        "email,knowledge_check,final_project,quiz\n"))])
    assert result.exit_code == 1 and "unknown column(s) quiz" in result.output
    result = runner.invoke(args=["lms", "import-grades", "itu-dpg-oss-2024", _grades_csv(tmp_path, (
        "email,knowledge_check,attendance,final_project\n"
        "top@example.org,11,15,brilliant\n"
        "nobody@example.org,10,15,good\n"
        "late@example.org,ten,15,45\n"
        "top@example.org,10,15,good\n"))])
    assert result.exit_code == 1
    for fragment in ("line 2: knowledge_check: 11 is outside 0–10", "line 2: final_project: 'brilliant' is not a "
                     "number or one of submission, good, excellent", "line 3: nobody@example.org is not a participant",
                     "line 4: knowledge_check: 'ten' is not a number", "line 4: final_project: 45 is not a level's",
                     "line 5: top@example.org is already on line 2"):
        assert fragment in result.output, fragment
    from lms.gradebook.models import Mark

    assert db.session.execute(sa.select(sa.func.count(Mark.id))).scalar() == 0


def test_participant_sees_their_breakdown_and_what_is_still_possible(client, ctx, tmp_path, runner):
    _setup(client)
    runner.invoke(args=["lms", "import-grades", "itu-dpg-oss-2024", _grades_csv(
        tmp_path, "email,knowledge_check,attendance\nlate@example.org,10,9\n")])
    me = client.application.test_client()
    login(me, "late@example.org")
    page = me.get(f"{C}/my-grades").get_data(as_text=True)
    assert "Total so far: <strong>19.00 %</strong>" in page
    assert "You need more than 61.00 more percentage points" in page
    assert "you could reach 94.00 %" in page
    runner.invoke(args=["lms", "import-grades", "itu-dpg-oss-2024", _grades_csv(
        tmp_path, "email,final_project,participation\nlate@example.org,40,10\n")])
    page = me.get(f"{C}/my-grades").get_data(as_text=True)
    assert "not enough for the certificate" in page


def test_staff_see_who_can_no_longer_pass(client, ctx, tmp_path, runner):
    _setup(client)
    runner.invoke(args=["lms", "import-grades", "itu-dpg-oss-2024", _grades_csv(tmp_path, (
        "email,knowledge_check,attendance,final_project\n"
        "late@example.org,10,5,40\n"
        "top@example.org,10,15,\n"))])
    page = client.get(f"{C}/gradebook").get_data(as_text=True)
    row = page.split('<th scope="row">Late Project</th>')[1].split("</tr>")[0]
    assert "can no longer pass" in row
    top = page.split('<th scope="row">Top Marks</th>')[1].split("</tr>")[0]
    assert "on track" in top and "at risk" not in top  # 55 of the 75 points to come: under three quarters
