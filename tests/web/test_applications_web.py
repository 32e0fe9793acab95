"""The application pages through the test client: the window in the visitor's zone, the
form keeping what was typed when something is wrong, attachments only for the cohort's
reviewers, the blind detail page, the review table's filters and sorting, and the 33rd
selection refused at the ITU capacity."""
from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import sqlalchemy as sa

from lms.applications import services
from lms.applications.models import Application, ApplicationStatus
from lms.cohorts.models import Role
from lms.core.db import db
from tests.applying import PEOPLE, applicants, docx, open_cohort, pdf, submitted
from tests.conftest import enrol, log_in_as, make_cohort, make_user, post_form

C = "/cohorts/itu-dpg-oss-2024"


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_the_cohort_page_shows_the_closing_time_in_the_visitors_zone(client, ctx):
    cohort = open_cohort()
    cohort.applications_close_at = datetime(2030, 3, 31, 21, 59, tzinfo=UTC)
    db.session.commit()
    assert "Applications are open until" in _text(client.get(C))
    assert "Sun 31 Mar 2030, 23:59 (Europe/Zurich)" in _text(client.get(C))  # anonymous: the cohort's zone
    for zone, shown in [("Asia/Kolkata", "Mon 1 Apr 2030, 03:29 (Asia/Kolkata)"),
                        ("America/Los_Angeles", "Sun 31 Mar 2030, 14:59 (America/Los_Angeles)"),
                        ("Pacific/Auckland", "Mon 1 Apr 2030, 10:59 (Pacific/Auckland)")]:
        user = make_user(f"{zone.split('/')[1].lower()}@example.org", "Виктор", timezone=zone)
        log_in_as(client, user.id)
        assert shown in _text(client.get(C)), zone
    assert "does not take applications" not in _text(client.get(f"{C}/apply"))


def test_a_refused_submission_keeps_every_answer_and_says_what_is_missing(client, ctx):
    open_cohort()
    email, name, code, _ = PEOPLE[3]
    user = make_user(email, name)
    log_in_as(client, user.id)
    form = {"country": code, "organisation": "इलेक्ट्रॉनिकी मंत्रालय", "gender": "woman",
            "q-position": "निदेशक", "q-english": "yes", "submit": "Submit application",
            "cv": (io.BytesIO(b"<html><script>x</script></html>"), "cv.pdf")}
    page = _text(post_form(client, f"{C}/apply", form))
    assert "The CV: This file does not look like a .pdf file" in page
    assert 'value="निदेशक"' in page and 'value="yes" checked' in page
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0

    form["cv"] = (io.BytesIO(pdf()), "cv.pdf")
    page = _text(post_form(client, f"{C}/apply", form))
    assert "saved as a draft, but the application is not submitted yet" in page or "Answer “" in page
    assert "Attach your recommendation or motivation letter" in page
    application = db.session.scalars(sa.select(Application)).one()
    assert application.status == ApplicationStatus.DRAFT and application.answers["position"] == "निदेशक"


def test_attachments_are_for_the_cohorts_reviewers_only(client, ctx):
    cohort = open_cohort()
    applicant = make_user("linh@example.org", "Nguyễn Thị Linh", country="VN")
    application = services.save_application(cohort, applicant, {}, services.Profile("VN", "", ""), {
        "cv": services.Upload(io.BytesIO(pdf("Linh")), "cv.pdf"),
        "letter": services.Upload(io.BytesIO(docx()), "thư.docx")})
    application.status = ApplicationStatus.SUBMITTED  # the questionnaire is tested elsewhere
    db.session.commit()
    url = f"{C}/applications/{application.id}/files/cv"
    other = make_cohort("other-2025")
    outsider_coordinator = make_user("other@example.org", "Other Coordinator")
    enrol(outsider_coordinator, other, Role.COORDINATOR)
    instructor = make_user("ines@example.org", "Ines")
    enrol(instructor, cohort, Role.INSTRUCTOR)
    coordinator = make_user("clara@example.org", "Clara")
    enrol(coordinator, cohort, Role.COORDINATOR)
    for user, status in [(applicant, 403), (outsider_coordinator, 403), (instructor, 403), (coordinator, 200)]:
        log_in_as(client, user.id)
        response = client.get(url)
        assert response.status_code == status, user.email
    assert response.data == pdf("Linh") and response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert client.get(f"{C}/applications/{application.id}/files/passport").status_code == 404
    assert client.get(f"/cohorts/other-2025/applications/{application.id}").status_code == 403


def test_the_detail_page_is_blind_until_the_reviewer_has_scored(client, ctx):
    cohort = open_cohort()
    application = applicants(cohort, 1)[0]
    clara, chen = make_user("clara@example.org", "Clara"), make_user("chen@example.org", "陈静")
    for user in (clara, chen):
        enrol(user, cohort, Role.COORDINATOR)
    log_in_as(client, clara.id)
    scores = {"score-entry_requirements": "5", "score-role_relevance": "5", "score-digital_service": "5",
              "score-motivation": "4"}
    assert post_form(client, f"{C}/applications/{application.id}/score", scores).status_code == 302
    log_in_as(client, chen.id)
    page = _text(client.get(f"{C}/applications/{application.id}"))
    assert "Hidden until you have scored this application yourself." in page and "Clara" not in page
    refused = _text(post_form(client, f"{C}/applications/{application.id}/score",
                              {**scores, "score-motivation": "9"}))
    assert "The score for “Motivation, and the recommendation or motivation letter”" in refused
    assert 'value="9"' in refused  # what was typed stays
    post_form(client, f"{C}/applications/{application.id}/score", {**scores, "score-motivation": "0"})
    page = _text(client.get(f"{C}/applications/{application.id}"))
    assert "<th scope=\"row\">Clara</th>" in page and "<th scope=\"row\">陈静</th>" in page
    table = _text(client.get(f"{C}/applications"))
    assert "17.00 (2)" in table


def test_the_review_table_filters_and_sorts(client, ctx):
    cohort = open_cohort()
    for email, name, code, gender in PEOPLE:
        submitted(cohort, make_user(email, name, country=code, gender=gender, organisation=f"Ministry {code}"))
    clara = make_user("clara@example.org", "Clara")
    enrol(clara, cohort, Role.COORDINATOR)
    log_in_as(client, clara.id)

    def names(query: str) -> list[str]:
        page = client.get(f"{C}/applications?{query}").get_data(as_text=True)
        return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', page)

    assert names("developing=no") == ["Hans Müller"]
    assert names("region=Asia&sort=name") == sorted(["Ольга Смирнова", "王伟", "प्रिया शर्मा", "Nguyễn Thị Linh"],
                                                   key=str.casefold)
    assert names("gender=man&sort=country&order=desc") == ["Hans Müller", "王伟"]  # Germany, China
    assert names("organisation=ministry+eg") == ["أمينة الحسن"]
    assert names("country=VN") == ["Nguyễn Thị Linh"]
    assert "No application matches these filters" in client.get(f"{C}/applications?status=selected").get_data(
        as_text=True)


def test_the_33rd_selection_is_refused_on_the_page(client, ctx):
    cohort = open_cohort(capacity=32)
    clara = make_user("clara@example.org", "Clara")
    enrol(clara, cohort, Role.COORDINATOR)
    apps = applicants(cohort, 33)
    for application in apps[:32]:
        services.decide(application, ApplicationStatus.SELECTED, "", clara)
    db.session.commit()
    log_in_as(client, clara.id)
    page = _text(post_form(client, f"{C}/applications/{apps[32].id}/decide", {"status": "selected", "note": ""}))
    assert "The cohort is full: all 32 places are taken." in page
    assert db.session.get(Application, apps[32].id).status == ApplicationStatus.SUBMITTED
    figures = _text(client.get(f"{C}/applications"))
    assert "32 of 32 places" in figures and "Women among the selected</dt><dd>32 (100 %)" in figures


def test_the_review_page_costs_the_same_statements_for_10_and_40_applications(app, ctx):
    """Like tests/web/test_page_work.py: the review table, its figures and chart run a fixed
    number of SQL statements whatever the number of applications (no query per row)."""
    from tests.conftest import empty_tables
    from tests.web.test_page_work import measured

    counts = {}
    for size in (10, 40):
        cohort = open_cohort()
        clara = make_user("clara@example.org", "Clara")
        enrol(clara, cohort, Role.COORDINATOR)
        for application in applicants(cohort, size):
            if application.id % 3 == 0:
                services.decide(application, ApplicationStatus.SELECTED, "", clara)
        db.session.commit()
        client = app.test_client()
        log_in_as(client, clara.id)
        assert client.get(f"{C}/applications").status_code == 200
        with measured() as seen:
            assert client.get(f"{C}/applications?sort=score").status_code == 200
        counts[size] = seen["statements"]
        db.session.remove()
        empty_tables()
    assert counts == {10: 6, 40: 6}
