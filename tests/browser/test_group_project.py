"""A participant uploads the group's project from a phone; an instructor grades it and
releases the grade; the participant sees it, and their local meeting window."""
from __future__ import annotations

from playwright.sync_api import expect

from lms.cohorts.models import Role
from lms.core.db import db
from lms.groups import services as groups
from tests.browser.axe import assert_accessible
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_reschedule import _log_in, _open
from tests.conftest import enrol, make_cohort, make_session, make_user

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
MEMBERS = [("lan@example.org", "Nguyễn Thị Lan", "VN", "Asia/Ho_Chi_Minh"),
           ("amit@example.org", "अमित कुमार", "IN", "Asia/Kolkata"),
           ("wang@example.org", "王芳", "CN", "Asia/Shanghai"),
           ("ivan@example.org", "Иван Петров", "UA", "Europe/Kyiv"),
           ("mohamed@example.org", "محمد عبد الله", "EG", "Africa/Cairo")]


def test_participant_uploads_and_instructor_grades(new_page, ctx, tmp_path):
    cohort = make_cohort(title="DPG and Open Source 2024")
    for number in range(1, 6):
        make_session(cohort, number)
    people = [make_user(email, name, country=country, timezone=zone) for email, name, country, zone in MEMBERS]
    for person in people:
        enrol(person, cohort, Role.PARTICIPANT)
    enrol(make_user("ines@example.org", "Ines Instructor", timezone="Europe/Zurich"), cohort, Role.INSTRUCTOR)
    groups.set_groups(cohort, {"Group 1": [p.id for p in people]}, None, "import")
    db.session.commit()
    plan = tmp_path / "kế hoạch DPG.pdf"
    plan.write_bytes(PDF)

    lan = new_page(PHONE)
    _log_in(lan, "lan@example.org")
    _open(lan, "/cohorts/itu-dpg-oss-2024")
    lan.get_by_role("link", name="Your group").click()
    expect(lan.get_by_role("heading", name="Your group: Group 1")).to_be_visible()
    assert_accessible(lan)
    expect(lan.get_by_text("Viet Nam").or_(lan.get_by_text("Vietnam"))).to_be_visible()
    expect(lan.get_by_role("row", name="अमित कुमार")).to_contain_text("Asia/Kolkata")
    lan.get_by_role("link", name="The group project: brief and uploads").click()
    expect(lan.get_by_role("heading", name="Final group project: a DPG use case", exact=False)).to_be_visible()
    expect(lan.get_by_text("Wed 27 Nov 2024, 21:00")).to_be_visible()  # 14:00 UTC in Ho Chi Minh City
    assert_accessible(lan)
    lan.get_by_label("File").set_input_files(str(plan))
    lan.get_by_role("button", name="Upload").click()
    expect(lan.get_by_text("Version 1 uploaded")).to_be_visible()
    assert_accessible(lan)
    lan.get_by_role("button", name="Mark version 1 final").click()
    expect(lan.get_by_text("Version 1 is now your group's final version.")).to_be_visible()
    assert_accessible(lan)
    screenshot(lan, "project-participant-uploaded")

    ines = new_page(DESKTOP)
    _log_in(ines, "ines@example.org")
    _open(ines, "/cohorts/itu-dpg-oss-2024")
    ines.get_by_role("link", name="Group project").click()
    expect(ines.get_by_role("cell", name="version 1 (final)", exact=False)).to_be_visible()
    assert_accessible(ines)
    ines.get_by_role("link", name="Group 1").first.click()
    expect(ines.get_by_role("heading", name="Grade Group 1")).to_be_visible()
    assert_accessible(ines)
    expect(ines.get_by_role("link", name="Version 1: kế hoạch DPG.pdf", exact=False)).to_be_visible()
    ines.get_by_label("excellent", exact=False).check()
    ines.get_by_label("Feedback to the group").fill("A convincing plan; the risks are well argued.")
    ines.get_by_label("Release now", exact=False).check()
    ines.get_by_role("button", name="Save grade").click()
    expect(ines.get_by_text("Group 1's grade is saved.")).to_be_visible()
    assert_accessible(ines)
    ines.get_by_label("Level for Иван Петров").select_option("good")
    ines.get_by_label("Reason for Иван Петров").fill("joined the work late")
    ines.get_by_role("button", name="Save for Иван Петров").click()
    expect(ines.get_by_text("Иван Петров's project grade is saved.")).to_be_visible()
    expect(ines.get_by_role("row", name="Иван Петров")).to_contain_text("override: joined the work late")
    assert_accessible(ines)
    screenshot(ines, "project-instructor-graded")

    _open(lan, "/cohorts/itu-dpg-oss-2024/project")
    expect(lan.get_by_text("excellent", exact=True)).to_be_visible()
    expect(lan.get_by_text("A convincing plan; the risks are well argued.")).to_be_visible()
    _open(lan, "/cohorts/itu-dpg-oss-2024/my-grades")
    expect(lan.get_by_role("main")).to_contain_text("60")
