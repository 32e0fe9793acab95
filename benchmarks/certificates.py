"""Benchmark: issuing 1,000 certificates with their PDFs, and the gradebook of a
5,000-participant cohort. Prints wall time, CPU time (this process and its worker processes)
and SQL statement counts.

    .venv/bin/python benchmarks/certificates.py [--certificates 1000] [--participants 5000]
        [--workers N] [--no-gradebook]

``--workers`` sets the number of processes rendering the PDFs (default: one per CPU);
``--no-gradebook`` measures only the certificates.

Runs on a throw-away SQLite database (or LMS_BENCH_DATABASE_URL). Figures from one run
on a shared machine are noisy: compare ratios, not absolute seconds.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from lms import create_app  # noqa: E402
from lms.auth.models import User  # noqa: E402
from lms.certificates import services as certificates  # noqa: E402
from lms.cohorts.models import Membership, Role  # noqa: E402
from lms.cohorts.services import get_cohort  # noqa: E402
from lms.core.db import db  # noqa: E402
from lms.courses.loader import load_course_file  # noqa: E402
from lms.courses.services import import_course  # noqa: E402
from lms.gradebook.models import Mark  # noqa: E402
from lms.gradebook.services import gradebook  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def measured(label: str):
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append("")

    def cpu() -> float:
        return sum(usage.ru_utime + usage.ru_stime for usage in (
            resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))

    sa.event.listen(db.engine, "before_cursor_execute", count)
    started, cpu_started = time.perf_counter(), cpu()
    yield
    elapsed, cpu_used = time.perf_counter() - started, cpu() - cpu_started
    sa.event.remove(db.engine, "before_cursor_execute", count)
    print(f"{label:<48} {elapsed:8.2f} s  {cpu_used:8.2f} s CPU  {len(statements):6d} SQL statements")


def fill(cohort_slug: str, count: int) -> None:
    """``count`` participants who all pass (10/15/15/excellent)."""
    cohort = get_cohort(cohort_slug)
    cohort.capacity = count
    users = [User(email=f"p{i:05d}@{cohort_slug}.example", name=f"Participant {i:05d}", timezone="UTC")
             for i in range(count)]
    db.session.add_all(users)
    db.session.flush()
    db.session.add_all(Membership(cohort_id=cohort.id, user_id=u.id, role=Role.PARTICIPANT) for u in users)
    marks = {"knowledge_check": (Decimal(10), None), "attendance": (Decimal(15), None),
             "participation": (Decimal(15), None), "final_project": (Decimal(60), "excellent")}
    db.session.add_all(Mark(cohort_id=cohort.id, user_id=u.id, component_key=k, points=p, level=lv)
                       for u in users for k, (p, lv) in marks.items())
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=1000)
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=None, help="processes rendering PDFs (default: one per CPU)")
    parser.add_argument("--no-gradebook", action="store_true", help="skip the gradebook measurements")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="lms-bench-")
    url = os.environ.get("LMS_BENCH_DATABASE_URL") or f"sqlite:///{workdir}/bench.sqlite3"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, LMS_UPLOAD_DIR=workdir)
    with app.app_context():
        upgrade()
        spec = load_course_file(ROOT / "courses" / "itu-dpg-oss.toml")
        import_course(spec)
        db.session.commit()

        fill("itu-dpg-oss-2024", args.certificates)
        cohort = get_cohort("itu-dpg-oss-2024")
        with measured(f"finalise + issue {args.certificates} certificates"):
            report = certificates.finalise_cohort(cohort, None)
            db.session.commit()
        assert len(report.issued) == args.certificates
        with measured(f"render {args.certificates} PDFs into one ZIP"):  # as the CLI and the web page read them
            valid = [c for c in certificates.certificates_of(cohort).values() if c.is_valid]
            certificates.write_certificates_zip(Path(workdir) / "all.zip", valid, workers=args.workers)
        size = (Path(workdir) / "all.zip").stat().st_size
        print(f"{'':<48} ZIP {size / 1e6:.1f} MB")
        if args.no_gradebook:
            return

        # A second cohort of the same course for the large gradebook.
        from dataclasses import replace

        big = replace(spec, cohorts=(replace(spec.cohorts[0], slug="bench-large", capacity=args.participants),))
        import_course(big)
        db.session.commit()
        fill("bench-large", args.participants)
        large = get_cohort("bench-large")
        with measured(f"gradebook of {args.participants} participants"):
            book = gradebook(large)
        assert len(book.rows) == args.participants
        small = get_cohort("itu-dpg-oss-2024")
        with measured(f"gradebook of {args.certificates} participants"):
            gradebook(small)


if __name__ == "__main__":
    main()
