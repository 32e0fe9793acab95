"""Enrolment by CSV (``flask lms enrol-csv``) and in the browser."""
import sqlalchemy as sa

from lms.auth.models import User
from lms.cohorts.models import Membership, Role
from lms.core.db import db
from lms.notifications.models import OutboxMessage
from tests.conftest import csrf_token, enrol, login, make_cohort, make_user

HEADER = "email,name,role,country,organisation\n"


def _run(runner, tmp_path, text, *extra):
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8")
    return runner.invoke(args=["lms", "enrol-csv", "itu-dpg-oss-2024", str(path), *extra])


def _count(model):
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar()


def test_a_good_file_enrols_everyone_and_mails_new_accounts(runner, ctx, tmp_path):
    make_cohort()
    make_user("amina.diallo@example.org", "Amina Diallo")
    text = ("\ufeff" + HEADER + "Amina.Diallo@example.org,Amina Diallo,participant,SN,\n"
            "rahul.mehta@example.org,Rahul Mehta,participant,India,Ministry of IT\n"
            "ines@example.org,Ines Instructor,instructor,,\n")
    result = _run(runner, tmp_path, text)
    assert result.exit_code == 0, result.output
    assert "Enrolled 3 membership(s)" in result.output and "2 new account(s)" in result.output
    rahul = db.session.execute(sa.select(User).where(User.email == "rahul.mehta@example.org")).scalar_one()
    assert (rahul.country, rahul.organisation, rahul.timezone, rahul.password_hash) == (
        "IN", "Ministry of IT", "Europe/Zurich", None)
    mails = db.session.execute(sa.select(OutboxMessage)).scalars().all()
    assert {m.recipient for m in mails} == {"rahul.mehta@example.org", "ines@example.org"}
    assert all(m.subject.endswith("you are enrolled in Cohort itu-dpg-oss-2024") for m in mails)
    assert all("http://127.0.0.1:5000/reset/" in m.body and "within 7 days" in m.body for m in mails)
    # Running the same file again adds nobody twice.
    again = _run(runner, tmp_path, text)
    assert again.exit_code == 0 and _count(Membership) == 3


def test_every_bad_line_is_reported_and_nothing_is_written(runner, ctx, tmp_path):
    make_cohort()
    text = (HEADER + "not-an-email,Somebody,participant,,\n"
            "lan@example.org,Nguyen Thi Lan,student,,\n"
            "otieno@example.org,,participant,,\n"
            "kwame@example.org,Kwame Mensah,participant,Atlantis,\n"
            "lucia@example.org,Lucía Fernández,participant,AR,\n"
            "LUCIA@example.org,Lucía Fernández,participant,AR,\n")
    result = _run(runner, tmp_path, text)
    assert result.exit_code == 1
    out = result.output
    assert "nothing was written; 5 problem(s)" in out
    assert "line 2: not-an-email is not a valid e-mail address" in out
    assert "line 3: unknown role 'student'" in out
    assert "line 4: the name is empty" in out
    assert "line 5: unknown country 'Atlantis'" in out
    assert "line 7: lucia@example.org is already listed as participant on line 6" in out
    assert _count(User) == 0 and _count(Membership) == 0 and _count(OutboxMessage) == 0


def test_wrong_columns_are_named(runner, ctx, tmp_path):
    make_cohort()
    result = _run(runner, tmp_path, "mail,full_name\nx@example.org,X\n")
    assert result.exit_code == 1
    assert "missing: email, name, role; unknown: mail, full_name" in result.output


def test_over_capacity_is_refused_whole(runner, ctx, tmp_path):
    cohort = make_cohort(capacity=2)
    enrol(make_user("first@example.org", "First"), cohort, Role.PARTICIPANT)
    text = HEADER + "a@example.org,A,participant,,\nb@example.org,B,participant,,\nc@example.org,C,instructor,,\n"
    result = _run(runner, tmp_path, text)
    assert result.exit_code == 1
    assert "Only 1 of the cohort's 2 participant places is free, and this would add 2 participants." in result.output
    assert _count(Membership) == 1 and _count(User) == 1


def test_unknown_cohort_and_dry_run(runner, ctx, tmp_path):
    make_cohort()
    path = tmp_path / "p.csv"
    path.write_text(HEADER + "a@example.org,A,participant,,\n")
    missing = runner.invoke(args=["lms", "enrol-csv", "nope", str(path)])
    assert missing.exit_code == 1 and "there is no cohort 'nope'" in missing.output
    dry = _run(runner, tmp_path, HEADER + "a@example.org,A,participant,,\n", "--dry-run")
    assert dry.exit_code == 0 and "dry run" in dry.output and _count(User) == 0


def test_coordinator_adds_and_removes_people_in_the_browser(client, ctx):
    cohort = make_cohort(capacity=1)
    enrol(make_user("clara@example.org", "Clara Coordinator"), cohort, Role.COORDINATOR)
    login(client, "clara@example.org")
    form = {"email": "Kwame@Example.org", "name": "Kwame Mensah", "role": "participant", "country": "GH",
            "organisation": "Ghana Digital Centres"}
    response = client.post("/cohorts/itu-dpg-oss-2024/people",
                           data={"csrf_token": csrf_token(client, "/cohorts/itu-dpg-oss-2024/people"), **form})
    assert response.status_code == 302
    page = client.get("/cohorts/itu-dpg-oss-2024/people").get_data(as_text=True)
    assert "Kwame Mensah is now participant in this cohort. An e-mail asks them to set a password." in page
    assert "1 of 1 participant places taken" in page
    full = client.post("/cohorts/itu-dpg-oss-2024/people", data={
        "csrf_token": csrf_token(client, "/cohorts/itu-dpg-oss-2024/people"), **form,
        "email": "second@example.org", "name": "Second"}).get_data(as_text=True)
    assert "The cohort is full: all 1 participant places are taken." in full and 'value="second@example.org"' in full
    membership = db.session.execute(sa.select(Membership).where(Membership.role == Role.PARTICIPANT)).scalar_one()
    client.post(f"/cohorts/itu-dpg-oss-2024/people/{membership.id}/remove",
                data={"csrf_token": csrf_token(client, "/cohorts/itu-dpg-oss-2024/people")})
    assert "Kwame Mensah is no longer participant" in client.get("/cohorts/itu-dpg-oss-2024/people").get_data(
        as_text=True)
    assert _count(Membership) == 1


def test_enrolled_participant_sees_the_cohort_on_the_dashboard(client, ctx):
    cohort = make_cohort()
    enrol(make_user("pat@example.org"), cohort, Role.PARTICIPANT)
    login(client, "pat@example.org")
    page = client.get("/").get_data(as_text=True)
    assert cohort.title in page and "Your role: participant" in page


def test_demo_loads_the_itu_cohort(runner, ctx):
    result = runner.invoke(args=["lms", "demo"])
    assert result.exit_code == 0, result.output
    assert "coordinator@demo.example" in result.output
    counts = dict(db.session.execute(sa.select(Membership.role, sa.func.count()).group_by(Membership.role)).all())
    assert counts == {Role.PARTICIPANT: 32, Role.INSTRUCTOR: 2, Role.COORDINATOR: 1}
    countries = db.session.execute(sa.select(sa.func.count(sa.distinct(User.country)))).scalar()
    assert countries >= 25

def test_demo_runs_once_and_keeps_what_people_changed(runner, ctx):
    from lms.auth.models import UserSession
    from lms.auth.services import authenticate, start_session
    from lms.sessions.models import Session

    runner.invoke(args=["lms", "demo"])
    session2 = db.session.execute(sa.select(Session).where(Session.number == 2)).scalar_one()
    session2.title = "Renamed in the browser"
    amina = db.session.execute(sa.select(Membership).join(User).where(User.email == "amina.diallo@demo.example")
                               ).scalar_one()
    db.session.delete(amina)
    clara = db.session.execute(sa.select(User).where(User.email == "coordinator@demo.example")).scalar_one()
    start_session(clara)
    db.session.commit()
    again = runner.invoke(args=["lms", "demo"])
    assert again.exit_code == 0 and "already loaded (nothing changed)" in again.output
    db.session.expire_all()
    assert db.session.get(Session, session2.id).title == "Renamed in the browser"
    assert _count(Membership) == 34
    reset = runner.invoke(args=["lms", "demo", "--reset-passwords"])
    password = next(line.split()[1] for line in reset.output.splitlines() if "coordinator@demo.example" in line)
    assert authenticate("coordinator@demo.example", password) is not None
    open_sessions = db.session.execute(sa.select(sa.func.count(UserSession.id)).where(
        UserSession.user_id == clara.id, UserSession.ended_at.is_(None))).scalar()
    assert open_sessions == 0


def test_welcome_links_last_a_week_and_reset_links_an_hour(client, ctx):
    import re
    from datetime import timedelta

    from lms.auth.services import request_password_reset
    from lms.cohorts.services import Enrolment, enrol_people
    from lms.core import time as lms_time

    cohort = make_cohort()
    enrol_people(cohort, [Enrolment("new@example.org", "New Person", Role.PARTICIPANT)])
    make_user("old@example.org", "Old Hand")
    request_password_reset("old@example.org")
    db.session.commit()
    links = {m.recipient: re.search(r"(/reset/\S+)", m.body).group(1)
             for m in db.session.execute(sa.select(OutboxMessage)).scalars()}
    lms_time.freeze(lms_time.utcnow() + timedelta(days=2))
    assert client.get(links["new@example.org"]).status_code == 200
    assert client.get(links["old@example.org"]).headers["Location"].endswith("/reset")
    lms_time.freeze(lms_time.utcnow() + timedelta(days=6))
    assert client.get(links["new@example.org"]).status_code == 302


def test_the_last_coordinator_cannot_be_removed_and_re_adding_says_so(client, ctx):
    cohort = make_cohort()
    clara = make_user("clara@example.org", "Clara Coordinator")
    enrol(clara, cohort, Role.COORDINATOR)
    make_user("amina@example.org", "Amina Diallo")
    login(client, "clara@example.org")
    people = "/cohorts/itu-dpg-oss-2024/people"
    own = db.session.execute(sa.select(Membership.id)).scalar_one()
    client.post(f"{people}/{own}/remove", data={"csrf_token": csrf_token(client, people)})
    page = client.get(people).get_data(as_text=True)
    assert "only coordinator. Add another coordinator first." in page
    assert _count(Membership) == 1
    form = {"email": "amina@example.org", "name": "", "role": "participant", "country": "", "organisation": ""}
    assert client.post(people, data={"csrf_token": csrf_token(client, people), **form}).status_code == 302
    assert "Amina Diallo is now participant" in client.get(people).get_data(as_text=True)
    client.post(people, data={"csrf_token": csrf_token(client, people), **form})
    assert "already participant in this cohort; nothing changed" in client.get(people).get_data(as_text=True)
    nameless = client.post(people, data={"csrf_token": csrf_token(client, people), **form,
                                         "email": "brand.new@example.org"}).get_data(as_text=True)
    assert "has no account yet: give their full name" in nameless


def test_time_zones_and_genders_load_with_the_people(runner, ctx, tmp_path):
    make_cohort()
    make_user("amina.diallo@example.org", "Amina Diallo", timezone="UTC", gender="woman")
    text = ("email,name,role,country,organisation,time_zone,gender\n"
            "amina.diallo@example.org,Amina Diallo,participant,SN,,Africa/Dakar,female\n"
            "lan@example.org,Nguyễn Thị Lan,participant,VN,Viet Nam MIC,Asia/Saigon,nữ\n"
            "ivan@example.org,Иван Петров,participant,UA,,Europe/Kyiv,\n")
    result = _run(runner, tmp_path, text)
    assert result.exit_code == 0, result.output
    people = {u.email: u for u in db.session.execute(sa.select(User)).scalars()}
    assert (people["amina.diallo@example.org"].timezone, people["amina.diallo@example.org"].gender) == (
        "Africa/Dakar", "woman")  # a zone for an account still on UTC; a gender never replaced
    assert (people["lan@example.org"].timezone, people["lan@example.org"].gender) == ("Asia/Ho_Chi_Minh", "nữ")
    assert (people["ivan@example.org"].timezone, people["ivan@example.org"].gender) == ("Europe/Kyiv", None)
    bad = _run(runner, tmp_path, "email,name,role,time_zone,gender\n"
                                 "x@example.org,X,participant,Mars/Olympus,\n"
                                 f"y@example.org,Y,participant,UTC,{'g' * 65}\n")
    assert bad.exit_code == 1
    assert "line 2: unknown time zone 'Mars/Olympus'" in bad.output
    assert "line 3: the gender is longer than 64 characters" in bad.output


def test_coordinator_enrols_a_csv_in_the_browser_and_a_bad_file_enrols_nobody(client, ctx):
    import io

    from tests.conftest import log_in_as

    cohort = make_cohort()
    clara = make_user("clara@example.org", "Clara Coordinator")
    enrol(clara, cohort, Role.COORDINATOR)
    log_in_as(client, clara.id)
    token = csrf_token(client, "/cohorts/itu-dpg-oss-2024/people")
    bad = ("email,name,role,time_zone\nlan@example.org,Nguyễn Thị Lan,participant,Asia/Saigon\n"
           "x@example.org,Иван,participant,Nowhere/Town\n")
    page = client.post("/cohorts/itu-dpg-oss-2024/people/import", follow_redirects=True,
                       data={"csrf_token": token, "people_csv": (io.BytesIO(bad.encode()), "people.csv")})
    assert "Nobody was enrolled from people.csv: line 3: unknown time zone" in page.get_data(as_text=True)
    assert _count(Membership) == 1
    good = bad.replace("Nowhere/Town", "Europe/Kyiv")
    page = client.post("/cohorts/itu-dpg-oss-2024/people/import", follow_redirects=True,
                       data={"csrf_token": token, "people_csv": (io.BytesIO(good.encode("utf-16")), "people.csv")})
    assert "Enrolled 2 membership(s); 2 new account(s)" in page.get_data(as_text=True)
    lan = db.session.execute(sa.select(User).where(User.email == "lan@example.org")).scalar_one()
    assert lan.timezone == "Asia/Ho_Chi_Minh" and lan.name == "Nguyễn Thị Lan"
