"""The course-file checker: the real files load; every malformed file is refused whole,
with each problem's path and line."""
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from lms.courses.loader import CourseFileError, load_course, load_course_file

COURSES = Path(__file__).resolve().parents[2] / "courses"

MINIMAL = """\
[course]
slug = "mini"
title = "Mini course"
summary = "A course of one session."

[[sessions]]
title = "Only session"
duration_minutes = 60

[grading]
threshold = 80

  [[grading.components]]
  key = "project"
  title = "Project"
  max = 10
  weight = 100
  policy = "marks"

[[cohorts]]
slug = "mini-2025"
title = "Mini 2025"
timezone = "Europe/Zurich"
sessions = [ { number = 1, starts_at = 2025-03-30T15:00:00 } ]
"""


def test_the_itu_course_file_loads_with_the_2024_facts():
    spec = load_course_file(COURSES / "itu-dpg-oss.toml")
    assert spec.title == "Digital Public Goods and Open Source"
    assert [s.duration_minutes for s in spec.sessions] == [120, 120, 120, 120, 180]
    scheme = {c.key: (c.max_points, c.weight, c.policy) for c in spec.grading.components}
    assert scheme == {
        "knowledge_check": (10, 10, "completion"), "attendance": (15, 15, "attendance"),
        "participation": (15, 15, "marks"), "final_project": (60, 60, "levels"),
    }
    levels = dict(next(c for c in spec.grading.components if c.key == "final_project").levels)
    assert levels == {"submission": 40, "good": 50, "excellent": 60}
    assert spec.grading.threshold == 80 and spec.grading.strict is True
    assert (spec.group_min, spec.group_max) == (5, 6)
    assert 8 <= len(spec.knowledge_check.questions) <= 12
    cohort = spec.cohorts[0]
    assert cohort.capacity == 32 and cohort.timezone == "Europe/Zurich"
    starts = [s.starts_at for s in cohort.sessions]
    assert starts == [datetime(2024, 10, 30, 14, tzinfo=UTC), datetime(2024, 11, 1, 14, tzinfo=UTC),
                      datetime(2024, 11, 6, 14, tzinfo=UTC), datetime(2024, 11, 8, 14, tzinfo=UTC),
                      datetime(2024, 11, 22, 13, tzinfo=UTC)]
    assert spec.attendance.present_share == Decimal("0.75")


def test_every_course_file_in_the_repository_loads():
    files = sorted(COURSES.glob("*.toml"))
    assert files
    for path in files:
        assert load_course_file(path).sessions


def test_minimal_file_loads_and_reads_local_times_in_the_cohort_zone():
    spec = load_course(MINIMAL)
    # 30 March 2025 is the first day of summer time in Zurich: 15:00 there is 13:00 UTC.
    assert spec.cohorts[0].sessions[0].starts_at == datetime(2025, 3, 30, 13, tzinfo=UTC)


def problems(text: str) -> list[str]:
    with pytest.raises(CourseFileError) as caught:
        load_course(text, "bad.toml")
    return caught.value.problems


def one_problem(text: str, *fragments: str) -> str:
    found = problems(text)
    assert len(found) == 1, found
    for fragment in fragments:
        assert fragment in found[0], found[0]
    return found[0]


def test_bad_toml_syntax_names_the_line():
    found = problems(MINIMAL.replace('title = "Mini course"', 'title = "Mini course'))
    assert "not valid TOML" in found[0] and "line 3" in found[0]


def test_missing_required_keys():
    text = MINIMAL.replace('title = "Mini course"\n', "").replace('summary = "A course of one session."\n', "")
    found = problems(text)
    assert any("course.title: is required" in p for p in found)
    assert any("course.summary: is required" in p for p in found)


def test_unknown_key_is_a_typo_caught():
    one_problem(MINIMAL.replace("duration_minutes = 60", "duration_minutes = 60\ndurration = 3"),
                "bad.toml:9: sessions[0].durration: unknown key")


def test_session_time_that_is_not_a_date_time():
    one_problem(MINIMAL.replace("starts_at = 2025-03-30T15:00:00", 'starts_at = "next tuesday"'),
                "cohorts[0].sessions[0].starts_at: not an ISO date-time", "bad.toml:24")


def test_time_skipped_by_the_spring_forward_change():
    one_problem(MINIMAL.replace("2025-03-30T15:00:00", "2025-03-30T02:30:00"),
                "does not exist in Europe/Zurich")


def test_time_repeated_by_the_fall_back_change_needs_an_offset():
    one_problem(MINIMAL.replace("2025-03-30T15:00:00", "2025-10-26T02:30:00"),
                "happens twice in Europe/Zurich", "2025-10-26T02:30+02:00")


def test_weights_must_add_up_to_100():
    one_problem(MINIMAL.replace("weight = 100", "weight = 90"), "weights must add up to 100, not 90")


def test_unknown_time_zone():
    one_problem(MINIMAL.replace('timezone = "Europe/Zurich"', 'timezone = "CET+1"'),
                "cohorts[0].timezone: must be an IANA time zone")


def test_wrong_types_are_named():
    found = problems(MINIMAL.replace("duration_minutes = 60", 'duration_minutes = "an hour"')
                     .replace("max = 10", "max = true"))
    assert any("sessions[0].duration_minutes: must be a whole number, not text" in p for p in found)
    assert any("grading.components[0].max: must be a number, not true/false" in p for p in found)


def test_session_number_outside_the_outline():
    one_problem(MINIMAL.replace("number = 1", "number = 4"), "cohorts[0].sessions[0].number: must be between 1 and 1")


def test_overlapping_and_duplicate_sessions():
    text = MINIMAL.replace("""[[sessions]]
title = "Only session"
duration_minutes = 60""", """[[sessions]]
title = "One"
duration_minutes = 60

[[sessions]]
title = "Two"
duration_minutes = 60""").replace(
        "sessions = [ { number = 1, starts_at = 2025-03-30T15:00:00 } ]",
        "sessions = [ { number = 1, starts_at = 2025-03-30T15:00:00 }, { number = 2, starts_at = 2025-03-30T15:30:00 },"
        " { number = 2, starts_at = 2025-04-30T15:30:00 } ]")
    found = problems(text)
    assert any("session 2 is scheduled more than once" in p for p in found)
    assert any("sessions 1 and 2 overlap" in p for p in found)


def test_levels_must_match_the_project_and_stay_within_the_maximum():
    text = MINIMAL.replace('policy = "marks"', 'policy = "levels"\n  levels = { pass = 5, good = 12 }') + """
[project]
title = "P"
brief = "Do it."
  [[project.levels]]
  name = "pass"
  points = 6
"""
    found = problems(text)
    assert any("levels.good: must be between 0 and 10, not 12" in p for p in found)
    assert any("project.levels[0].points: says 6 but the grading scheme gives 'pass' 5" in p for p in found)


def test_join_url_must_be_https_and_materials_need_a_known_kind():
    text = MINIMAL.replace("starts_at = 2025-03-30T15:00:00", 'starts_at = 2025-03-30T15:00:00, join_url = "http://zoom.example/j/1"')
    text = text.replace("duration_minutes = 60", """duration_minutes = 60
  [[sessions.materials]]
  title = "Slides"
  kind = "powerpoint"
  url = "https://example.org/s.pdf"
""")
    found = problems(text)
    assert any("join_url: must be an https:// address" in p for p in found)
    assert any("sessions[0].materials[0].kind: must be one of slides, video" in p for p in found)


def test_bad_slug_and_capacity_and_window():
    text = MINIMAL.replace('slug = "mini-2025"', 'slug = "Mini 2025"\ncapacity = 0\n'
                           'applications_open = 2025-02-01T00:00:00\napplications_close = 2025-01-01T00:00:00')
    found = problems(text)
    assert any("cohorts[0].slug: must be lower-case words" in p for p in found)
    assert any("cohorts[0].capacity: must be between 1 and 10000, not 0" in p for p in found)
    assert any("applications_close: must be after applications_open" in p for p in found)


def test_knowledge_check_answer_out_of_range():
    text = MINIMAL + """
[knowledge_check]
title = "Check"
  [[knowledge_check.questions]]
  text = "Two plus two?"
  choices = ["3", "4"]
  correct = 3
"""
    one_problem(text, "knowledge_check.questions[0].correct: must be between 1 and 2")


def test_every_problem_is_reported_at_once():
    text = (MINIMAL.replace("weight = 100", "weight = 50").replace('timezone = "Europe/Zurich"', 'timezone = "Nowhere"')
            .replace('slug = "mini"', 'slug = "Mini!"'))
    assert len(problems(text)) == 3


def test_a_missing_or_binary_file_is_a_clear_error(tmp_path):
    with pytest.raises(CourseFileError, match="no such file"):
        load_course_file(tmp_path / "none.toml")
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00junk")  # a UTF-16 byte-order mark, then an odd number of bytes
    with pytest.raises(CourseFileError, match="not valid UTF-16"):
        load_course_file(binary)


def test_the_readme_example_is_a_valid_course_file():
    readme = (COURSES.parent / "README.md").read_text()
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    spec = load_course(example, "README.md")
    assert spec.slug == "dpg-basics" and len(spec.cohorts[0].sessions) == 2
    assert spec.cohorts[0].sessions[1].duration_minutes == 180


def test_the_project_names_its_presentation_session_and_late_policy():
    spec = load_course_file(Path(__file__).resolve().parents[2] / "courses" / "itu-dpg-oss.toml")
    assert spec.project is not None
    assert (spec.project.presentation_session, spec.project.late_uploads) == (5, "flag")
    text = MINIMAL + '\n[project]\ntitle = "P"\nbrief = "B"\nlate_uploads = "sometimes"\n'
    assert any("project.late_uploads" in p for p in problems(text))
    assert load_course(MINIMAL + '\n[project]\ntitle = "P"\nbrief = "B"\n').project.late_uploads == "flag"
