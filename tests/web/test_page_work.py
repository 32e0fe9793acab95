"""Pages cost what they show, not the square of the cohort (issue #15). Measured without
clocks: SQL statements per page are exact and the same for a small and a larger cohort,
and the lines of LMS code and templates a page executes grow at most linearly with the
cohort on pages that list everyone, and not at all on pages that show one person.
(A quadratic scan of participation marks once hid behind a flat statement count.)"""
from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.attendance.models import AttendanceRecord, AttendanceSource, AttendanceStatus, ParticipationMark
from lms.cohorts.models import Membership, Role
from lms.core.db import db
from lms.gradebook.models import Mark
from tests.conftest import enrol, login, make_cohort, make_session, make_user

ROOT = Path(__file__).resolve().parents[2]
TRACED = (str(ROOT / "lms"), str(ROOT / "templates"))
C = "/cohorts/itu-dpg-oss-2024"
STATUSES = [AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED]

#: page → (who opens it, SQL statements it runs, whether it lists every participant)
PAGES = {
    "/": ("participant", 2, False),
    C: ("participant", 2, False),  # the login session; the cohort with its schedule, count and team
    f"{C}/sessions/1": ("participant", 2, False),
    f"{C}/my-grades": ("participant", 7, False),  # 5 + the quiz points (#9) + released project grades (#10)
    f"{C}/quizzes": ("participant", 2, False),  # the cohort, its quizzes and the person's attempts at them
    f"{C}/quizzes/1": ("participant", 2, False),  # the cohort, the quiz, its question count and the attempts
    f"{C}/quizzes/1/take": ("participant", 4, False),  # questions and saved answers in one statement
    f"{C}/quizzes/1/attempts/2": ("participant", 2, False),  # the cohort, quiz, attempt, name and answers
    f"{C}/quizzes/1/attempts/1": ("instructor", 2, False),
    f"{C}/quizzes/1/attempts": ("instructor", 4, True),
    f"{C}/quizzes/1/analysis": ("instructor", 4, True),
    f"{C}/project": ("participant", 11, True),  # a comment form for every other group
    "/account/calendar": ("participant", 1, False),
    f"{C}/gradebook": ("instructor", 9, True),  # 7 + the quiz points (#9) + released project grades (#10)
    f"{C}/groups": ("instructor", 6, True),  # with the participants list for the move form
    f"{C}/attendance": ("instructor", 6, True),
    f"{C}/participation": ("instructor", 4, True),
    f"{C}/sessions/1/attendance": ("instructor", 4, True),
    f"{C}/certificates": ("coordinator", 10, True),  # 8 + the quiz points (#9) + released project grades (#10)
}
#: Pages that reuse what they keep by the cohort's grades stamp, and what they cost then:
#: the login session and the cohort with the person's certificate (My grades); the login session,
#: the cohort and the participants' names (the gradebook), and the held sessions (the attendance overview).
KEPT = {f"{C}/my-grades": 2, f"{C}/gradebook": 3, f"{C}/attendance": 4}


def _cohort_of(size: int) -> None:
    """A cohort with five sessions and ``size`` participants, each with different marks,
    attendance and participation, so that no two rows share a result."""
    cohort = make_cohort()
    sessions = [make_session(cohort, n, starts_at=datetime(2024, 10, 30, 14, tzinfo=UTC) + timedelta(days=2 * n))
                for n in range(1, 6)]
    for i in range(size):
        user = make_user(f"p{i:03d}@example.org", f"Participant {i:03d} Trần Văn Ân")
        enrol(user, cohort, Role.PARTICIPANT)
        for n, session in enumerate(sessions):
            status = STATUSES[(i >> n) % len(STATUSES)]
            db.session.add(AttendanceRecord(session_id=session.id, user_id=user.id, status=status, minutes=None,
                                            source=AttendanceSource.MANUAL, note=""))
        db.session.add(ParticipationMark(cohort_id=cohort.id, user_id=user.id, session_id=None,
                                         points=Decimal(i % 31) / 2, note=""))
        level, points = (("submission", 40), ("good", 50), ("excellent", 60), (None, 0))[i % 4]
        db.session.add(Mark(cohort_id=cohort.id, user_id=user.id, component_key="final_project",
                            points=Decimal(points), level=level))
        db.session.add(Mark(cohort_id=cohort.id, user_id=user.id, component_key="knowledge_check",
                            points=Decimal(i % 11)))
    _quiz_attempts(cohort, size)
    db.session.commit()
    _groups_of(cohort)
    for role in ("instructor", "coordinator"):
        enrol(make_user(f"{role}@example.org", role.title()), cohort, Role(role))


def _quiz_attempts(cohort, size: int) -> None:
    """A five-question quiz; p001 has an attempt under way, everyone else submitted one
    with different answers."""
    from lms.auth.models import User
    from lms.quizzes.models import Answer, Attempt, Question, Quiz

    quiz = Quiz(cohort_id=cohort.id, key="knowledge_check", title="Knowledge check", component_key="knowledge_check")
    db.session.add(quiz)
    db.session.flush()
    questions = [Question(quiz_id=quiz.id, slot=n, version=1, position=n, kind="single", text=f"Question {n}",
                          choices=["A", "B", "C", "D"], correct=[n % 4]) for n in range(1, 6)]
    db.session.add_all(questions)
    db.session.flush()
    users = db.session.execute(sa.select(User).where(User.email.like("p%@example.org")).order_by(User.email)).scalars()
    for i, user in enumerate(users):
        done = user.email != "p001@example.org"
        attempt = Attempt(quiz_id=quiz.id, user_id=user.id, number=1, layout=[[q.id, [0, 1, 2, 3]] for q in questions],
                          submitted_at=datetime(2024, 10, 29, tzinfo=UTC) if done else None,
                          submitted_by="participant" if done else None, score=Decimal(i % 6) if done else None,
                          max_score=5 if done else None)
        db.session.add(attempt)
        db.session.flush()
        db.session.add_all([Answer(attempt_id=attempt.id, question_id=q.id, response=[(i >> n) % 4],
                                   points=Decimal(int((i >> n) % 4 == q.correct[0])) if done else None)
                            for n, q in enumerate(questions)])
def _groups_of(cohort) -> None:
    """Groups of five or six, the first graded (released) with one member's override, a
    submission and peer comments in each."""
    from lms.groups.models import Group, GroupMember
    from lms.projects.models import PeerComment, ProjectGrade, ProjectGradeMember, Submission

    people = db.session.execute(sa.select(Membership.user_id).where(
        Membership.cohort_id == cohort.id, Membership.role == Role.PARTICIPANT).order_by(Membership.user_id)
    ).scalars().all()
    for n, start in enumerate(range(0, len(people), 5), start=1):
        group = Group(cohort_id=cohort.id, name=f"Group {n}")
        group.members = [GroupMember(cohort_id=cohort.id, user_id=uid) for uid in people[start:start + 5]]
        db.session.add(group)
        db.session.flush()
        db.session.add(Submission(group_id=group.id, cohort_id=cohort.id, version=1, stored_name=f"{n:032x}.pdf",
                                  original_name="plan.pdf", content_type="application/pdf", size_bytes=10,
                                  sha256="0" * 64, uploaded_by_id=people[start], is_final=True))
        db.session.add(PeerComment(group_id=group.id, cohort_id=cohort.id, author_id=people[0], body="Clear plan.",
                                   released=True))
        if n == 1:
            grade = ProjectGrade(group_id=group.id, cohort_id=cohort.id, level="good", points=50, released=True)
            grade.members = [ProjectGradeMember(cohort_id=cohort.id, user_id=uid, level="good", points=50)
                             for uid in people[start:start + 5]]
            db.session.add(grade)
    db.session.commit()


@contextmanager
def measured() -> Iterator[dict[str, int]]:
    """SQL statements, those whose text SQLAlchemy rewrites before sending (an ``in_()``
    list, a value rendered into the SQL), and lines executed in LMS code and templates,
    in this thread."""
    seen = {"statements": 0, "rewritten": 0, "lines": 0}

    def statement(conn, cursor, text, parameters, context, executemany) -> None:  # noqa: ANN001
        seen["statements"] += 1
        compiled = getattr(context, "compiled", None)
        if compiled is not None and (compiled.post_compile_params or compiled.literal_execute_params):
            seen["rewritten"] += 1

    def local(frame, event, arg):  # noqa: ANN001, ANN202 - the sys.settrace protocol
        if event == "line":
            seen["lines"] += 1
        return local

    def calls(frame, event, arg):  # noqa: ANN001, ANN202
        return local if frame.f_code.co_filename.startswith(TRACED) else None

    sa.event.listen(db.engine, "before_cursor_execute", statement)
    sys.settrace(calls)
    try:
        yield seen
    finally:
        sys.settrace(None)
        sa.event.remove(db.engine, "before_cursor_execute", statement)


def _work(app, size: int) -> dict[str, dict[str, int]]:
    _cohort_of(size)
    found = {}
    for who in ("participant", "instructor", "coordinator"):
        client = app.test_client()
        login(client, "p001@example.org" if who == "participant" else f"{who}@example.org")
        for path, (reader, _, _) in PAGES.items():
            if reader != who:
                continue
            assert client.get(path).status_code == 200, path  # warm: templates compiled, caches filled
            app.extensions.pop("lms_kept_standings", None)  # computed from the database again …
            with measured() as computed:
                assert client.get(path).status_code == 200, path
            with measured() as kept:  # … and then as kept by the cohort's grades stamp
                assert client.get(path).status_code == 200, path
            found[path] = {"computed": computed, "kept": kept}
    return found


@pytest.fixture(scope="module")
def work(app) -> dict[int, dict[str, dict[str, int]]]:
    """Each page measured in cohorts of 16, 32 and 64 participants."""
    from tests.conftest import empty_tables

    results = {}
    for size in (16, 32, 64):
        with app.app_context():
            results[size] = _work(app, size)
            db.session.remove()
            empty_tables()
    return results


@pytest.mark.parametrize("path", list(PAGES))
def test_statements_per_page_are_exact_and_do_not_grow(work, path):
    expected = PAGES[path][1]
    assert [work[size][path]["computed"]["statements"] for size in (16, 32, 64)] == [expected] * 3
    expected = KEPT.get(path, expected)
    assert [work[size][path]["kept"]["statements"] for size in (16, 32, 64)] == [expected] * 3


#: One-person pages with a statement whose text is rewritten per request, and why.
REWRITTEN = {f"{C}/quizzes/1/take": 1}  # the attempt's questions, read by the list of their ids


@pytest.mark.parametrize("path", [path for path, (_, _, everyone) in PAGES.items() if not everyone])
def test_pages_for_one_person_send_their_statements_as_compiled(work, path):
    """A page showing one person sends its statements as compiled once per process, not
    rewritten at every request: the login session's roles, joined with a separator that
    SQLAlchemy's ``aggregate_strings`` renders into the text each time, once made every
    page pay for that."""
    expected = REWRITTEN.get(path, 0)
    found = [work[size][path][how]["rewritten"] for size in (16, 32, 64) for how in ("computed", "kept")]
    assert found == [expected] * 6


@pytest.mark.parametrize("how", ["computed", "kept"])
@pytest.mark.parametrize("path", list(PAGES))
def test_work_grows_at_most_linearly_with_the_cohort(work, path, how):
    lines = {size: work[size][path][how]["lines"] for size in (16, 32, 64)}
    if PAGES[path][2]:
        # Linear work: going from 16 to 64 people adds three times what going from 16 to 32
        # adds. A loop over everyone inside a loop over everyone adds five times as much.
        growth = (lines[64] - lines[16]) / (lines[32] - lines[16])
        assert growth <= 3.3, f"{path}: {lines} lines for 16, 32, 64 participants (growth {growth:.2f})"
    else:
        assert lines[64] == lines[16], f"{path}: {lines}; a page for one person grew with the cohort"
