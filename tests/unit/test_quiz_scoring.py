"""Scoring quiz answers, and the knowledge-check settings of the course file."""
from __future__ import annotations

from fractions import Fraction

import pytest

from lms.courses.loader import CourseFileError, load_course
from lms.quizzes.scoring import normalise_text, score, total


def test_single_and_true_false_are_all_or_nothing():
    assert score("single", [1], [], False, [1], 4) == 1
    assert score("single", [1], [], False, [0], 4) == 0
    assert score("single", [1], [], False, [], 4) == 0
    assert score("true_false", [0], [], False, [0], 2) == 1


def test_multiple_choice_all_or_nothing_and_partial_credit():
    assert score("multiple", [0, 2], [], False, [0, 2], 4) == 1
    assert score("multiple", [0, 2], [], False, [0], 4) == 0
    assert score("multiple", [0, 2], [], True, [0], 4) == Fraction(1, 2)
    assert score("multiple", [0, 2], [], True, [0, 1], 4) == 0  # a wrong choice takes a right one's share away
    assert score("multiple", [0, 2], [], True, [1, 3], 4) == 0  # never below zero
    assert score("multiple", [0, 2], [], True, [0, 9], 4) == Fraction(1, 2)  # indexes out of range are ignored


@pytest.mark.parametrize("given", ["DHIS2", " dhis2 ", "ＤＨＩＳ２", "dhis\u00a02".replace("\u00a0", "")])
def test_short_answers_ignore_case_spaces_and_unicode_forms(given):
    assert score("short_answer", [], ["DHIS2"], False, [given]) == 1


def test_short_answers_in_other_scripts():
    assert normalise_text("  Открытый   Код ") == "открытый код"
    assert score("short_answer", [], ["Mã nguồn mở"], False, ["MÃ NGUỒN MỞ"]) == 1
    assert score("short_answer", [], ["开源"], False, ["开 源"]) == 0


def test_free_text_is_not_graded():
    assert score("free_text", [], [], False, ["A reflection"]) is None
    assert total([Fraction(1), None, Fraction(1, 2)]) == (Fraction(3, 2), 2)


BASE = """
[course]
slug = "c"
title = "C"
summary = "S"
[[sessions]]
title = "One"
duration_minutes = 60
[grading]
threshold = 80
  [[grading.components]]
  key = "knowledge_check"
  title = "Quiz"
  max = 10
  weight = 100
  policy = "completion"
"""


def test_every_quiz_setting_and_question_kind_parses():
    spec = load_course(BASE + """
[knowledge_check]
title = "Check"
time_limit_minutes = 15
opens_at = 2024-10-20T08:00:00Z
closes_at = 2024-10-29T23:59:00+01:00
attempts = 2
shuffle_questions = true
shuffle_choices = true
one_per_page = true
feedback = "after_close"
grading = "score"
  [[knowledge_check.questions]]
  text = "Pick two"
  choices = ["a", "b", "c"]
  correct = [1, 3]
  partial_credit = true
  [[knowledge_check.questions]]
  text = "Open source is free to change"
  correct = true
  [[knowledge_check.questions]]
  text = "Name one"
  kind = "short_answer"
  accepted = ["DHIS2", "MOSIP"]
  [[knowledge_check.questions]]
  text = "What will you change at work?"
  kind = "free_text"
""")
    quiz = spec.knowledge_check
    assert (quiz.attempts, quiz.feedback, quiz.grading, quiz.one_per_page, quiz.component) == (
        2, "after_close", "score", True, "knowledge_check")
    assert quiz.closes_at.isoformat() == "2024-10-29T22:59:00+00:00"
    assert [q.kind for q in quiz.questions] == ["multiple", "true_false", "short_answer", "free_text"]
    assert quiz.questions[0].correct == (0, 2) and quiz.questions[0].partial_credit
    assert quiz.questions[1].correct == (0,) and quiz.questions[2].accepted == ("DHIS2", "MOSIP")


def test_quiz_mistakes_are_each_reported_with_their_path():
    with pytest.raises(CourseFileError) as error:
        load_course(BASE + """
[knowledge_check]
title = "Check"
grading = "points"
component = "quiz"
opens_at = 2024-10-29T00:00:00Z
closes_at = 2024-10-20T00:00:00Z
  [[knowledge_check.questions]]
  text = "One"
  kind = "single"
  choices = ["a", "b"]
  correct = [1, 2]
  [[knowledge_check.questions]]
  text = "Two"
  kind = "short_answer"
  [[knowledge_check.questions]]
  text = "Three"
  choices = ["a", "b"]
  correct = 1
  partial_credit = true
""")
    text = "\n".join(error.value.problems)
    assert "knowledge_check.grading: must be one of completion, score" in text
    assert "knowledge_check.component: 'quiz' is not a component" in text
    assert "knowledge_check.closes_at: must be after opens_at" in text
    assert "knowledge_check.questions[0].correct: a single-choice question has exactly one" in text
    assert "knowledge_check.questions[1].accepted: a short-answer question needs" in text
    assert "knowledge_check.questions[2].partial_credit: only a multiple-choice question" in text
