"""Demo-like data for the page tours: both shipped courses, the ITU cohort running with the
demo's 32 participants, two sessions' worth of attendance and marks, and certificates.

Built from the models and the course importer only (the factories of ``tests/conftest.py``),
so the tours do not depend on how the services that change marks are called.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from lms.attendance.models import AttendanceRecord, AttendanceSource, AttendanceStatus, ParticipationMark
from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.cohorts.models import Cohort, CohortStatus, Role
from lms.core import time as lms_time
from lms.core.db import db
from lms.courses.loader import load_course_file
from lms.courses.services import import_course
from lms.demo.services import PARTICIPANTS, participant_email
from lms.gradebook.models import Mark
from tests.conftest import enrol, make_user

ROOT = Path(__file__).resolve().parents[2]
SLUG = "itu-dpg-oss-2024"
#: After session 4 of the ITU cohort and before session 5: four held, one to come.
NOW = datetime(2024, 11, 12, 12, 0, tzinfo=UTC)
STATUSES = [AttendanceStatus.PRESENT] * 5 + [AttendanceStatus.LATE, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED]
LEVELS = [("excellent", 60), ("good", 50), ("submission", 40), None]


@dataclass
class CohortData:
    cohort: Cohort
    participant: User
    instructor: User
    coordinator: User
    certificate_code: str
    revoked_code: str


def load_cohort_data() -> CohortData:
    lms_time.freeze(NOW)
    for course_file in sorted((ROOT / "courses").glob("*.toml")):
        import_course(load_course_file(course_file))
    db.session.commit()
    cohort = db.session.execute(sa.select(Cohort).where(Cohort.slug == SLUG)).scalar_one()
    cohort.status = CohortStatus.RUNNING
    coordinator = make_user("coordinator@demo.example", "Clara Coordinator", timezone="Europe/Zurich", country="CH")
    instructor = make_user("instructor1@demo.example", "Ines Instructor", timezone="Europe/Berlin", country="DE")
    enrol(coordinator, cohort, Role.COORDINATOR)
    enrol(instructor, cohort, Role.INSTRUCTOR)
    people = []
    for name, country, zone in PARTICIPANTS:
        user = make_user(participant_email(name), name, country=country, timezone=zone,
                         organisation="Demo Ministry of Digital Affairs")
        enrol(user, cohort, Role.PARTICIPANT)
        people.append(user)

    held = [s for s in sorted(cohort.sessions, key=lambda s: s.number) if s.starts_at < NOW]
    for i, user in enumerate(people):
        for j, session in enumerate(held):
            if (i + j) % 11 == 10:
                continue  # not marked yet
            status = STATUSES[(i * 3 + j) % len(STATUSES)]
            minutes = {AttendanceStatus.PRESENT: session.duration_minutes, AttendanceStatus.LATE: 50}.get(status, 0)
            db.session.add(AttendanceRecord(session_id=session.id, user_id=user.id, status=status, minutes=minutes,
                                            source=AttendanceSource.MANUAL, note=""))
        if i % 6:
            db.session.add(ParticipationMark(cohort_id=cohort.id, user_id=user.id, session_id=None,
                                             points=Decimal(8 + i % 8), note="", grader_id=instructor.id))
        if i % 5:
            db.session.add(Mark(cohort_id=cohort.id, user_id=user.id, component_key="knowledge_check",
                                points=Decimal(10), level=None, note=""))
        level = LEVELS[i % len(LEVELS)]
        if level:
            db.session.add(Mark(cohort_id=cohort.id, user_id=user.id, component_key="final_project",
                                points=Decimal(level[1]), level=level[0], note=""))
    certificate = Certificate(cohort_id=cohort.id, user_id=people[0].id, code="A" * 32, total=Decimal("91.5"),
                              recipient_name=people[0].name)
    revoked = Certificate(cohort_id=cohort.id, user_id=people[4].id, code="B" * 32, total=Decimal("85"),
                          recipient_name=people[4].name, revoked_at=NOW, revoked_reason="Issued by mistake")
    db.session.add_all([certificate, revoked])
    db.session.commit()
    return CohortData(cohort, people[0], instructor, coordinator, certificate.code, revoked.code)
