"""The course-file checker on damaged copies of the shipped course files: truncated, lines
deleted or repeated, values swapped or of the wrong type. Each case runs in a worker
process with a time limit, so a checker that loops fails the test instead of hanging it;
every case must either load or be refused with the loader's own error, each problem placed
in the file."""
from __future__ import annotations

import multiprocessing
import re
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.courses.loader import CourseFileError, load_course

COURSES = Path(__file__).resolve().parents[2] / "courses"
FILES = {path.name: path.read_text(encoding="utf-8") for path in sorted(COURSES.glob("*.toml"))}
#: Generous: a healthy check takes milliseconds; only a loop comes near this, even on a busy machine.
TIME_LIMIT_SECONDS = 15
SOURCE = "damaged.toml"
VALUE_LINE = re.compile(r"^(\s*[A-Za-z0-9_\"-]+\s*=\s*)(.+)$")
HEADER_LINE = re.compile(r"^\s*\[")
OTHER_VALUES = ['"text"', '""', "42", "-1", "0", "3.5", "nan", "-inf", "true", "[]", "{}", '[1, "a"]',
                "{ a = 1 }", "2024-10-30", "2024-10-30T15:00:00", "9999-12-31T23:59:59-12:00",
                "0001-01-01T00:00:00+14:00", "0x" + "f" * 5000, '"' + "x" * 30_000 + '"', '"Europe/../../etc"']


def _serve(conn: multiprocessing.connection.Connection) -> None:
    """The worker: check each text it is sent and answer (outcome, problems or traceback)."""
    while (text := conn.recv()) is not None:
        try:
            load_course(text, SOURCE)
        except CourseFileError as error:
            conn.send(("refused", error.problems))
        except BaseException:  # noqa: B036 - anything else is exactly what this test looks for
            conn.send(("crashed", traceback.format_exc()))
        else:
            conn.send(("loaded", []))


class Checker:
    """One worker process, replaced if a case ever runs out of time."""

    def __init__(self) -> None:
        self.context = multiprocessing.get_context("spawn")
        self._start()

    def _start(self) -> None:
        self.conn, child = self.context.Pipe()
        self.process = self.context.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()
        child.close()

    def check(self, text: str) -> tuple[str, list[str] | str]:
        self.conn.send(text)
        if not self.conn.poll(TIME_LIMIT_SECONDS):
            self.stop(kill=True)
            self._start()
            return "timed out", f"no answer within {TIME_LIMIT_SECONDS} s"
        return self.conn.recv()

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            self.conn.send(None)
        self.process.join()
        self.conn.close()


@pytest.fixture(scope="module")
def checker() -> Iterator[Checker]:
    worker = Checker()
    yield worker
    worker.stop()


def assert_loads_or_is_refused_in_place(outcome: tuple[str, list[str] | str]) -> None:
    kind, detail = outcome
    assert kind in {"loaded", "refused"}, f"{kind}:\n{detail}"
    if kind == "refused":
        assert detail, "refused without saying why"
        for problem in detail:
            assert re.match(rf"^{re.escape(SOURCE)}(:\d+)?: \S", problem), problem
            assert len(problem) < 1000, problem[:200]


# -- what went wrong before: a missing [course] or [[sessions]] table looped for ever --------------

def _without(text: str, header: str) -> str:
    """``text`` without the table ``header`` and its keys (up to the next table)."""
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        if HEADER_LINE.match(line):
            skipping = line.strip() == header
        if not skipping:
            out.append(line)
    return "".join(out)


@pytest.mark.parametrize("name", sorted(FILES))
@pytest.mark.parametrize("header", ["[course]", "[[sessions]]"])
def test_a_file_without_its_course_or_sessions_table_is_refused_in_time(checker, name, header):
    kind, problems = checker.check(_without(FILES[name], header))
    assert kind == "refused", problems
    assert_loads_or_is_refused_in_place((kind, problems))
    table = header.strip("[]")
    assert any(f": {table}: is required" in p or f": {table}" in p for p in problems), problems


def test_only_the_header_line_gone_keeps_line_numbers(checker):
    text = FILES["itu-dpg-oss.toml"].replace("[course]\n", "", 1)
    kind, problems = checker.check(text)
    assert kind == "refused"
    assert any(re.match(rf"^{SOURCE}:\d+: slug: unknown key", p) for p in problems), problems


def test_keys_with_brackets_or_dots_are_placed_without_looping(checker):
    text = FILES["itu-dpg-oss.toml"].replace("[course]\n", '[course]\n"odd]" = 1\n"a.b" = 2\n"" = 3\n', 1)
    kind, problems = checker.check(text)
    assert kind == "refused"
    assert_loads_or_is_refused_in_place((kind, problems))
    assert any("odd]: unknown key" in p for p in problems), problems


@pytest.mark.parametrize("value", ["0x" + "f" * 5000, "1" + "0" * 5000, "9999-12-31T23:59:00-12:00",
                                   "0001-01-01T00:00:00+14:00", '"Europe/../../etc/passwd"', "[" * 2000])
def test_hostile_values_are_refused_with_a_message(checker, value):
    text = FILES["itu-dpg-oss.toml"]
    for key in ("capacity", "timezone", "threshold"):
        damaged, found = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text, count=1)
        assert found == 1, key
        outcome = checker.check(damaged)
        assert outcome[0] == "refused", outcome
        assert_loads_or_is_refused_in_place(outcome)


# -- the property -------------------------------------------------------------------------------

@st.composite
def damaged_files(draw: st.DrawFn) -> str:
    lines = FILES[draw(st.sampled_from(sorted(FILES)))].splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        how = draw(st.sampled_from(["truncate", "delete", "duplicate", "swap", "retype", "drop_header"]))
        i = draw(st.integers(0, len(lines) - 1))
        if how == "truncate":
            text = "".join(lines)
            lines = text[:draw(st.integers(0, len(text)))].splitlines(keepends=True)
        elif how == "delete":
            del lines[i]
        elif how == "duplicate":
            lines.insert(i, lines[i])
        elif how == "drop_header":
            headers = [n for n, line in enumerate(lines) if HEADER_LINE.match(line)]
            if headers:
                del lines[draw(st.sampled_from(headers))]
        else:
            values = [n for n, line in enumerate(lines) if VALUE_LINE.match(line)]
            if not values:
                continue
            a = draw(st.sampled_from(values))
            key_a, value_a = VALUE_LINE.match(lines[a]).groups()
            if how == "swap":
                b = draw(st.sampled_from(values))
                key_b, value_b = VALUE_LINE.match(lines[b]).groups()
                lines[a], lines[b] = f"{key_a}{value_b}\n", f"{key_b}{value_a}\n"
            else:
                lines[a] = f"{key_a}{draw(st.sampled_from(OTHER_VALUES))}\n"
    return "".join(lines)


@settings(max_examples=100, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=damaged_files())
def test_damaged_course_files_load_or_are_refused_in_place_in_time(checker, text):
    assert_loads_or_is_refused_in_place(checker.check(text))
