"""Read and check a course file (``courses/*.toml``), all of it, before anything is written.

``load_course(text, source)`` returns a ``CourseSpec`` or raises ``CourseFileError`` listing
every problem found, each with its path in the file (``sessions[3].starts_at``) and, where
the line can be found, ``file:line``. Pure: standard library and ``lms.courses.spec`` only.
"""
from __future__ import annotations

import re
import tomllib
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lms.core.encodings import TextEncodingError, decode_text
from lms.core.localtime import LocalTimeError, to_utc
from lms.courses.spec import (
    COMPONENT_POLICIES,
    LATE_UPLOADS,
    MATERIAL_KINDS,
    PRIORITY_RULES,
    QUESTION_KINDS,
    QUIZ_FEEDBACK,
    QUIZ_GRADING,
    QUIZ_KINDS,
    AttendanceSpec,
    CohortSessionSpec,
    CohortSpec,
    ComponentSpec,
    CourseSpec,
    CriterionSpec,
    GradingSpec,
    LevelSpec,
    MaterialSpec,
    ProjectSpec,
    QuestionSpec,
    QuizQuestionSpec,
    QuizSpec,
    SessionSpec,
)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
ZONE_RE = re.compile(r"^[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*$")
MAX_TEXT = 20_000
#: Dates outside these years are typing mistakes, and would overflow date arithmetic near year 9999.
FIRST_YEAR, LAST_YEAR = 1900, 2999


class CourseFileError(ValueError):
    """Every problem in one course file."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} problem(s)\n" + "\n".join(problems))


def load_course_file(path: str | Path) -> CourseSpec:
    path = Path(path)
    try:
        text = decode_text(path.read_bytes())
    except FileNotFoundError:
        raise CourseFileError(str(path), [f"{path}: no such file"]) from None
    except OSError as exc:
        raise CourseFileError(str(path), [f"{path}: cannot be read ({exc.strerror or exc})"]) from None
    except TextEncodingError as exc:
        raise CourseFileError(str(path), [f"{path}: {exc}"]) from None
    return load_course(text, str(path))


def load_course(text: str, source: str = "<course>") -> CourseSpec:
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))
    except ValueError as exc:  # TOMLDecodeError, or an integer too long to convert
        raise CourseFileError(source, [f"{source}: not valid TOML: {exc}"]) from None
    except RecursionError:
        raise CourseFileError(source, [f"{source}: not valid TOML: arrays or tables nested too deeply"]) from None
    reader = _Reader(source, _line_index(text))
    spec = reader.course(data)
    if reader.problems:
        raise CourseFileError(source, reader.problems)
    assert spec is not None
    return spec


def _line_index(text: str) -> dict[str, int]:
    """Path (``sessions[2].title``) → line number, for tables and ``key =`` lines."""
    lines: dict[str, int] = {}
    arrays: dict[str, int] = {}
    current = ""
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        # No lazy group followed by optional spaces here: that backtracks quadratically on a long line.
        header = re.match(r"^\[\[([^\]]*)\]\]|^\[([^\]]*)\]", stripped)
        if header:
            is_array = header.group(1) is not None
            parts = [p.strip().strip('"') for p in (header.group(1) or header.group(2) or "").split(".")]
            resolved = ""
            for i, part in enumerate(parts):
                base = f"{resolved}.{part}" if resolved else part
                if is_array and i == len(parts) - 1:
                    arrays[base] = arrays.get(base, -1) + 1
                resolved = f"{base}[{arrays[base]}]" if base in arrays else base
            current = resolved
            lines.setdefault(current, number)
            continue
        key = re.match(r'^"?([A-Za-z0-9_\-]+)"?\s*=', stripped)
        if key:
            lines.setdefault(f"{current}.{key.group(1)}" if current else key.group(1), number)
    return lines


class _Reader:
    """Walks the parsed TOML, collecting every problem rather than stopping at the first."""

    def __init__(self, source: str, lines: dict[str, int]):
        self.source = source
        self.lines = lines
        self.problems: list[str] = []

    # -- reporting --------------------------------------------------------------------

    def error(self, path: str, message: str) -> None:
        self.problems.append(f"{self.where(path)}: {path}: {message}")

    def where(self, path: str) -> str:
        """``file:line`` of the nearest enclosing table or key the file shows, else ``file``."""
        probe = path
        while probe:
            if probe in self.lines:
                return f"{self.source}:{self.lines[probe]}"
            shorter = re.sub(r"(\.[^.\[\]]*|\[\d+\])$", "", probe)
            # Every step must shorten the path (a missing [course] once looped here for ever).
            probe = shorter if len(shorter) < len(probe) else probe.rpartition(".")[0]
        return self.source

    # -- typed getters -----------------------------------------------------------------

    def table(self, value: Any, path: str, allowed: set[str], required: set[str] = frozenset()) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.error(path, "must be a table")
            return {}
        for key in sorted(set(value) - allowed):
            self.error(_join(path, key), f"unknown key (expected one of: {', '.join(sorted(allowed))})")
        for key in sorted(required - set(value)):
            self.error(_join(path, key), "is required")
        return value

    def text(self, data: dict[str, Any], key: str, path: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.error(_join(path, key), f"must be text, not {_kind(value)}")
            return ""
        if default is None and not value.strip():
            self.error(_join(path, key), "must not be empty")
        if len(value) > MAX_TEXT:
            self.error(_join(path, key), f"is longer than {MAX_TEXT} characters")
        return value.strip()

    def texts(self, data: dict[str, Any], key: str, path: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.error(_join(path, key), "must be a list of non-empty texts")
            return ()
        return tuple(v.strip() for v in value)

    def integer(self, data: dict[str, Any], key: str, path: str, low: int, high: int,
                default: int | None = None) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(_join(path, key), f"must be a whole number, not {_kind(value)}")
            return low
        if not low <= value <= high:
            self.error(_join(path, key), f"must be between {low} and {high}, not {_show(value)}")
        return value

    def number(self, data: dict[str, Any], key: str, path: str, low: Decimal, high: Decimal,
               default: Decimal | None = None) -> Decimal:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            self.error(_join(path, key), f"must be a number, not {_kind(value)}")
            return low
        try:
            # Floats through str(), so 0.75 is exactly 0.75 and never 0.7499999999999999; integers
            # directly, as str() refuses very long ones.
            exact = Decimal(value) if isinstance(value, int) else Decimal(str(value))
        except InvalidOperation:
            self.error(_join(path, key), f"must be a finite number, not {_show(value)}")
            return low
        if not exact.is_finite() or not low <= exact <= high:
            self.error(_join(path, key), f"must be between {low} and {high}, not {_show(value)}")
            return low
        return exact

    def flag(self, data: dict[str, Any], key: str, path: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.error(_join(path, key), f"must be true or false, not {_kind(value)}")
            return default
        return value

    def choice(self, data: dict[str, Any], key: str, path: str, options: tuple[str, ...],
               default: str | None = None) -> str:
        value = data.get(key, default)
        if value not in options:
            self.error(_join(path, key), f"must be one of {', '.join(options)}, not {_show(value)}")
            return options[0]
        return value

    def url(self, data: dict[str, Any], key: str, path: str, required: bool) -> str:
        value = data.get(key, "")
        if not value and not required:
            return ""
        if not isinstance(value, str) or not re.match(r"^https://[^\s/$.?#][^\s]*$", value):
            self.error(_join(path, key), f"must be an https:// address, not {_show(value)}")
            return ""
        return value

    def zone(self, data: dict[str, Any], key: str, path: str) -> str:
        value = data.get(key)
        try:
            if not isinstance(value, str) or not ZONE_RE.match(value) or "/" not in value and value != "UTC":
                raise ZoneInfoNotFoundError(value)
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            self.error(_join(path, key), f"must be an IANA time zone such as Europe/Zurich, not {_show(value)}")
            return "UTC"
        return value

    def moment(self, value: Any, path: str, zone_name: str) -> datetime | None:
        """A TOML date-time or ISO text; a time without offset is read in ``zone_name``."""
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.strip())
            except ValueError:
                self.error(path, f"not an ISO date-time (write 2024-10-30T15:00:00): {_show(value)}")
                return None
        if isinstance(value, date) and not isinstance(value, datetime):
            self.error(path, f"needs a time of day as well as the date {value.isoformat()}")
            return None
        if not isinstance(value, datetime):
            self.error(path, f"not an ISO date-time (write 2024-10-30T15:00:00): {_show(value)}")
            return None
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            self.error(path, f"the year must be between {FIRST_YEAR} and {LAST_YEAR}, not {value.year}")
            return None
        try:
            return to_utc(value, zone_name)
        except LocalTimeError as exc:
            self.error(path, str(exc))
            return None

    def array(self, data: dict[str, Any], key: str, path: str) -> list[Any]:
        value = data.get(key, [])
        if not isinstance(value, list):
            self.error(_join(path, key), f"must be a list, not {_kind(value)}")
            return []
        return value

    # -- the file ----------------------------------------------------------------------

    def course(self, data: dict[str, Any]) -> CourseSpec | None:
        top = self.table(data, "", {"course", "sessions", "grading", "attendance", "participation", "groups",
                                    "application", "knowledge_check", "project", "cohorts"}, {"course", "sessions"})
        # Without a [course] table, "course: is required" says it all; no need to list its keys too.
        meta = self.table(top.get("course", {}), "course",
                          {"slug", "title", "summary", "description", "provider", "level", "language", "audience",
                           "outcomes", "entry_requirements"},
                          {"slug", "title", "summary"} if "course" in top else set())
        slug = self.text(meta, "slug", "course")
        if slug and not SLUG_RE.match(slug):
            self.error("course.slug", f"must be lower-case words joined by hyphens, not {slug!r}")
        sessions = self.sessions(top)
        grading = self.grading(top.get("grading"), sessions) if "grading" in top else None
        groups = self.table(top.get("groups", {}), "groups", {"min_size", "max_size"})
        group_min = self.integer(groups, "min_size", "groups", 1, 100) if "min_size" in groups else None
        group_max = self.integer(groups, "max_size", "groups", 1, 100) if "max_size" in groups else None
        if group_min and group_max and group_min > group_max:
            self.error("groups.min_size", f"is larger than max_size ({group_min} > {group_max})")
        participation = self.table(top.get("participation", {}), "participation", {"per"})
        criteria, priority = self.application_review(top.get("application", {}))
        return CourseSpec(
            slug=slug,
            title=self.text(meta, "title", "course"),
            summary=self.text(meta, "summary", "course"),
            description=self.text(meta, "description", "course", default=""),
            provider=self.text(meta, "provider", "course", default=""),
            level=self.text(meta, "level", "course", default=""),
            language=self.text(meta, "language", "course", default=""),
            audience=self.text(meta, "audience", "course", default=""),
            outcomes=self.texts(meta, "outcomes", "course"),
            entry_requirements=self.texts(meta, "entry_requirements", "course"),
            sessions=sessions,
            grading=grading,
            attendance=self.attendance(top.get("attendance", {})),
            participation_per=self.choice(participation, "per", "participation", ("course", "session"), "course"),
            group_min=group_min,
            group_max=group_max,
            application_questions=self.application(top.get("application", {})),
            application_criteria=criteria,
            application_priority=priority,
            knowledge_check=self.quiz(top["knowledge_check"], grading) if "knowledge_check" in top else None,
            project=self.project(top["project"], grading) if "project" in top else None,
            cohorts=self.cohorts(top, sessions),
        )

    def sessions(self, top: dict[str, Any]) -> tuple[SessionSpec, ...]:
        found = []
        items = self.array(top, "sessions", "")
        if not items and "sessions" in top:
            self.error("sessions", "needs at least one session")
        for i, item in enumerate(items):
            path = f"sessions[{i}]"
            s = self.table(item, path, {"title", "duration_minutes", "topics", "key_points", "materials"},
                           {"title", "duration_minutes"})
            materials = tuple(self.material(m, f"{path}.materials[{j}]")
                              for j, m in enumerate(self.array(s, "materials", path)))
            found.append(SessionSpec(
                number=i + 1,
                title=self.text(s, "title", path),
                duration_minutes=self.integer(s, "duration_minutes", path, 5, 24 * 60),
                topics=self.texts(s, "topics", path),
                key_points=self.texts(s, "key_points", path),
                materials=materials,
            ))
        return tuple(found)

    def material(self, item: Any, path: str) -> MaterialSpec:
        m = self.table(item, path, {"title", "kind", "url", "licence", "attribution"}, {"title", "kind", "url"})
        return MaterialSpec(
            title=self.text(m, "title", path),
            kind=self.choice(m, "kind", path, MATERIAL_KINDS),
            url=self.url(m, "url", path, required=True),
            licence=self.text(m, "licence", path, default=""),
            attribution=self.text(m, "attribution", path, default=""),
        )

    def grading(self, value: Any, sessions: tuple[SessionSpec, ...]) -> GradingSpec:
        g = self.table(value, "grading", {"threshold", "strict", "components"}, {"threshold", "components"})
        components = []
        for i, item in enumerate(self.array(g, "components", "grading")):
            path = f"grading.components[{i}]"
            c = self.table(item, path, {"key", "title", "max", "weight", "policy", "levels"},
                           {"key", "title", "max", "weight", "policy"})
            key = self.text(c, "key", path)
            if key and not KEY_RE.match(key):
                self.error(f"{path}.key", f"must be lower_snake_case, not {key!r}")
            maximum = self.number(c, "max", path, Decimal("0.01"), Decimal("10000"))
            policy = self.choice(c, "policy", path, COMPONENT_POLICIES)
            levels: list[tuple[str, Decimal]] = []
            if policy == "levels":
                raw = c.get("levels")
                if not isinstance(raw, dict) or not raw:
                    self.error(f"{path}.levels", "a levels component needs its levels, e.g. levels = { good = 50 }")
                    raw = {}
                for name in raw:
                    if not KEY_RE.match(name):
                        self.error(f"{path}.levels.{name}", "level names must be lower_snake_case")
                    points = self.number(raw, name, f"{path}.levels", Decimal("0"), maximum)
                    levels.append((name, points))
                levels.sort(key=lambda pair: pair[1])
            elif "levels" in c:
                self.error(f"{path}.levels", f"only a 'levels' component has levels (this one is {policy!r})")
            components.append(ComponentSpec(key, self.text(c, "title", path), maximum,
                                            self.number(c, "weight", path, Decimal("0"), Decimal("100")),
                                            policy, tuple(levels)))
        if not components:
            self.error("grading.components", "needs at least one component")
        keys = [c.key for c in components]
        for key in sorted({k for k in keys if keys.count(k) > 1}):
            self.error("grading.components", f"key {key!r} is used more than once")
        total_weight = sum((c.weight for c in components), Decimal(0))
        if components and total_weight != 100:
            self.error("grading.components", f"weights must add up to 100, not {total_weight}")
        for policy in ("attendance", "completion"):
            if sum(1 for c in components if c.policy == policy) > 1:
                self.error("grading.components", f"only one component may have the {policy!r} policy")
        return GradingSpec(tuple(components), self.number(g, "threshold", "grading", Decimal(0), Decimal(100)),
                           self.flag(g, "strict", "grading", True))

    def attendance(self, value: Any) -> AttendanceSpec:
        a = self.table(value, "attendance", {"present_share", "late_share", "policy", "late_counts", "late_weight"})
        present = self.number(a, "present_share", "attendance", Decimal(0), Decimal(1), Decimal("0.75"))
        late = self.number(a, "late_share", "attendance", Decimal(0), Decimal(1), Decimal("0.25"))
        if late > present:
            self.error("attendance.late_share", f"must not be above present_share ({late} > {present})")
        return AttendanceSpec(
            present_share=present,
            late_share=late,
            policy=self.choice(a, "policy", "attendance", ("pro_rata", "all_or_nothing"), "pro_rata"),
            late_counts=self.flag(a, "late_counts", "attendance", True),
            late_weight=self.number(a, "late_weight", "attendance", Decimal(0), Decimal(1), Decimal(1)),
        )

    def application_review(self, value: Any) -> tuple[tuple[CriterionSpec, ...], str]:
        app = value if isinstance(value, dict) else {}  # its keys are checked by application()
        criteria = []
        for i, item in enumerate(self.array(app, "criteria", "application")):
            path = f"application.criteria[{i}]"
            c = self.table(item, path, {"key", "title", "max"}, {"key", "title"})
            key = self.text(c, "key", path)
            if key and not KEY_RE.match(key):
                self.error(f"{path}.key", f"must be lower_snake_case, not {key!r}")
            criteria.append(CriterionSpec(key, self.text(c, "title", path), self.integer(c, "max", path, 1, 100, 5)))
        keys = [c.key for c in criteria]
        for key in sorted({k for k in keys if keys.count(k) > 1}):
            self.error("application.criteria", f"key {key!r} is used more than once")
        return tuple(criteria), self.choice(app, "priority", "application", PRIORITY_RULES, "score")

    def application(self, value: Any) -> tuple[QuestionSpec, ...]:
        app = self.table(value, "application", {"questions", "criteria", "priority"})
        questions = []
        for i, item in enumerate(self.array(app, "questions", "application")):
            path = f"application.questions[{i}]"
            q = self.table(item, path, {"key", "text", "kind", "required", "choices"}, {"key", "text", "kind"})
            kind = self.choice(q, "kind", path, QUESTION_KINDS)
            choices = self.texts(q, "choices", path)
            if kind == "choice" and len(choices) < 2:
                self.error(f"{path}.choices", "a choice question needs at least two choices")
            key = self.text(q, "key", path)
            if key and not KEY_RE.match(key):
                self.error(f"{path}.key", f"must be lower_snake_case, not {key!r}")
            questions.append(QuestionSpec(key, self.text(q, "text", path), kind,
                                          self.flag(q, "required", path, True), choices))
        keys = [q.key for q in questions]
        for key in sorted({k for k in keys if keys.count(k) > 1}):
            self.error("application.questions", f"key {key!r} is used more than once")
        return tuple(questions)

    def quiz(self, value: Any, grading: GradingSpec | None) -> QuizSpec:
        qz = self.table(value, "knowledge_check", {
            "title", "time_limit_minutes", "questions", "opens_at", "closes_at", "attempts", "shuffle_questions",
            "shuffle_choices", "one_per_page", "feedback", "grading", "component"}, {"title", "questions"})
        questions = [self.quiz_question(item, f"knowledge_check.questions[{i}]")
                     for i, item in enumerate(self.array(qz, "questions", "knowledge_check"))]
        if not questions and "questions" in qz:
            self.error("knowledge_check.questions", "needs at least one question")
        limit = qz.get("time_limit_minutes")
        opens = self.moment(qz["opens_at"], "knowledge_check.opens_at", "UTC") if "opens_at" in qz else None
        closes = self.moment(qz["closes_at"], "knowledge_check.closes_at", "UTC") if "closes_at" in qz else None
        if opens and closes and opens >= closes:
            self.error("knowledge_check.closes_at", "must be after opens_at")
        keys = [c.key for c in grading.components] if grading else []
        component = self.text(qz, "component", "knowledge_check", default="")
        if component and component not in keys:
            self.error("knowledge_check.component", f"{component!r} is not a component of the grading scheme "
                       f"({', '.join(keys) or 'there is none'})")
        elif not component:  # by default the component of the same name, when the scheme has one
            component = "knowledge_check" if "knowledge_check" in keys else ""
        return QuizSpec(
            self.text(qz, "title", "knowledge_check"), tuple(questions),
            self.integer(qz, "time_limit_minutes", "knowledge_check", 1, 600) if limit is not None else None,
            opens, closes, self.integer(qz, "attempts", "knowledge_check", 1, 20, default=1),
            self.flag(qz, "shuffle_questions", "knowledge_check", False),
            self.flag(qz, "shuffle_choices", "knowledge_check", False),
            self.flag(qz, "one_per_page", "knowledge_check", False),
            self.choice(qz, "feedback", "knowledge_check", QUIZ_FEEDBACK, "after_submit"),
            self.choice(qz, "grading", "knowledge_check", QUIZ_GRADING, "completion"), component)

    def quiz_question(self, item: Any, path: str) -> QuizQuestionSpec:
        q = self.table(item, path, {"text", "kind", "choices", "correct", "explanation", "partial_credit",
                                    "accepted"}, {"text"})
        raw = q.get("correct")
        kind = self.choice(q, "kind", path, QUIZ_KINDS,
                           "multiple" if isinstance(raw, list) and len(raw) > 1 else
                           "true_false" if isinstance(raw, bool) else "single")
        text, explanation = self.text(q, "text", path), self.text(q, "explanation", path, default="")
        partial = self.flag(q, "partial_credit", path, False)
        if partial and kind != "multiple":
            self.error(f"{path}.partial_credit", "only a multiple-choice question gives partial credit")
        if kind == "true_false":
            if not isinstance(raw, bool):
                self.error(f"{path}.correct", "a true/false question needs correct = true or correct = false")
            return QuizQuestionSpec(text, ("True", "False"), (0,) if raw is not False else (1,), explanation, kind)
        if kind in ("short_answer", "free_text"):
            accepted = self.texts(q, "accepted", path)
            if kind == "short_answer" and not accepted:
                self.error(f"{path}.accepted", "a short-answer question needs its accepted answers")
            if kind == "free_text" and accepted:
                self.error(f"{path}.accepted", "a free-text question is not graded; it has no accepted answers")
            return QuizQuestionSpec(text, (), (), explanation, kind, accepted=accepted)
        choices = self.texts(q, "choices", path)
        if len(choices) < 2:
            self.error(f"{path}.choices", "needs at least two choices")
        correct = raw if isinstance(raw, list) else [raw]
        if raw is None or not correct or not all(isinstance(c, int) and not isinstance(c, bool) for c in correct):
            self.error(f"{path}.correct", "must be the number of the right choice (1 = first), or a list of them")
            correct = []
        elif any(not 1 <= c <= len(choices) for c in correct):
            self.error(f"{path}.correct", f"must be between 1 and {len(choices)} (the choices), not {_show(raw)}")
            correct = []
        elif kind == "single" and len(set(correct)) != 1:
            self.error(f"{path}.correct", "a single-choice question has exactly one right choice")
        return QuizQuestionSpec(text, choices, tuple(sorted({c - 1 for c in correct})), explanation, kind, partial)

    def project(self, value: Any, grading: GradingSpec | None) -> ProjectSpec:
        p = self.table(value, "project", {"title", "brief", "deliverables", "levels", "presentation_session",
                                          "late_uploads"}, {"title", "brief"})
        levels = []
        for i, item in enumerate(self.array(p, "levels", "project")):
            path = f"project.levels[{i}]"
            lv = self.table(item, path, {"name", "points", "description"}, {"name", "points"})
            levels.append(LevelSpec(self.text(lv, "name", path),
                                    self.number(lv, "points", path, Decimal(0), Decimal(10000)),
                                    self.text(lv, "description", path, default="")))
        if grading and levels:
            scheme = {name: pts for c in grading.components if c.policy == "levels" for name, pts in c.levels}
            for i, level in enumerate(levels):
                if level.name in scheme and scheme[level.name] != level.points:
                    self.error(f"project.levels[{i}].points",
                               f"says {level.points} but the grading scheme gives {level.name!r} {scheme[level.name]}")
                elif scheme and level.name not in scheme:
                    self.error(f"project.levels[{i}].name",
                               f"{level.name!r} is not a level of the grading scheme ({', '.join(scheme)})")
        presentation = (self.integer(p, "presentation_session", "project", 1, 1000)
                        if "presentation_session" in p else None)
        return ProjectSpec(self.text(p, "title", "project"), self.text(p, "brief", "project"),
                           self.texts(p, "deliverables", "project"), tuple(levels), presentation,
                           self.choice(p, "late_uploads", "project", LATE_UPLOADS, default="flag"))

    def cohorts(self, top: dict[str, Any], sessions: tuple[SessionSpec, ...]) -> tuple[CohortSpec, ...]:
        found = []
        for i, item in enumerate(self.array(top, "cohorts", "")):
            path = f"cohorts[{i}]"
            c = self.table(item, path, {"slug", "title", "timezone", "capacity", "applications_open",
                                        "applications_close", "sessions"}, {"slug", "title", "timezone"})
            slug = self.text(c, "slug", path)
            if slug and not SLUG_RE.match(slug):
                self.error(f"{path}.slug", f"must be lower-case words joined by hyphens, not {slug!r}")
            zone = self.zone(c, "timezone", path)
            opens = self.moment(c["applications_open"], f"{path}.applications_open", zone) \
                if "applications_open" in c else None
            closes = self.moment(c["applications_close"], f"{path}.applications_close", zone) \
                if "applications_close" in c else None
            if opens and closes and opens >= closes:
                self.error(f"{path}.applications_close", "must be after applications_open")
            found.append(CohortSpec(slug, self.text(c, "title", path), zone,
                                    self.integer(c, "capacity", path, 1, 10_000, default=32), opens, closes,
                                    self.cohort_sessions(c, path, zone, sessions)))
        slugs = [c.slug for c in found]
        for slug in sorted({s for s in slugs if slugs.count(s) > 1}):
            self.error("cohorts", f"slug {slug!r} is used more than once")
        return tuple(found)

    def cohort_sessions(self, cohort: dict[str, Any], path: str, zone: str,
                        sessions: tuple[SessionSpec, ...]) -> tuple[CohortSessionSpec, ...]:
        found = []
        for j, item in enumerate(self.array(cohort, "sessions", path)):
            spath = f"{path}.sessions[{j}]"
            s = self.table(item, spath, {"number", "starts_at", "duration_minutes", "join_url"},
                           {"number", "starts_at"})
            number = self.integer(s, "number", spath, 1, max(len(sessions), 1))
            template = sessions[number - 1] if 1 <= number <= len(sessions) else None
            duration = self.integer(s, "duration_minutes", spath, 5, 24 * 60,
                                    default=template.duration_minutes if template else 60)
            starts = self.moment(s.get("starts_at"), f"{spath}.starts_at", zone)
            if starts is not None:
                found.append(CohortSessionSpec(number, starts, duration, self.url(s, "join_url", spath, False)))
        numbers = [s.number for s in found]
        for number in sorted({n for n in numbers if numbers.count(n) > 1}):
            self.error(f"{path}.sessions", f"session {number} is scheduled more than once")
        ordered = sorted(found, key=lambda s: s.starts_at)
        for before, after in zip(ordered, ordered[1:], strict=False):
            if before.starts_at + timedelta(minutes=before.duration_minutes) > after.starts_at:
                self.error(f"{path}.sessions", f"sessions {before.number} and {after.number} overlap")
        return tuple(sorted(found, key=lambda s: s.number))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value: Any) -> str:
    return {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)


def _show(value: Any, limit: int = 80) -> str:
    """A value for a message: never a page of text, and never ``str()`` of an integer too
    long for Python to print."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v, 20) for v in value[:5]) + (", …]" if len(value) > 5 else "]")
    shown = repr(value)
    return shown if len(shown) <= limit else shown[:limit] + "…"
