"""What a course file says, as plain frozen dataclasses (no Flask, no database).

The loader (``lms.courses.loader``) builds these from TOML after checking every rule; the
import service writes them to the database; the grading engine reads ``GradingSpec``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

MATERIAL_KINDS = ("slides", "video", "reading", "exercise", "other")
COMPONENT_POLICIES = ("completion", "attendance", "marks", "levels")
QUESTION_KINDS = ("text", "long_text", "choice", "yes_no")
#: ``flag``: uploads after the due date are accepted and marked late; ``refuse``: refused.
LATE_UPLOADS = ("flag", "refuse")
#: How the review table suggests an order: by average score, or applicants from developing
#: countries (World Bank low- and middle-income economies) first, then by average score.
PRIORITY_RULES = ("score", "developing_first")


@dataclass(frozen=True)
class MaterialSpec:
    title: str
    kind: str
    url: str
    licence: str = ""
    attribution: str = ""


@dataclass(frozen=True)
class SessionSpec:
    number: int
    title: str
    duration_minutes: int
    topics: tuple[str, ...] = ()
    key_points: tuple[str, ...] = ()
    materials: tuple[MaterialSpec, ...] = ()


@dataclass(frozen=True)
class ComponentSpec:
    key: str
    title: str
    max_points: Decimal
    weight: Decimal
    policy: str
    #: For ``levels``: name → points, in the file's order (lowest first).
    levels: tuple[tuple[str, Decimal], ...] = ()


@dataclass(frozen=True)
class GradingSpec:
    components: tuple[ComponentSpec, ...]
    threshold: Decimal
    #: True: the total must be strictly above the threshold (the ITU rule: 80.0 fails).
    strict: bool = True


@dataclass(frozen=True)
class AttendanceSpec:
    #: Share of the scheduled minutes at or above which a person is present / late.
    present_share: Decimal = Decimal("0.75")
    late_share: Decimal = Decimal("0.25")
    #: ``pro_rata``: points in proportion to sessions attended; ``all_or_nothing``.
    policy: str = "pro_rata"
    late_counts: bool = True
    #: How much a late session counts (1 = as present).
    late_weight: Decimal = Decimal("1")


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    text: str
    kind: str
    required: bool = True
    choices: tuple[str, ...] = ()


#: Quiz question kinds: one right choice, several (all-or-nothing or partial credit), true or
#: false, a short answer matched against accepted answers, and ungraded free text.
QUIZ_KINDS = ("single", "multiple", "true_false", "short_answer", "free_text")
#: When a participant sees their score, the feedback and the right answers.
QUIZ_FEEDBACK = ("after_submit", "after_close", "never")
#: ``completion``: a submitted attempt earns the component's maximum; ``score``: the share
#: of graded questions answered right, times the maximum.
QUIZ_GRADING = ("completion", "score")


@dataclass(frozen=True)
class CriterionSpec:
    """One thing reviewers score an application on, from 0 to ``max_points``."""
    key: str
    title: str
    max_points: int = 5


@dataclass(frozen=True)
class QuizQuestionSpec:
    text: str
    choices: tuple[str, ...]
    #: Indexes (0-based) of the correct choices; for ``true_false`` (0,) is true, (1,) false.
    correct: tuple[int, ...]
    explanation: str = ""
    kind: str = "single"
    #: ``multiple`` only: each right choice earns its share and each wrong one takes a share
    #: away (never below zero); otherwise all or nothing.
    partial_credit: bool = False
    #: ``short_answer``: the answers accepted (compared case- and space-insensitively, NFKC).
    accepted: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuizSpec:
    title: str
    questions: tuple[QuizQuestionSpec, ...]
    time_limit_minutes: int | None = None
    #: Aware, in UTC; None: open from the start / never closes.
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    attempts: int = 1
    shuffle_questions: bool = False
    shuffle_choices: bool = False
    #: True: one question per page ("save and next"); False: all on one page.
    one_per_page: bool = False
    feedback: str = "after_submit"
    grading: str = "completion"
    #: The grading component the result feeds (``knowledge_check`` when the scheme has it;
    #: empty: none, the quiz is practice).
    component: str = "knowledge_check"


@dataclass(frozen=True)
class LevelSpec:
    name: str
    points: Decimal
    description: str = ""


@dataclass(frozen=True)
class ProjectSpec:
    title: str
    brief: str
    deliverables: tuple[str, ...] = ()
    levels: tuple[LevelSpec, ...] = ()
    #: The session the groups present in (its start is the default due date); None: the last one.
    presentation_session: int | None = None
    late_uploads: str = "flag"


@dataclass(frozen=True)
class CohortSessionSpec:
    number: int
    #: Aware, in UTC.
    starts_at: datetime
    duration_minutes: int
    join_url: str = ""


@dataclass(frozen=True)
class CohortSpec:
    slug: str
    title: str
    timezone: str
    capacity: int
    applications_open: datetime | None = None
    applications_close: datetime | None = None
    sessions: tuple[CohortSessionSpec, ...] = ()


@dataclass(frozen=True)
class CourseSpec:
    slug: str
    title: str
    summary: str
    description: str
    provider: str = ""
    level: str = ""
    language: str = ""
    audience: str = ""
    outcomes: tuple[str, ...] = ()
    entry_requirements: tuple[str, ...] = ()
    sessions: tuple[SessionSpec, ...] = ()
    grading: GradingSpec | None = None
    attendance: AttendanceSpec = field(default_factory=AttendanceSpec)
    #: ``session``: a participation mark per session; ``course``: one for the whole course.
    participation_per: str = "course"
    group_min: int | None = None
    group_max: int | None = None
    application_questions: tuple[QuestionSpec, ...] = ()
    application_criteria: tuple[CriterionSpec, ...] = ()
    application_priority: str = "score"
    knowledge_check: QuizSpec | None = None
    project: ProjectSpec | None = None
    cohorts: tuple[CohortSpec, ...] = ()
