"""The course file's ``[application] criteria`` and ``priority``: what reviewers score and
how the review table suggests an order."""
from pathlib import Path

import pytest

from lms.courses.loader import CourseFileError, load_course, load_course_file
from lms.courses.spec import CriterionSpec

ITU = Path(__file__).resolve().parents[2] / "courses" / "itu-dpg-oss.toml"
BASE = '''
[course]
slug = "mini"
title = "Mini"
summary = "A small course"

[[sessions]]
title = "One"
duration_minutes = 60
'''


def test_the_itu_course_scores_four_criteria_and_puts_developing_countries_first():
    spec = load_course_file(ITU)
    assert [c.key for c in spec.application_criteria] == ["entry_requirements", "role_relevance",
                                                          "digital_service", "motivation"]
    assert all(c.max_points == 5 for c in spec.application_criteria)
    assert spec.application_priority == "developing_first"


def test_criteria_default_to_none_and_the_order_to_score():
    spec = load_course(BASE, "mini.toml")
    assert (spec.application_criteria, spec.application_priority) == ((), "score")
    spec = load_course(BASE + '[application]\ncriteria = [{ key = "fit", title = "Fit" }]\n', "mini.toml")
    assert spec.application_criteria == (CriterionSpec("fit", "Fit", 5),)


@pytest.mark.parametrize("section, message", [
    ('priority = "alphabetical"', "application.priority: must be one of score, developing_first"),
    ('criteria = [{ key = "Fit", title = "Fit" }]', "application.criteria[0].key: must be lower_snake_case"),
    ('criteria = [{ key = "fit", title = "Fit", max = 0 }]', "application.criteria[0].max: must be between 1 and 100"),
    ('criteria = [{ key = "fit", title = "A" }, { key = "fit", title = "B" }]', "key 'fit' is used more than once"),
    ('criteria = [{ key = "fit" }]', "application.criteria[0].title"),
    ('criterias = []', "application"),
])
def test_bad_criteria_are_refused_in_place(section, message):
    with pytest.raises(CourseFileError) as refused:
        load_course(BASE + "[application]\n" + section + "\n", "mini.toml")
    assert any(message in problem for problem in refused.value.problems), refused.value.problems
