"""Importing a course file: the checked spec is written to the database, changing only
what differs, and every change is reported."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lms.cohorts.models import Cohort, CohortStatus
from lms.cohorts.services import ensure_open
from lms.core.db import db
from lms.core.time import utcnow
from lms.courses.models import Course
from lms.courses.serialise import outline_json, to_json
from lms.courses.spec import CohortSpec, CourseSpec, SessionSpec
from lms.sessions.models import Material, MaterialKind, Session
from lms.sessions.services import audit_session, session_state


@dataclass
class ImportReport:
    course_slug: str
    changes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def _assign(obj: Any, values: dict[str, Any], label: str, report: ImportReport) -> None:
    for name, value in values.items():
        old = getattr(obj, name)
        if old != value:
            setattr(obj, name, value)
            if old is not None and old != "" and old != [] and old != {}:
                report.changes.append(f"{label}: {name} changed")


def import_course(spec: CourseSpec) -> ImportReport:
    """Create or update the course, its cohorts and their sessions from ``spec``.

    Idempotent: importing the same spec again changes nothing and reports nothing.
    Sessions and materials added in the browser are left alone; a session whose time
    changes keeps its calendar UID and gets a higher SEQUENCE.
    """
    report = ImportReport(spec.slug)
    course = db.session.execute(db.select(Course).where(Course.slug == spec.slug)).scalar_one_or_none()
    if course is None:
        course = Course(slug=spec.slug)
        db.session.add(course)
        report.changes.append(f"course {spec.slug}: created")
    grading = {"grading": to_json(spec.grading) if spec.grading else None,
               "attendance_policy": to_json(spec.attendance), "participation_per": spec.participation_per}
    if any(getattr(course, name) not in (None, value) for name, value in grading.items()):
        # The scheme is read live by every cohort's gradebook: changing it would change
        # finalised results.
        for cohort in course.cohorts:
            ensure_open(cohort, "its course's grading scheme")
    _assign(course, {
        "title": spec.title, "summary": spec.summary, "description": spec.description, "provider": spec.provider,
        "level": spec.level, "language": spec.language, "audience": spec.audience,
        "outcomes": list(spec.outcomes), "entry_requirements": list(spec.entry_requirements),
        "outline": outline_json(spec), **grading,
        "group_min": spec.group_min, "group_max": spec.group_max,
        "application_questions": to_json(spec.application_questions),
        "application_criteria": to_json(spec.application_criteria),
        "application_priority": spec.application_priority,
        "knowledge_check": to_json(spec.knowledge_check) if spec.knowledge_check else None,
        "project": to_json(spec.project) if spec.project else None,
    }, f"course {spec.slug}", report)
    db.session.flush()
    for cohort_spec in spec.cohorts:
        _import_cohort(course, cohort_spec, spec.sessions, report)
    db.session.flush()
    return report


def _import_cohort(course: Course, spec: CohortSpec, outline: tuple[SessionSpec, ...], report: ImportReport) -> None:
    cohort = db.session.execute(db.select(Cohort).where(Cohort.slug == spec.slug)).scalar_one_or_none()
    label = f"cohort {spec.slug}"
    if cohort is None:
        cohort = Cohort(slug=spec.slug, course=course, status=CohortStatus.OPEN)
        db.session.add(cohort)
        report.changes.append(f"{label}: created")
    elif cohort.course_id != course.id:
        from lms.core.errors import ConflictError

        raise ConflictError(f"cohort {spec.slug!r} already belongs to another course; choose another slug")
    _assign(cohort, {"title": spec.title, "timezone": spec.timezone, "capacity": spec.capacity,
                     "applications_open_at": spec.applications_open,
                     "applications_close_at": spec.applications_close}, label, report)
    db.session.flush()
    existing = {s.number: s for s in db.session.execute(
        db.select(Session).where(Session.cohort_id == cohort.id)).scalars()}
    for planned in spec.sessions:
        template = outline[planned.number - 1]
        session = existing.get(planned.number)
        slabel = f"{label} session {planned.number}"
        if session is None:
            ensure_open(cohort, "its sessions")
            session = Session(cohort=cohort, number=planned.number, starts_at=planned.starts_at,
                              duration_minutes=planned.duration_minutes, title=template.title, sequence=0)
            db.session.add(session)
            db.session.flush()
            audit_session(None, "session.create", session, None)
            report.changes.append(f"{slabel}: created")
        elif (session.starts_at, session.duration_minutes) != (planned.starts_at, planned.duration_minutes):
            ensure_open(cohort, "its sessions' times")
            before = session_state(session)
            session.starts_at = planned.starts_at
            session.duration_minutes = planned.duration_minutes
            session.sequence += 1
            session.updated_at = utcnow()
            audit_session(None, "session.move", session, before)
            report.changes.append(f"{slabel}: moved to {planned.starts_at:%Y-%m-%d %H:%M} UTC")
        values: dict[str, Any] = {"title": template.title, "topics": list(template.topics),
                                  "key_points": list(template.key_points)}
        if planned.join_url:
            values["join_url"] = planned.join_url
        _assign(session, values, slabel, report)
        db.session.flush()
        _sync_materials(session, template, slabel, report)
    _add_knowledge_check(cohort, label, report)


def _add_knowledge_check(cohort: Cohort, label: str, report: ImportReport) -> None:
    """Each cohort gets its own copy of the course file's knowledge check, once; afterwards
    it is edited in the browser (a question edit there keeps answered versions)."""
    from lms.quizzes.models import Quiz
    from lms.quizzes.services import create_quiz_from_course

    if not cohort.course.knowledge_check or db.session.execute(db.select(Quiz.id).where(
            Quiz.cohort_id == cohort.id, Quiz.key == "knowledge_check")).first() is not None:
        return
    create_quiz_from_course(cohort)
    report.changes.append(f"{label}: knowledge-check quiz created")


def _sync_materials(session: Session, template: SessionSpec, label: str, report: ImportReport) -> None:
    """Materials from the file follow the file; materials staff added stay."""
    from_file = {m.url: m for m in session.materials if m.origin == "course_file"}
    wanted = {m.url for m in template.materials}
    for position, spec in enumerate(template.materials):
        material = from_file.get(spec.url)
        if material is None:
            material = Material(session=session, url=spec.url, origin="course_file", title=spec.title,
                                kind=MaterialKind(spec.kind))
            db.session.add(material)
            report.changes.append(f"{label}: material {spec.title!r} added")
        _assign(material, {"title": spec.title, "kind": MaterialKind(spec.kind), "licence": spec.licence,
                           "attribution": spec.attribution, "position": position},
                f"{label} material {spec.title!r}", report)
    for url, material in from_file.items():
        if url not in wanted:
            db.session.delete(material)
            report.changes.append(f"{label}: material {material.title!r} removed")
