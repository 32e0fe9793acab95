"""The course-file loader and the time helpers stay plain Python (STYLE.md "A pure core"):
no Flask, SQLAlchemy or model imports, so they can be tested and reused without an app."""
import ast
from pathlib import Path

import pytest

LMS = Path(__file__).resolve().parents[2] / "lms"
PURE = ["courses/spec.py", "courses/loader.py", "courses/serialise.py", "core/localtime.py", "core/timefmt.py",
        "core/encodings.py",
        "attendance/report.py", "attendance/rules.py", "grading/__init__.py", "grading/engine.py",
        "quizzes/scoring.py"]
FORBIDDEN = ("flask", "sqlalchemy", "flask_sqlalchemy", "werkzeug", "wtforms")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("relative", PURE)
def test_pure_modules_import_no_framework(relative):
    for name in _imports(LMS / relative):
        assert not name.startswith(FORBIDDEN), f"{relative} imports {name}"
        assert not name.endswith(".models"), f"{relative} imports {name}"
        if name.startswith("lms."):
            assert name.removeprefix("lms.").replace(".", "/") + ".py" in PURE, f"{relative} imports {name}"
