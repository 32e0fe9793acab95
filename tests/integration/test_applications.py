"""Applications through the service layer: drafts and submission, files, one per person,
capacity (the 33rd is refused), the waitlist's offers and their expiry, blind scoring,
the suggested order, the figures, the export and the retention purge."""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from fractions import Fraction

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from lms.applications import review, services
from lms.applications.models import Application, ApplicationStatus
from lms.audit.models import AuditEvent
from lms.cohorts.models import Membership, Role
from lms.core import time as lms_time
from lms.core.db import db
from lms.core.errors import ConflictError, ValidationError
from lms.core.time import utcnow
from lms.notifications.models import OutboxMessage
from tests.applying import ANSWERS, PEOPLE, applicants, docx, open_cohort, pdf, submitted
from tests.conftest import enrol, make_user

S = ApplicationStatus


def _profile(code="EG", gender="woman"):
    return services.Profile(code, "Ministry of Communications", gender)


def _participants(cohort) -> int:
    return db.session.scalar(sa.select(sa.func.count(Membership.id)).where(
        Membership.cohort_id == cohort.id, Membership.role == Role.PARTICIPANT))


def _mails(address: str) -> list[str]:
    return list(db.session.execute(sa.select(OutboxMessage.subject).where(OutboxMessage.recipient == address)
                                   .order_by(OutboxMessage.id)).scalars())


def test_a_draft_is_kept_until_it_is_complete_and_then_submitted(ctx):
    cohort = open_cohort()
    email, name, code, gender = PEOPLE[0]
    user = make_user(email, name)
    partial = {"position": "Director, وزارة الاتصالات", "english": "yes"}
    application = services.save_application(cohort, user, partial, _profile(code, gender), {})
    db.session.commit()
    assert application.status == S.DRAFT and application.answers["position"] == "Director, وزارة الاتصالات"
    with pytest.raises(ValidationError) as refused:
        services.submit_application(application)
    problems = refused.value.problems
    assert "Answer “Highest degree completed, and its field”." in problems
    assert problems[-2:] == ["Attach your CV (PDF, DOCX or ODT).",
                             "Attach your recommendation or motivation letter (PDF, DOCX or ODT)."]
    uploads = {"cv": services.Upload(io.BytesIO(pdf()), "سيرة ذاتية.pdf"),
               "letter": services.Upload(io.BytesIO(docx()), "letter.docx")}
    services.save_application(cohort, user, ANSWERS, _profile(code, gender), uploads)
    services.submit_application(application)
    db.session.commit()
    assert application.status == S.SUBMITTED and application.submitted_at is not None
    assert sorted(f.kind for f in application.files) == ["cv", "letter"]
    stored = services.stored_path(services.file_of(application, "letter"))
    assert stored.read_bytes() == docx()
    assert (user.country, user.gender) == ("EG", "woman")
    # Edited after submitting, while the window is open: still submitted, the old file gone.
    old_cv = services.stored_path(services.file_of(application, "cv"))
    services.save_application(cohort, user, {**ANSWERS, "motivation": "Changed"}, _profile(code, gender),
                              {"cv": services.Upload(io.BytesIO(pdf("new")), "cv2.pdf")})
    db.session.commit()
    assert application.status == S.SUBMITTED and application.answers["motivation"] == "Changed"
    assert not old_cv.exists() and services.file_of(application, "cv").original_name == "cv2.pdf"


@pytest.mark.parametrize("filename, data, message", [
    ("cv.pdf", b"<!doctype html><html><script>alert(1)</script></html>", "does not look like a .pdf file"),
    ("cv.exe", b"MZ", "are not accepted"),
    ("cv.png", b"\x89PNG\r\n\x1a\n", "are not accepted"),
    ("cv.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024) + b"\n%%EOF\n", "larger than 10 MB"),
])
def test_bad_attachments_are_refused_and_nothing_is_written(ctx, filename, data, message):
    cohort = open_cohort()
    user = make_user("olga@example.org", "Ольга Смирнова")
    with pytest.raises(ValidationError, match=message):
        services.save_application(cohort, user, ANSWERS, _profile("KZ"), {"cv": services.Upload(io.BytesIO(data),
                                                                                                 filename)})
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0


def test_answers_are_checked_against_the_questionnaire(ctx):
    cohort = open_cohort()
    user = make_user("wei@example.org", "王伟")
    for answers, message in [({"education": "Kindergarten"}, "Choose one of the offered answers"),
                             ({"english": "maybe"}, "with yes or no"),
                             ({"position": "two\nlines"}, "one line of plain text"),
                             ({"motivation": "x" * 5001}, "longer than 5000")]:
        with pytest.raises(ValidationError, match=message):
            services.save_application(cohort, user, answers, _profile("CN", "man"), {})
    with pytest.raises(ValidationError, match="Choose your country"):
        services.save_application(cohort, user, {}, _profile("XX"), {})


def test_one_application_per_person_is_kept_by_the_database(ctx):
    cohort = open_cohort()
    user = make_user("priya@example.org", "प्रिया शर्मा")
    submitted(cohort, user)
    db.session.add(Application(cohort_id=cohort.id, user_id=user.id, answers={}))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_window_decides_when_applying_is_possible(ctx):
    cohort = open_cohort()
    user = make_user("linh@example.org", "Nguyễn Thị Linh")
    lms_time.freeze(cohort.applications_close_at + timedelta(seconds=1))
    assert services.window_state(cohort) == "closed"
    with pytest.raises(ConflictError, match="have closed"):
        services.save_application(cohort, user, ANSWERS, _profile("VN"), {})
    lms_time.freeze(cohort.applications_open_at - timedelta(seconds=1))
    with pytest.raises(ConflictError, match="not open yet"):
        services.save_application(cohort, user, ANSWERS, _profile("VN"), {})
    with pytest.raises(ValidationError, match="close after they open"):
        services.set_window(cohort, utcnow(), utcnow() - timedelta(hours=1), None)


def test_selection_fills_the_cohort_and_the_33rd_is_refused(ctx):
    cohort = open_cohort(capacity=32)
    coordinator = make_user("clara@example.org", "Clara Coordinator")
    enrol(coordinator, cohort, Role.COORDINATOR)
    apps = applicants(cohort, 33)
    for application in apps[:32]:
        services.decide(application, S.SELECTED, "", coordinator)
    db.session.commit()
    with pytest.raises(ConflictError, match="The cohort is full: all 32 places are taken"):
        services.decide(apps[32], S.SELECTED, "", coordinator)
    db.session.rollback()
    assert _participants(cohort) == 32
    assert db.session.get(Application, apps[32].id).status == S.SUBMITTED
    subjects = _mails(apps[0].user.email)
    assert subjects == [f"{cohort.title}: you are selected"]
    events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "application.decide"))
    assert events == 32


def test_a_withdrawal_offers_the_place_to_the_first_waitlisted_who_has_a_set_time(app, ctx):
    cohort = open_cohort(capacity=2)
    coordinator = make_user("clara@example.org", "Clara Coordinator")
    first, second, later, next_one = applicants(cohort, 4)
    for application in (first, second):
        services.decide(application, S.SELECTED, "", coordinator)
    services.decide(later, S.WAITLISTED, "Strong, but the cohort is full.", coordinator)
    db.session.commit()
    lms_time.freeze(utcnow() + timedelta(minutes=1))
    services.decide(next_one, S.WAITLISTED, "", coordinator)
    db.session.commit()
    with pytest.raises(ConflictError, match="full"):
        services.decide(next_one, S.SELECTED, "", coordinator)
    db.session.rollback()

    services.withdraw_application(first, first.user)
    db.session.commit()
    assert _participants(cohort) == 1
    assert later.status == S.OFFERED and next_one.status == S.WAITLISTED
    hours = app.config["LMS_APPLICATION_OFFER_HOURS"]
    assert later.offer_expires_at == utcnow() + timedelta(hours=hours)
    assert _mails(later.user.email)[-1] == f"{cohort.title}: a place is free for you"
    # The offered place is held: a coordinator cannot give it to someone else meanwhile.
    with pytest.raises(ConflictError, match="full"):
        services.decide(next_one, S.SELECTED, "", coordinator)
    db.session.rollback()

    # Nobody answers in time: the offer lapses and passes on.
    assert services.expire_offers(utcnow() + timedelta(hours=hours - 1)) == 0
    lms_time.freeze(utcnow() + timedelta(hours=hours, seconds=1))
    assert services.expire_offers() == 1
    db.session.commit()
    assert later.status == S.WITHDRAWN and next_one.status == S.OFFERED
    assert services.expire_offers() == 0  # safe to run twice
    with pytest.raises(ConflictError, match="no offer"):
        services.accept_offer(later)
    db.session.rollback()
    services.accept_offer(next_one)
    db.session.commit()
    assert next_one.status == S.SELECTED and _participants(cohort) == 2


def test_scores_stay_blind_until_the_reviewer_has_scored(ctx):
    cohort = open_cohort()
    clara, ines = make_user("clara@example.org", "Clara"), make_user("ines@example.org", "Инес")
    enrol(clara, cohort, Role.COORDINATOR)
    application = applicants(cohort, 1)[0]
    with pytest.raises(ValidationError) as refused:
        review.score_application(application, clara, {"entry_requirements": "6", "role_relevance": "x"})
    assert len(refused.value.problems) == 4
    db.session.rollback()
    review.score_application(application, clara, {"entry_requirements": "5", "role_relevance": "5",
                                                  "digital_service": "5", "motivation": "5"})
    db.session.commit()
    [seen_by_ines] = review.review_rows(cohort, ines)
    assert (seen_by_ines.average, seen_by_ines.spread, seen_by_ines.reviewers) == (None, None, 1)
    review.score_application(application, ines, {"entry_requirements": "1", "role_relevance": "2",
                                                 "digital_service": "1", "motivation": "1"})
    db.session.commit()
    [row] = review.review_rows(cohort, ines)
    assert (row.average, row.spread, row.mine, row.disagreement) == (Fraction(25, 2), 15, 5, True)


def test_the_suggested_order_puts_developing_countries_first_then_score(ctx):
    cohort = open_cohort()
    clara = make_user("clara@example.org", "Clara")
    rows = {}
    for email, name, code, gender in PEOPLE:
        rows[code] = submitted(cohort, make_user(email, name, country=code, gender=gender))
    points = {"EG": 2, "KZ": 4, "CN": 3, "IN": 5, "VN": 1, "DE": 5}
    for code, value in points.items():
        review.score_application(rows[code], clara, dict.fromkeys(
            ("entry_requirements", "role_relevance", "digital_service", "motivation"), str(value)))
    db.session.commit()
    order = [r.country.code for r in sorted(review.review_rows(cohort, clara), key=lambda r: r.suggested)]
    assert order == ["IN", "KZ", "CN", "EG", "VN", "DE"]  # Germany is a high-income economy
    cohort.course.application_priority = "score"
    order = [r.country.code for r in sorted(review.review_rows(cohort, clara), key=lambda r: r.suggested)]
    assert order[:2] == ["DE", "IN"] or order[:2] == ["IN", "DE"]


def test_the_figures_count_the_selected(ctx):
    cohort = open_cohort(capacity=32)
    clara = make_user("clara@example.org", "Clara")
    for email, name, code, gender in PEOPLE:
        application = submitted(cohort, make_user(email, name, country=code, gender=gender))
        services.decide(application, S.SELECTED if code != "CN" else S.WAITLISTED, "", clara)
    db.session.commit()
    figures = review.selection_figures(cohort)
    assert (figures.selected, figures.capacity, figures.women, figures.developing) == (5, 32, 4, 4)
    assert figures.share(figures.women) == 80 and figures.waitlisted == 1
    assert dict(figures.regions) == {"Africa": 1, "Asia": 3, "Europe": 1}
    assert len(figures.countries) == 5
    svg = review.figures_svg(figures)
    assert svg.startswith("<svg") and "Places: 5 of 32" in svg and "Women: 80 %" in svg


def test_export_is_formula_safe_in_csv_and_xlsx(app, ctx, runner, tmp_path):
    cohort = open_cohort()
    user = make_user("hostile@example.org", "=HYPERLINK(\"http://evil\")", country="EG")
    submitted(cohort, user, motivation="@SUM(A1:A9)")
    review.score_application(db.session.scalars(sa.select(Application)).one(), make_user("c@example.org", "C"),
                             dict.fromkeys(("entry_requirements", "role_relevance", "digital_service",
                                            "motivation"), "3"))
    db.session.commit()
    out = tmp_path / "apps.csv"
    result = runner.invoke(args=["lms", "export-applications", cohort.slug, "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    assert row["name"].startswith("'=") and row["answer_motivation"] == "'@SUM(A1:A9)"
    assert (row["country"], row["region"], row["developing"], row["score_total"]) == ("Egypt", "Africa", "yes",
                                                                                       "12.00")
    xlsx = tmp_path / "apps.xlsx"
    assert runner.invoke(args=["lms", "export-applications", cohort.slug, "--format", "xlsx", "-o",
                               str(xlsx)]).exit_code == 0
    sheet = openpyxl.load_workbook(xlsx).active
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("name") + 1).value.startswith("'=")
    assert sheet.cell(2, header.index("score_motivation") + 1).value == 3
    bad = runner.invoke(args=["lms", "export-applications", "no-such", "-o", str(out)])
    assert bad.exit_code == 1 and "No cohort" in bad.output


def test_purge_deletes_the_not_selected_after_the_retention_period(app, ctx, runner):
    cohort = open_cohort()
    clara = make_user("clara@example.org", "Clara")
    kept, dropped, waiting = applicants(cohort, 3)
    services.decide(kept, S.SELECTED, "", clara)
    services.decide(dropped, S.REJECTED, "", clara)
    db.session.commit()
    days = app.config["LMS_APPLICATION_RETENTION_DAYS"]
    lms_time.freeze(cohort.applications_close_at + timedelta(days=days - 1))
    assert services.purge_applications() == 0
    lms_time.freeze(cohort.applications_close_at + timedelta(days=days, seconds=1))
    result = runner.invoke(args=["lms", "purge-applications"])
    assert result.exit_code == 0 and "2 application(s) deleted" in result.output
    remaining = db.session.execute(sa.select(Application.id)).scalars().all()
    assert remaining == [kept.id]
    result = runner.invoke(args=["lms", "expire-offers"])
    assert result.exit_code == 0 and "0 offer(s) expired" in result.output


def test_a_submitted_application_stays_complete_when_edited(ctx):
    cohort = open_cohort()
    application = applicants(cohort, 1)[0]
    user = application.user
    services.upload_folder().mkdir(parents=True, exist_ok=True)
    files_before = set(services.upload_folder().iterdir())
    with pytest.raises(ValidationError, match="must stay complete.*Answer “What do you hope to apply"):
        services.save_application(cohort, user, {**ANSWERS, "motivation": ""}, _profile("KE"),
                                  {"cv": services.Upload(io.BytesIO(pdf()), "cv.pdf")})
    db.session.rollback()
    assert set(services.upload_folder().iterdir()) == files_before  # the new CV was not kept
    assert db.session.get(Application, application.id).answers["motivation"] == ANSWERS["motivation"]
