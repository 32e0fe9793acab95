"""Course-file parts as JSON-ready values and back. Numbers travel as exact decimal text."""
from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from lms.courses.spec import AttendanceSpec, ComponentSpec, CourseSpec, GradingSpec


def to_json(value: Any) -> Any:
    """Dataclasses, tuples, Decimals and datetimes as plain JSON values (Decimal → "12.5", ISO text)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {k: to_json(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def outline_json(spec: CourseSpec) -> list[dict[str, Any]]:
    return [to_json(s) for s in spec.sessions]


def grading_from_json(data: dict[str, Any]) -> GradingSpec:
    return GradingSpec(
        components=tuple(
            ComponentSpec(c["key"], c["title"], Decimal(c["max_points"]), Decimal(c["weight"]), c["policy"],
                          tuple((name, Decimal(points)) for name, points in c.get("levels", [])))
            for c in data["components"]
        ),
        threshold=Decimal(data["threshold"]),
        strict=bool(data.get("strict", True)),
    )


def attendance_from_json(data: dict[str, Any]) -> AttendanceSpec:
    if not data:
        return AttendanceSpec()
    return AttendanceSpec(Decimal(data["present_share"]), Decimal(data["late_share"]), data["policy"],
                          bool(data["late_counts"]), Decimal(data["late_weight"]))
