"""The built wheel is a working plug-in: built from a copy of the sources, installed
into a fresh virtual environment, mounted in the host application (copied next to a
``config.py`` of the host's own), it runs its migrations and renders its pages.

Offline and fast: the wheel is built with this environment's setuptools (no build isolation)
and installed with ``--no-deps --no-index``; the fresh environment finds the dependencies
(Flask, SQLAlchemy…) through a ``.pth`` line naming this environment's site-packages. A
``.pth`` line adds a directory without running the ``.pth`` files in it, so the checkout's
editable install is not seen: ``import lms`` can only find the installed wheel.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from tests.host_app.conftest import host_database_url

ROOT = Path(__file__).resolve().parents[2]

DRIVER = '''
import sys

import config  # the host's own config.py: the LMS must not have taken the name

assert config.HOST_SETTING == "the host's own config", config.__file__

import lms
from host_app.app import add_user, create_app

app = create_app()
with app.app_context():
    add_user("dilnoza@example.org", "Дильноза Юсупова", "host password", method="pbkdf2:sha256:1000")
client = app.test_client()
response = client.post("/login?next=/learn/", data={"email": "dilnoza@example.org", "password": "host password"})
assert response.headers["Location"] == "/learn/", response.headers
page = client.get("/learn/").get_data(as_text=True)
assert "Hello, Дильноза Юсупова" in page and "Host Academy footer" in page, page
stylesheet = page.split('<link rel="stylesheet" href="', 1)[1].split('"', 1)[0]
assert stylesheet.startswith("/learn/lms-assets/") and client.get(stylesheet).status_code == 200
assert client.get("/learn/courses/").status_code == 200
assert sys.modules["config"] is config and "lms.config" not in sys.modules
print("lms from", lms.__file__)
print("templates from", lms.TEMPLATES_DIR)
print("migrations from", lms.MIGRATIONS_DIR)
'''


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "lms", "templates", "migrations")


def _build_wheel(tmp_path: Path) -> Path:
    """From a copy of what the build reads (nothing in the checkout is written)."""
    source = tmp_path / "source"
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
          "--wheel-dir", str(tmp_path / "dist"), str(source)], tmp_path)
    [wheel] = (tmp_path / "dist").glob("lms-*.whl")
    return wheel


def _fresh_environment(tmp_path: Path, wheel: Path) -> Path:
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path)
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", "--no-index",
          str(wheel)], tmp_path)
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     tmp_path).strip())
    (site / "project-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def test_the_wheel_carries_templates_migrations_static_and_fonts_and_mounts(tmp_path):
    wheel = _build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in ("lms/templates/lms/base.html", "lms/templates/lms/hosted.html", "lms/migrations/env.py",
                    "lms/migrations/alembic.ini", "lms/migrations/versions/0001_accounts_cohorts.py",
                    "lms/static/lms.css", "lms/static/lms.js", "lms/fonts/NotoSansArabic-Regular.ttf",
                    "lms/config.py"):
        assert shipped in names, shipped
    assert not any("__pycache__" in name or name.startswith("tests/") for name in names)
    python = _fresh_environment(tmp_path, wheel)

    site = tmp_path / "hostsite"  # the host's project: its package and its own config.py
    shutil.copytree(ROOT / "tests" / "host_app", site / "host_app",
                    ignore=shutil.ignore_patterns("__pycache__", "test_*.py", "conftest.py"))
    (site / "config.py").write_text('HOST_SETTING = "the host\'s own config"\n')
    (site / "drive.py").write_text(DRIVER)
    env = {**os.environ, "HOST_SQLALCHEMY_DATABASE_URI": host_database_url(tmp_path, "_host_empty"),
           "PYTHONPATH": str(site)}
    flask = [str(python), "-m", "flask", "--app", "host_app.app:create_app"]
    _run([*flask, "db", "upgrade"], site, env)
    output = _run([*flask, "lms", "db", "upgrade"], site, env)
    assert "Running upgrade  -> 0001" in output
    output = _run([str(python), "drive.py"], site, env)
    places = dict(line.split(" from ", 1) for line in output.splitlines() if " from /" in line)
    assert set(places) == {"lms", "templates", "migrations"}, output
    for what, place in places.items():
        assert place.startswith(str(tmp_path / "venv")), (what, place)  # the wheel's, not the checkout's
        assert "site-packages/lms" in place
