"""Helpers for the application tests: a cohort taking applications with the ITU course's
questionnaire and criteria, real PDF and DOCX files, and submitted applications made fast."""
from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from typing import Any

from lms.applications.models import Application, ApplicationFile, ApplicationStatus
from lms.auth.models import User
from lms.cohorts.models import Cohort
from lms.core.db import db
from lms.core.time import utcnow
from lms.courses.serialise import to_json
from tests.conftest import _itu_spec, make_cohort, make_user

#: Applicants from every script the brief names, each with a country and a gender.
PEOPLE = [
    ("amina@example.org", "أمينة الحسن", "EG", "woman"),
    ("olga@example.org", "Ольга Смирнова", "KZ", "woman"),
    ("wei@example.org", "王伟", "CN", "man"),
    ("priya@example.org", "प्रिया शर्मा", "IN", "woman"),
    ("linh@example.org", "Nguyễn Thị Linh", "VN", "woman"),
    ("hans@example.org", "Hans Müller", "DE", "man"),
]

ANSWERS = {"position": "Head of digital services, Ministry of ICT", "developing_country": "yes",
           "education": "Master's degree", "years_experience": "6 to 10",
           "digital_service": "Led the roll-out of an e-registration service.", "english": "yes",
           "motivation": "Bring open-source practice to our ministry."}


def pdf(text: str = "CV") -> bytes:
    return f"%PDF-1.4\n% {text}\n%%EOF\n".encode()


def docx() -> bytes:
    """A minimal Word document, the same bytes every time (fixed member dates)."""
    out = io.BytesIO()
    parts = {"[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                    'package/2006/content-types"/>',
             "word/document.xml": "<w:document/>"}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 10, 30, 15, 0, 0)), body)
    return out.getvalue()


def taking_applications(cohort: Cohort, days_left: int = 10) -> Cohort:
    """Give ``cohort``'s course the ITU questionnaire and criteria, and open its window."""
    spec = _itu_spec()
    course = cohort.course
    course.application_questions = to_json(spec.application_questions)
    course.application_criteria = to_json(spec.application_criteria)
    course.application_priority = spec.application_priority
    cohort.applications_open_at = utcnow() - timedelta(days=1)
    cohort.applications_close_at = utcnow() + timedelta(days=days_left)
    db.session.commit()
    return cohort


def open_cohort(slug: str = "itu-dpg-oss-2024", **overrides: Any) -> Cohort:
    return taking_applications(make_cohort(slug, **overrides))


def submitted(cohort: Cohort, user: User, status: ApplicationStatus = ApplicationStatus.SUBMITTED,
              **answers: str) -> Application:
    """A complete application, written directly (the form is tested on its own)."""
    application = Application(cohort=cohort, user=user, status=status, answers={**ANSWERS, **answers},
                              submitted_at=utcnow(), decided_at=utcnow() if status != ApplicationStatus.SUBMITTED
                              else None)
    application.files = [ApplicationFile(kind=k, stored_name=f"missing-{k}.pdf", original_name=f"{k}.pdf",
                                         content_type="application/pdf", size_bytes=10) for k in ("cv", "letter")]
    db.session.add(application)
    db.session.commit()
    return application


def applicants(cohort: Cohort, count: int, country: str = "KE", gender: str = "woman") -> list[Application]:
    """``count`` submitted applications from people with names in several scripts."""
    names = [name for _, name, _, _ in PEOPLE]
    result = []
    for i in range(count):
        user = make_user(f"applicant{i}@example.org", f"{names[i % len(names)]} {i}", country=country,
                         gender=gender)
        result.append(submitted(cohort, user))
    return result
