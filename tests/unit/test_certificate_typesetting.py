"""Certificate text in any script (issue #8): a font that covers each character, runs in bidi
order, shaped by HarfBuzz (Arabic joined and right to left, Devanagari vowel signs and conjuncts
placed), and long fields shrunk, wrapped and, past that, cut with an ellipsis."""
import ast
import unicodedata
from pathlib import Path

import pytest

from lms.certificates.fit import ELLIPSIS, fit_block
from lms.certificates.fonts import FAMILIES, covers, families_for
from lms.certificates.typeset import bidi_levels, make_line, visual_order

LMS = Path(__file__).resolve().parents[2] / "lms"
LONG_NAME = ("Maximiliana Alexandrina Konstantinopoulou-Vanderbilt de la Cruz y Montenegro " * 3)[:200]


def _fonts(line):
    return [run.font for run in line.runs]


@pytest.mark.parametrize(("name", "family"), [
    ("Nguyễn Thị Lan", "NotoSans"), ("Иван Петров", "NotoSans"), ("Γιώργος Παπαδόπουλος", "NotoSans"),
    ("محمد عبد الله", "NotoSansArabic"), ("अमित कुमार", "NotoSansDevanagari"), ("王芳", "DroidSansFallback"),
])
def test_a_name_in_one_script_is_one_run_in_a_font_that_covers_every_character(name, family):
    families = families_for(name)
    assert {f.name for f in families} == {family}
    assert all(covers(f, c) for f, c in zip(families, name, strict=True))
    assert _fonts(make_line(name, bold=True)) == [f"LMS-{family}-Bold" if family != "DroidSansFallback"
                                                  else "LMS-DroidSansFallback"]


def test_mixed_scripts_get_one_font_each_and_spaces_stay_with_their_words():
    families = [f.name for f in families_for("Иван 王芳 अमित")]
    assert families == ["NotoSans"] * 5 + ["DroidSansFallback"] * 3 + ["NotoSansDevanagari"] * 4
    assert FAMILIES[0].name == "NotoSans"  # the fallback for a character no font covers


def test_arabic_is_joined_and_laid_out_right_to_left():
    (run,) = make_line("محمد عبد الله", bold=True).runs
    clusters = [data.cluster for data in run.glyphs.__shapeData__]
    assert clusters == sorted(clusters, reverse=True)  # the last letter is drawn first, on the left
    # Joining forms, not the isolated letters: dal final, meem medial, hah medial, meem initial.
    assert "\ufeaa\ufee4\ufea4\ufee3" in str(run.glyphs)
    assert "\u062f" not in str(run.glyphs)  # no unjoined dal


def test_devanagari_vowel_sign_goes_before_its_consonant_and_conjuncts_join():
    (run,) = make_line("अमित", bold=False).runs
    # अ म ि त: the i-sign is typed after म but drawn before it.
    assert str(run.glyphs).index("म") == 2 and len(run.glyphs) == 4
    (conjunct,) = make_line("क्ष", bold=False).runs
    assert len(conjunct.glyphs) == 1  # क + virama + ष form one glyph


def test_vietnamese_marks_typed_separately_are_placed_like_the_precomposed_letters():
    composed, decomposed = "Nguyễn Thị Lan", unicodedata.normalize("NFD", "Nguyễn Thị Lan")
    assert composed != decomposed
    assert make_line(decomposed, True).width(30) == pytest.approx(make_line(composed, True).width(30))
    assert _fonts(make_line(decomposed, True)) == ["LMS-NotoSans-Bold"]


def test_bidi_levels_and_visual_order_follow_the_unicode_algorithm_brackets_included():
    # "محمد (Ahmed) 12" reads, left to right: 12 (Ahmed) محمد
    line = make_line("محمد (Ahmed) 12", bold=False)
    assert "".join(str(run.glyphs) for run in line.runs[:4]) == "12 (Ahmed)"
    assert line.runs[-1].font == "LMS-NotoSansArabic"
    assert bidi_levels("ab אב") == [0, 0, 0, 1, 1]
    assert visual_order([0, 0, 1, 1, 2, 2, 1, 0]) == [0, 1, 6, 4, 5, 3, 2, 7]
    assert visual_order([0, 0, 0]) == [0, 1, 2]


def test_arabic_indic_digits_read_left_to_right_inside_arabic():
    digits, name = make_line("محمد ١٢٣", bold=False).runs
    assert str(digits.glyphs) == "١٢٣" and "\ufee3" in str(name.glyphs)


def test_a_name_that_fits_stays_on_one_line_at_the_largest_size():
    block = fit_block("Amina Okafor", bold=True, width=600, max_size=30, min_size=11, max_lines=2, wrap_size=18)
    assert (len(block.lines), block.size, block.truncated) == (1, 30, False)


def test_a_longer_name_shrinks_before_it_wraps():
    name = "Maximiliana Alexandrina Konstantinopoulou-Vanderbilt"
    block = fit_block(name, bold=True, width=600, max_size=30, min_size=11, max_lines=2, wrap_size=18)
    assert len(block.lines) == 1 and 18 <= block.size < 30 and block.width() <= 600


def test_a_200_character_name_wraps_onto_two_lines_within_the_width_and_loses_nothing():
    block = fit_block(LONG_NAME, bold=True, width=600, max_size=30, min_size=11, max_lines=2, wrap_size=18)
    assert len(block.lines) == 2 and not block.truncated and 11 <= block.size <= 18
    assert block.width() <= 600
    assert " ".join(line.text for line in block.lines) == " ".join(LONG_NAME.split())


def test_what_does_not_fit_on_two_lines_at_the_floor_is_cut_with_an_ellipsis():
    block = fit_block(LONG_NAME * 3, bold=True, width=600, max_size=30, min_size=11, max_lines=2, wrap_size=18)
    assert block.truncated and block.size == 11 and len(block.lines) == 2
    assert block.lines[-1].text.endswith(ELLIPSIS) and block.width() <= 600


def test_chinese_without_spaces_wraps_between_characters():
    block = fit_block("王芳" * 40, bold=True, width=600, max_size=30, min_size=11, max_lines=2, wrap_size=18)
    assert len(block.lines) == 2 and not block.truncated and block.width() <= 600
    assert "".join(line.text for line in block.lines) == "王芳" * 40


def test_a_long_devanagari_word_is_never_cut_inside_a_conjunct_or_before_a_vowel_sign():
    word = "क्षत्रिय" * 30
    block = fit_block(word, bold=False, width=300, max_size=20, min_size=11, max_lines=2, wrap_size=14)
    assert block.width() <= 300
    assert len(block.lines) == 2 and block.truncated
    for line in block.lines:
        text = line.text.removesuffix(ELLIPSIS)
        assert unicodedata.combining(text[-1]) != 9  # not ending on a virama, the conjunct split
        assert not unicodedata.category(text[0]).startswith("M")  # not starting with a vowel sign


@pytest.mark.parametrize("relative", ["certificates/fonts.py", "certificates/typeset.py", "certificates/fit.py",
                                      "certificates/pdf.py", "certificates/batch.py"])
def test_rendering_needs_no_flask_or_database_so_worker_processes_can_do_it(relative):
    tree = ast.parse((LMS / relative).read_text())
    for node in ast.walk(tree):
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else (
            [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
        for name in names:
            assert not name.startswith(("flask", "sqlalchemy")) and not name.endswith(".models"), name
