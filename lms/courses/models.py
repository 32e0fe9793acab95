"""Courses, as imported from their course files."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import db
from lms.courses.serialise import attendance_from_json, grading_from_json
from lms.courses.spec import AttendanceSpec, GradingSpec

if TYPE_CHECKING:
    from lms.cohorts.models import Cohort


class Course(db.Model):
    """A course as its file describes it. Structured parts (outline, grading scheme, …)
    are kept as JSON written by ``lms.courses.serialise``; read them back through it."""

    __tablename__ = "lms_course"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    provider: Mapped[str] = mapped_column(String(200), default="")
    level: Mapped[str] = mapped_column(String(100), default="")
    language: Mapped[str] = mapped_column(String(100), default="")
    audience: Mapped[str] = mapped_column(Text, default="")
    outcomes: Mapped[list[str]] = mapped_column(JSON, default=list)
    entry_requirements: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The session outline: title, duration, topics, key points, materials per session.
    outline: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: Components, threshold, strictness (``serialise.grading_from_json`` reads it).
    grading: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attendance_policy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    participation_per: Mapped[str] = mapped_column(String(20), default="course")
    group_min: Mapped[int | None] = mapped_column(Integer)
    group_max: Mapped[int | None] = mapped_column(Integer)
    application_questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: What reviewers score: key, title, max_points per criterion.
    application_criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: The suggested order of the review table (``lms.courses.spec.PRIORITY_RULES``).
    application_priority: Mapped[str] = mapped_column(String(20), default="score")
    knowledge_check: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    project: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    cohorts: Mapped[list[Cohort]] = relationship(back_populates="course")

    @property
    def grading_spec(self) -> GradingSpec | None:
        """The grading scheme, parsed once per loaded course (a request's pages ask often)."""
        return self._parsed("grading", grading_from_json) if self.grading else None

    @property
    def attendance_spec(self) -> AttendanceSpec:
        return self._parsed("attendance_policy", attendance_from_json)

    def _parsed(self, column: str, parse: Any) -> Any:
        raw = getattr(self, column)
        cached = self.__dict__.get(f"_parsed_{column}")
        if cached is None or cached[0] is not raw:  # a new value (import-course) is parsed again
            cached = (raw, parse(raw))
            self.__dict__[f"_parsed_{column}"] = cached
        return cached[1]
