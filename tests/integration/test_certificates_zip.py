"""All of a cohort's certificates in one ZIP (issue #15): rendered by worker processes from plain
data, the same PDFs as rendered in the calling process, in file-name order, dated by issue."""
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from lms.certificates import services
from lms.cohorts.models import Role
from lms.cohorts.services import get_cohort
from lms.core.db import db
from lms.courses.loader import load_course_file
from lms.courses.services import import_course
from tests.conftest import enrol, make_user

ROOT = Path(__file__).resolve().parents[2]
# No Devanagari here: ReportLab numbers the glyphs that have no character (the i-sign variant)
# with private-use code points in the order a process first meets them, so the same PDF from
# two processes can differ in those numbers; tests/unit and test_certificate_pdf cover it.
NAMES = ["Nguyễn Thị Lan", "محمد عبد الله", "Иван Петров", "王芳", "Amina Okafor"]


def _issue(runner, tmp_path):
    import_course(load_course_file(ROOT / "courses" / "itu-dpg-oss.toml"))
    db.session.commit()
    cohort = get_cohort("itu-dpg-oss-2024")
    rows = ["email,knowledge_check,attendance,participation,final_project"]
    for number, name in enumerate(NAMES):
        enrol(make_user(f"p{number}@example.org", name), cohort, Role.PARTICIPANT)
        rows.append(f"p{number}@example.org,10,15,15,60")
    grades = tmp_path / "grades.csv"
    grades.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert runner.invoke(args=["lms", "import-grades", cohort.slug, str(grades)]).exit_code == 0
    assert runner.invoke(args=["lms", "issue-certificates", cohort.slug]).exit_code == 0
    return cohort


def _without_dates(pdf: bytes) -> bytes:
    """The PDF less what ReportLab varies by the clock: creation and modification dates, file ID."""
    return re.sub(rb"/(CreationDate|ModDate) \(D:[^)]*\)|\[<[0-9a-f]+><[0-9a-f]+>\]", b"", pdf)


def test_worker_processes_render_the_same_zip_as_the_calling_process(ctx, runner, tmp_path):
    cohort = _issue(runner, tmp_path)
    certificates = list(services.certificates_of(cohort).values())
    here, pooled = io.BytesIO(), io.BytesIO()
    services.write_certificates_zip(here, certificates, workers=1)
    ticks = []
    services.write_certificates_zip(pooled, reversed(certificates), workers=2, progress=ticks.append)
    assert ticks == [1] * len(NAMES)
    with zipfile.ZipFile(here) as one, zipfile.ZipFile(pooled) as two:
        names = one.namelist()
        assert names == two.namelist() == sorted(names) and len(names) == len(NAMES)
        for name in names:
            assert _without_dates(one.read(name)) == _without_dates(two.read(name)), name
        by_code = {c.code[:8]: c for c in certificates}
        for info in one.infolist():
            issued = by_code[info.filename[-12:-4]].issued_at
            assert info.date_time == (*issued.timetuple()[:5], issued.second // 2 * 2)  # ZIP counts 2 s


def test_certificates_zip_command_writes_every_valid_certificate(ctx, runner, tmp_path):
    _issue(runner, tmp_path)
    target = tmp_path / "all.zip"
    result = runner.invoke(args=["lms", "certificates-zip", "itu-dpg-oss-2024", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {len(NAMES)} certificate(s)" in result.output
    with zipfile.ZipFile(target) as archive:
        assert len(archive.namelist()) == len(NAMES)
        assert all(archive.read(name).startswith(b"%PDF-") for name in archive.namelist())


def test_a_script_without_a_main_guard_still_gets_every_pdf(tmp_path):
    # Spawned workers import such a script again, which starts workers again: they die at once.
    script = tmp_path / "unguarded.py"
    script.write_text(
        "from lms.certificates.batch import render_all\n"
        "from lms.certificates.pdf import CertificateText\n"
        "text = CertificateText('Иван Петров', 'Course', 'Cohort', 'Dates', 'Issuer', 'C', 'https://x/v/C', 'Now')\n"
        "pdfs = list(render_all([text] * 3, workers=2))\n"
        "print(len(pdfs), all(pdf.startswith(b'%PDF-') for pdf in pdfs))\n", encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3 True"
