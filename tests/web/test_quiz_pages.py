"""Taking a quiz through the pages, without JavaScript (the form) and with it (the JSON save):
resume after a dropped connection, back button and replayed submits, the server's clock,
and the staff pages (attempts, item analysis, export) with names in many scripts."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.cohorts.models import Role
from lms.cohorts.services import get_cohort
from lms.core import time as lms_time
from lms.core.db import db
from lms.courses.loader import load_course_file
from lms.courses.services import import_course
from lms.quizzes.models import Answer, Attempt, Quiz
from tests.conftest import csrf_token, enrol, log_in_as, make_user

COURSE = Path(__file__).resolve().parents[2] / "courses" / "itu-dpg-oss.toml"
C = "/cohorts/itu-dpg-oss-2024"
START = lms_time.utcnow().replace(microsecond=0)
NAMES = {"amina@example.org": "محمد عبد الله", "ivan@example.org": "Иван Петров", "wang@example.org": "王芳",
         "amit@example.org": "अमित कुमार", "lan@example.org": "Nguyễn Thị Lan"}


@pytest.fixture
def world(ctx):
    lms_time.freeze(START)
    import_course(load_course_file(COURSE))
    db.session.commit()
    cohort = get_cohort("itu-dpg-oss-2024")
    users = {email: make_user(email, name) for email, name in NAMES.items()}
    for user in users.values():
        enrol(user, cohort, Role.PARTICIPANT)
    staff = make_user("ines@example.org", "Ines Instructor")
    enrol(staff, cohort, Role.INSTRUCTOR)
    quiz = db.session.execute(sa.select(Quiz)).scalar_one()
    quiz.one_per_page = True
    db.session.commit()
    return {"quiz": quiz.id, "users": {e: u.id for e, u in users.items()}, "staff": staff.id,
            "Q": f"{C}/quizzes/{quiz.id}"}


def _client(app, world, email):
    client = app.test_client()
    log_in_as(client, world["users"][email] if email in world["users"] else world["staff"])
    return client


def _start(client, world):
    response = client.post(f"{world['Q']}/start", data={"csrf_token": csrf_token(client, world["Q"])})
    assert response.status_code == 302 and response.headers["Location"].endswith("/take")


def _page(client, world, page=None):
    response = client.get(f"{world['Q']}/take" + (f"?page={page}" if page else ""))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _shown(html):
    return [int(q) for q in re.findall(r'name="shown" value="(\d+)"', html)]


def _choice_values(html, qid):
    return re.findall(rf'name="q-{qid}" value="(\d+)"', html)


def test_taking_the_quiz_without_javascript_one_question_per_page(app, world):
    client = _client(app, world, "wang@example.org")
    _start(client, world)
    html = _page(client, world)
    assert "<fieldset class=\"question\">" in html and "<legend>Question 1 of 10" in html
    assert 'role="timer"' in html and 'aria-live="polite"' in html and "Time left" in html
    assert len(html.encode()) < 100_000
    for page in range(10):
        [qid] = _shown(html)
        response = client.post(f"{world['Q']}/take", data={
            "csrf_token": csrf_token(client, f"{world['Q']}/take"), "shown": str(qid),
            f"q-{qid}": _choice_values(html, qid)[0], "page": str(page), "action": "next" if page < 9 else "submit"})
        assert response.status_code == 302
        if page < 9:
            html = _page(client, world, page + 2)
    assert "/attempts/" in response.headers["Location"]
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your answers are submitted." in result and "Score:" in result
    attempt = db.session.execute(sa.select(Attempt)).scalar_one()
    assert attempt.submitted_by == "participant"
    assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 10


def test_a_dropped_connection_resumes_where_it_stopped_with_every_saved_answer(app, world):
    first = _client(app, world, "ivan@example.org")
    _start(first, world)
    html = _page(first, world)
    [qid] = _shown(html)
    first.post(f"{world['Q']}/take", data={"csrf_token": csrf_token(first, f"{world['Q']}/take"), "shown": str(qid),
                                           f"q-{qid}": "2", "page": "0", "action": "next"})
    # The connection drops; the participant logs in elsewhere and presses Start again.
    second = _client(app, world, "ivan@example.org")
    _start(second, world)
    html = _page(second, world)
    assert "<legend>Question 2 of 10" in html  # where it stopped
    back = _page(second, world, 1)  # the back button
    assert f'name="q-{qid}" value="2" checked' in back
    assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 1


def test_a_replayed_submit_and_a_second_tab_are_answered_without_an_error(app, world):
    client = _client(app, world, "amit@example.org")
    _start(client, world)
    html = _page(client, world)
    [qid] = _shown(html)
    form = {"csrf_token": csrf_token(client, f"{world['Q']}/take"), "shown": str(qid), f"q-{qid}": "0",
            "page": "0", "action": "submit"}
    assert client.post(f"{world['Q']}/take", data=form).status_code == 302
    replay = client.post(f"{world['Q']}/take", data=form, follow_redirects=True)
    assert replay.status_code == 200 and "This attempt has been submitted" in replay.get_data(as_text=True)
    stale_tab = client.get(f"{world['Q']}/take", follow_redirects=True)
    assert stale_tab.status_code == 200 and "here is what was recorded" in stale_tab.get_data(as_text=True)
    assert db.session.execute(sa.select(Attempt.submitted_at)).scalar_one() is not None


def test_after_the_limit_an_answer_is_refused_and_the_saved_ones_submitted(app, world):
    client = _client(app, world, "lan@example.org")
    _start(client, world)
    html = _page(client, world)
    [qid] = _shown(html)
    token = csrf_token(client, f"{world['Q']}/take")
    saved = client.post(f"{world['Q']}/answer", data={"csrf_token": token, "shown": str(qid), f"q-{qid}": "1"})
    assert saved.status_code == 200 and saved.json["ok"] and saved.json["seconds_left"] == 20 * 60
    lms_time.freeze(START + timedelta(minutes=25))
    late = client.post(f"{world['Q']}/answer", data={"csrf_token": token, "shown": str(qid), f"q-{qid}": "3"})
    assert late.status_code == 409 and "Time ran out" in late.json["message"]
    attempt = db.session.execute(sa.select(Attempt)).scalar_one()
    assert attempt.submitted_by == "timer"
    assert db.session.execute(sa.select(Answer.response)).scalar_one() == [1]
    page = client.get(f"{world['Q']}/take", follow_redirects=True).get_data(as_text=True)
    assert "when the time ran out, with the answers saved by then" in page


def test_an_abandoned_attempt_is_submitted_by_the_scheduler_not_by_a_page_view(app, world):
    from lms.jobs.runner import run_due_once

    client = _client(app, world, "amina@example.org")
    _start(client, world)
    lms_time.freeze(START + timedelta(minutes=30))
    staff = _client(app, world, "ines@example.org")
    before = staff.get(f"{world['Q']}/attempts").get_data(as_text=True)
    db.session.expire_all()
    assert "(time ran out)" not in before  # a GET changes nothing
    assert db.session.execute(sa.select(Attempt.submitted_at)).scalar_one() is None
    assert "quizzes.submit-overdue" in run_due_once(app, "test").ran
    attempts = staff.get(f"{world['Q']}/attempts").get_data(as_text=True)
    assert "(time ran out)" in attempts and "محمد عبد الله" in attempts and "王芳" in attempts


def test_staff_pages_analysis_export_and_reopen(app, world):
    for email in ("wang@example.org", "ivan@example.org"):
        client = _client(app, world, email)
        _start(client, world)
        html = _page(client, world)
        [qid] = _shown(html)
        client.post(f"{world['Q']}/take", data={"csrf_token": csrf_token(client, f"{world['Q']}/take"),
                                                "shown": str(qid), f"q-{qid}": "0", "page": "0", "action": "submit"})
    staff = _client(app, world, "ines@example.org")
    analysis = staff.get(f"{world['Q']}/analysis").get_data(as_text=True)
    assert "<svg" in analysis and "Share right per question" in analysis and "<h1>Item analysis" in analysis
    rows = list(csv.DictReader(io.StringIO(staff.get(f"{world['Q']}/answers.csv").get_data(as_text=True)
                                           .lstrip("\ufeff"))))
    assert {r["name"] for r in rows} == {"王芳", "Иван Петров"} and len(rows) == 20
    xlsx = staff.get(f"{world['Q']}/answers.xlsx")
    assert xlsx.status_code == 200 and xlsx.headers["Cache-Control"] == "no-store"
    attempt = db.session.execute(sa.select(Attempt).where(Attempt.user_id == world["users"]["wang@example.org"])
                                 ).scalar_one()
    said = staff.post(f"{world['Q']}/attempts/{attempt.id}/reopen", data={
        "csrf_token": csrf_token(staff, f"{world['Q']}/attempts"), "reason": "Lost connection in Lào Cai"},
        follow_redirects=True).get_data(as_text=True)
    assert "The attempt is open again" in said
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).submitted_at is None


def test_export_neutralises_formulas(app, world):
    from lms.gradebook.export import to_csv
    from lms.quizzes.analysis import answers_table

    quiz = db.session.get(Quiz, world["quiz"])
    table = answers_table(quiz) + [["=cmd|' /C calc'!A0"] * 13]
    assert "'=cmd" in to_csv(table).decode("utf-8-sig")


def test_the_attempts_list_is_shown_a_page_at_a_time(app, world, monkeypatch):
    """A cohort of 5,000 gets pages of LMS_PAGE_SIZE rows, not megabytes of HTML."""
    monkeypatch.setitem(app.config, "LMS_PAGE_SIZE", 2)
    staff = _client(app, world, "ines@example.org")
    first = staff.get(f"{world['Q']}/attempts").get_data(as_text=True)
    rows = len(world["users"])
    assert f"{rows} rows, one per attempt or participant without one (page 1 of {-(-rows // 2)})" in first
    assert first.count("not started") == 2 and 'rel="next"' in first
    last = staff.get(f"{world['Q']}/attempts?page=999").get_data(as_text=True)  # past the end: the last page
    assert f"(page {-(-rows // 2)} of {-(-rows // 2)})" in last and 'rel="prev"' in last
    names = set()
    for n in range(1, -(-rows // 2) + 1):
        page = staff.get(f"{world['Q']}/attempts?page={n}").get_data(as_text=True)
        names |= {name for name in NAMES.values() if f'<th scope="row">{name}</th>' in page}
    assert names == set(NAMES.values())  # every participant, in whatever script, on exactly one of the pages


def test_every_state_of_an_attempts_row_escaped_and_in_the_readers_zone(app, world):
    """The rows are written in Python (``lms.quizzes.cells``): a name that is markup stays
    text, a timer's submission says so, an attempt under way shows its deadline, a score
    shows two decimals, and only a submitted attempt has the form that reopens it."""
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    from lms.auth.models import User

    users = world["users"]
    db.session.get(User, users["amina@example.org"]).name = "O'Brien <b>&</b> \"محمد\""
    db.session.get(User, world["staff"]).timezone = "Asia/Kolkata"
    made = {}
    for email, submitted_by in (("amina@example.org", "timer"), ("ivan@example.org", None),
                                ("wang@example.org", "participant")):
        attempt = Attempt(quiz_id=world["quiz"], user_id=users[email], number=1, layout=[], page=0, started_at=START,
                          deadline_at=START + timedelta(minutes=20),
                          submitted_at=START + timedelta(minutes=5) if submitted_by else None,
                          submitted_by=submitted_by, score=Decimal("7.5") if submitted_by else None,
                          max_score=10 if submitted_by else None)
        db.session.add(attempt)
        db.session.flush()
        made[email] = attempt.id
    db.session.commit()
    page = _client(app, world, "ines@example.org").get(f"{world['Q']}/attempts").get_data(as_text=True)
    rows = {re.search(r'<th scope="row">(.*?)</th>', row).group(1): row for row in page.split("<tr>")[2:]}
    amina = rows["O&#39;Brien &lt;b&gt;&amp;&lt;/b&gt; &#34;محمد&#34;"]
    local = (START + timedelta(minutes=5)).astimezone(ZoneInfo("Asia/Kolkata"))
    assert f"submitted {local:%Y-%m-%d %H:%M} (Asia/Kolkata) (time ran out)" in amina
    assert "<td>7.50 / 10</td>" in amina
    assert f'action="{world["Q"]}/attempts/{made["amina@example.org"]}/reopen"' in amina
    assert "Reason for reopening O&#39;Brien &lt;b&gt;&amp;&lt;/b&gt; &#34;محمد&#34;'s attempt" in amina
    ivan = rows["Иван Петров"]
    deadline = (START + timedelta(minutes=20)).astimezone(ZoneInfo("Asia/Kolkata"))
    assert f"under way, until {deadline:%Y-%m-%d %H:%M} (Asia/Kolkata)" in ivan
    assert "reopen" not in ivan and "<td></td>" in ivan
    assert f'href="{world["Q"]}/attempts/{made["wang@example.org"]}"' in rows["王芳"]
    assert "not started" in rows["अमित कुमार"] and "not started" in rows["Nguyễn Thị Lan"]


def test_the_result_page_shows_every_kind_of_question_as_answered(app, world):
    """The result page reads the attempt's questions and answers in the same statement as
    the attempt (a JSON array built by the database, per dialect): choices, several right
    choices with partial credit, a short answer, free text, a question left blank, a second
    version, and text in many scripts all come back as they were stored."""
    from decimal import Decimal

    from lms.quizzes.models import Question

    quiz = Quiz(cohort_id=db.session.get(Quiz, world["quiz"]).cohort_id, key="mixed", title="Mixed kinds")
    db.session.add(quiz)
    db.session.flush()
    specs = [
        ("single", "Which licence? «Quelle licence ?»", ["MIT", "Проприетарная", "自由"], [2], [], "Open ones count.",
         1),
        ("multiple", "Pick the open standards", ["ODF", "DOCX", "HTML \"5\" <b>"], [0, 2], [], "", 1),
        ("short_answer", "Name the standard", [], [], ["DPG Standard", "डीपीजी मानक"], "", 2),
        ("free_text", "Why does it matter?", [], [], [], "", 1),
        ("true_false", "Open data can be a DPG", ["True", "False"], [0], [], "Yes.", 1),
    ]
    questions = []
    for n, (kind, text, choices, correct, accepted, explanation, version) in enumerate(specs):
        question = Question(quiz_id=quiz.id, slot=n, version=version, position=n, kind=kind, text=text,
                            choices=choices, correct=correct, accepted=accepted, explanation=explanation,
                            partial_credit=kind == "multiple")
        db.session.add(question)
        questions.append(question)
    db.session.flush()
    attempt = Attempt(quiz_id=quiz.id, user_id=world["users"]["lan@example.org"], number=1, page=0,
                      layout=[[q.id, list(range(len(q.choices)))] for q in questions], started_at=START,
                      submitted_at=START + timedelta(minutes=3), submitted_by="participant",
                      score=Decimal("2.5"), max_score=4)
    db.session.add(attempt)
    db.session.flush()
    answers = {0: ([1], Decimal("0")), 1: ([0, 1], Decimal("0.5")), 2: (["डीपीजी मानक"], Decimal("1")),
               3: (["Vì nó mở — لأنه مفتوح"], None)}  # the true/false question is left blank
    for n, (response, points) in answers.items():
        db.session.add(Answer(attempt_id=attempt.id, question_id=questions[n].id, response=response, points=points,
                              saved_at=START))
    db.session.commit()
    page = _client(app, world, "lan@example.org").get(f"{C}/quizzes/{quiz.id}/attempts/{attempt.id}")
    assert page.status_code == 200
    items = page.get_data(as_text=True).split('<ol class="answers">')[1].split("</ol>")[0].split("<li>")[1:]
    single, multiple, short, free, blank = items
    assert "Which licence? «Quelle licence ?»" in single and "Your answer: Проприетарная" in single
    assert "<strong>Not right.</strong>" in single and "Right answer: 自由." in single and "Open ones count." in single
    assert "Your answer: ODF; DOCX" in multiple and "<strong>Partly right (50 %).</strong>" in multiple
    assert "Right answer: ODF; HTML &#34;5&#34; &lt;b&gt;." in multiple
    assert "(version 2)" in short and "<q>डीपीजी मानक</q>" in short and "<strong>Right.</strong>" in short
    assert "Accepted: DPG Standard; डीपीजी मानक." in short
    assert "<q>Vì nó mở — لأنه مفتوح</q>" in free and "right" not in free.lower().replace("your answer", "")
    assert "Your answer: <em>none</em>" in blank and "<strong>Not right.</strong>" in blank and "Yes." in blank
