"""Benchmark: a cohort's synchronised quiz start. N participants (default 500) log in, open
the knowledge check within ten seconds of each other, answer every question with background
saves (the page script's JSON endpoint) after a few seconds' thought each, and submit —
twice, as a double click would — against gunicorn on loopback. Prints p50/p95/p99 per step,
then proves from the database that every answer given is stored and every attempt was
submitted exactly once.

    .venv/bin/python benchmarks/quiz_burst.py                      # 500 participants, SQLite
    .venv/bin/python benchmarks/quiz_burst.py --participants 100
    .venv/bin/python benchmarks/quiz_burst.py --think 0            # no pause between saves: a stress test
    LMS_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python benchmarks/quiz_burst.py                  # PostgreSQL (emptied first)

Needs gunicorn (``pip install -e '.[bench]'``). The clients are threads of this process
using the standard library only; each participant has its own cookie jar. Each save follows
``--think`` seconds (mean, default 5, spread ±50 %) of reading: quicker than people answer
(the ITU check gives 20 minutes for 10 questions), so 500 participants send about 100
saves a second. With ``--think 0`` all 7,500 requests arrive as fast as the server answers,
which measures its throughput rather than what a participant waits. Figures from one
run on a shared machine are noisy; the verification is what must never fail.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from benchmarks.pages import free_port  # noqa: E402
from lms import create_app  # noqa: E402
from lms.audit.models import AuditEvent  # noqa: E402
from lms.auth.models import User  # noqa: E402
from lms.auth.passwords import hash_password  # noqa: E402
from lms.cohorts.models import Membership, Role  # noqa: E402
from lms.cohorts.services import get_cohort  # noqa: E402
from lms.core.db import db  # noqa: E402
from lms.courses.loader import load_course_file  # noqa: E402
from lms.courses.services import import_course  # noqa: E402
from lms.quizzes.models import Answer, Attempt, Quiz  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SLUG = "itu-dpg-oss-2024"
PASSWORD = "benchmark password 2024"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SHOWN = re.compile(r'name="shown" value="(\d+)"')


def build(app: Flask, participants: int) -> int:
    """The ITU cohort with its knowledge check (ten questions, 20 minutes) and N participants."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        import_course(load_course_file(ROOT / "courses" / "itu-dpg-oss.toml"))
        db.session.commit()
        cohort = get_cohort(SLUG)
        cohort.capacity = participants
        secret = hash_password(PASSWORD)
        users = [User(email=f"p{i:05d}@bench.example", name=f"Participant {i:05d} Ngô Thị Hạnh", timezone="UTC",
                      password_hash=secret) for i in range(participants)]
        db.session.add_all(users)
        db.session.flush()
        db.session.add_all(Membership(cohort_id=cohort.id, user_id=u.id, role=Role.PARTICIPANT) for u in users)
        db.session.commit()
        return db.session.execute(sa.select(Quiz.id)).scalar_one()


class Participant:
    def __init__(self, base: str, index: int):
        self.base, self.index = base, index
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _NoRedirect())
        self.given: dict[int, int] = {}

    def request(self, path: str, data: dict[str, str] | list[tuple[str, str]] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=120) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201 - the handler's protocol
        return None


def log_in(p: Participant, timings: dict[str, list[float]], lock: threading.Lock, failures: list[str]) -> None:
    """Phase one: everyone logs in (scrypt makes this the costly step; it is not the burst)."""
    _, page = p.request("/login")
    token = CSRF.search(page).group(1)
    started = time.perf_counter()
    status, _ = p.request("/login", {"csrf_token": token, "email": f"p{p.index:05d}@bench.example",
                                     "password": PASSWORD})
    with lock:
        timings["log in"].append((time.perf_counter() - started) * 1000)
    if status != 302:
        failures.append(f"p{p.index}: login {status}")


def run_participant(p: Participant, quiz_id: int, delay: float, think: float, timings: dict[str, list[float]],
                    lock: threading.Lock, failures: list[str]) -> None:
    """Phase two, the burst: open the quiz within the spread, save every answer (after
    ``think`` seconds on average to read the question), submit twice."""
    q = f"/cohorts/{SLUG}/quizzes/{quiz_id}"

    def step(name: str, call):  # noqa: ANN001, ANN202
        started = time.perf_counter()
        status, text = call()
        with lock:
            timings[name].append((time.perf_counter() - started) * 1000)
        return status, text

    time.sleep(delay)  # everyone opens the quiz within ten seconds
    _, page = p.request(q)
    token = CSRF.search(page).group(1)
    status, _ = step("start attempt", lambda: p.request(f"{q}/start", {"csrf_token": token}))
    status, page = step("open quiz page", lambda: p.request(f"{q}/take"))
    if status != 200:
        failures.append(f"p{p.index}: take page {status}")
        return
    token = CSRF.search(page).group(1)
    for question in SHOWN.findall(page):
        choices = re.findall(rf'name="q-{question}" value="(\d+)"', page)
        pick = random.choice(choices)
        time.sleep(random.uniform(0.5, 1.5) * think)
        status, text = step("background save", lambda question=question, pick=pick: p.request(
            f"{q}/answer", [("csrf_token", token), ("shown", question), (f"q-{question}", pick)]))
        if status != 200 or not json.loads(text)["ok"]:
            failures.append(f"p{p.index}: save {status} {text[:100]}")
            continue
        p.given[int(question)] = int(pick)
    form = [("csrf_token", token), ("action", "submit"), ("page", "0")]
    results = []

    def submit() -> None:
        results.append(step("submit (double click)", lambda: p.request(f"{q}/take", form))[0])

    clicks = [threading.Thread(target=submit) for _ in range(2)]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    if results != [302, 302]:
        failures.append(f"p{p.index}: submit {results}")


def percentiles(values: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else values * 99
    return cuts[49], cuts[94], cuts[98]


def verify(app: Flask, quiz_id: int, people: list[Participant]) -> list[str]:
    """Every answer given stored as given; every attempt submitted, and submitted once."""
    problems = []
    with app.app_context():
        attempts = {a.user_id: a for a in db.session.execute(sa.select(Attempt)).scalars()}
        emails = dict(db.session.execute(sa.select(User.email, User.id)).all())
        stored = defaultdict(dict)
        for answer in db.session.execute(sa.select(Answer)).scalars():
            stored[answer.attempt_id][answer.question_id] = answer.response
        submits = defaultdict(int)
        for object_id, in db.session.execute(sa.select(AuditEvent.object_id).where(
                AuditEvent.action == "quiz.attempt.submit")).all():
            submits[int(object_id)] += 1
        count = db.session.scalar(sa.select(sa.func.count(Attempt.id)))
        if count != len(people):
            problems.append(f"{count} attempts for {len(people)} participants")
        for p in people:
            attempt = attempts.get(emails[f"p{p.index:05d}@bench.example"])
            if attempt is None or attempt.submitted_at is None:
                problems.append(f"p{p.index}: not submitted")
                continue
            if submits[attempt.id] != 1:
                problems.append(f"p{p.index}: submitted {submits[attempt.id]} times")
            for question, pick in p.given.items():
                if stored[attempt.id].get(question) != [pick]:
                    problems.append(f"p{p.index}: answer to {question} lost or changed")
            if len(p.given) != 10:
                problems.append(f"p{p.index}: only {len(p.given)} answers acknowledged")
    return problems


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4,
                        help="gunicorn worker processes (two per core: one runs while the other waits on the database)")
    parser.add_argument("--threads", type=int, default=2,
                        help="threads per worker (more threads share one interpreter lock: -w 2 --threads 8 gave "
                             "a save p95 ten times higher on 2 cores)")
    parser.add_argument("--clients", type=int, default=0, help="client threads at once (default: one per participant)")
    parser.add_argument("--spread", type=float, default=10.0, help="seconds over which the quiz is opened")
    parser.add_argument("--think", type=float, default=5.0,
                        help="mean seconds to read and answer a question before its save (0: no pause at all)")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="lms-quiz-burst-")
    url = os.environ.get("LMS_BENCH_DATABASE_URL") or f"sqlite:///{workdir}/bench.sqlite3"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, LMS_UPLOAD_DIR=workdir, RATELIMIT_ENABLED=False)
    quiz_id = build(app, args.participants)
    port = free_port()
    env = {**os.environ, "LMS_BENCH_DATABASE_URL": url, "PYTHONPATH": str(ROOT), "LMS_ENV": "testing"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen([str(gunicorn), "-w", str(args.workers), "-k", "gthread", "--threads",
                               str(args.threads), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                               "benchmarks.quiz_burst:server_app()"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if urllib.request.urlopen(base + "/login", timeout=5).status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            sys.exit("gunicorn did not answer within two minutes")
        people = [Participant(base, i) for i in range(args.participants)]
        timings: dict[str, list[float]] = defaultdict(list)
        lock, failures = threading.Lock(), []
        clients = args.clients or args.participants
        with ThreadPoolExecutor(min(clients, 32)) as pool:
            for future in [pool.submit(log_in, p, timings, lock, failures) for p in people]:
                future.result()
        started, clients_cpu = time.perf_counter(), _cpu(resource.RUSAGE_SELF)
        with ThreadPoolExecutor(clients) as pool:
            for future in [pool.submit(run_participant, p, quiz_id, random.uniform(0, args.spread), args.think,
                                       timings, lock, failures) for p in people]:
                future.result()
        elapsed = time.perf_counter() - started
        clients_cpu = _cpu(resource.RUSAGE_SELF) - clients_cpu
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    server_cpu = _cpu(resource.RUSAGE_CHILDREN)  # gunicorn and its workers, once they have exited
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"\n{args.participants} participants on {database}, gunicorn -w {args.workers} gthread x{args.threads}, "
          f"{clients} client threads, {args.think:g} s mean thinking per question; "
          f"the burst after the logins took {elapsed:.1f} s")
    print(f"CPU: the client threads used {clients_cpu:.0f} s during the burst; gunicorn {server_cpu:.0f} s in all "
          f"(logins included), on {os.cpu_count()} cores")
    print(f"{'step':<24} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name in ("log in", "start attempt", "open quiz page", "background save", "submit (double click)"):
        values = timings[name]
        if values:
            p50, p95, p99 = percentiles(values)
            print(f"{name:<24} {len(values):>8} {p50:8.1f} {p95:8.1f} {p99:8.1f}")
    problems = failures + verify(app, quiz_id, people)
    answers = sum(len(p.given) for p in people)
    if problems:
        print(f"\nFAILED: {len(problems)} problem(s)")
        for problem in problems[:20]:
            print(f"  {problem}")
        sys.exit(1)
    print(f"\nverified from the database: {answers} answers given, {answers} stored as given, 0 lost; "
          f"{args.participants} attempts, each submitted exactly once (of {2 * args.participants} submit requests)")


def server_app() -> Flask:
    """The app gunicorn serves."""
    return create_app("testing", SQLALCHEMY_DATABASE_URI=os.environ["LMS_BENCH_DATABASE_URL"], RATELIMIT_ENABLED=False)


if __name__ == "__main__":
    main()
