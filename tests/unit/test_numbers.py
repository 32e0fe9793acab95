"""lms.core.numbers: the one reader of numbers people type. Hostile text is refused with a
message naming the field, and nothing but ValidationError ever escapes."""
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.core.errors import ValidationError
from lms.core.numbers import parse_decimal, parse_whole

HOSTILE = ["sNaN", "NaN", "nan", "-Infinity", "Infinity", "inf", "1e999", "1E5", "²", "½", "9" * 400, "",
           "   ", "-1", "1,000", "7,5,0", "0x10", "1_000", "7.5.1", "--1", "+", ".", "٫", "１２", "1\n2"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_decimals_are_refused_naming_the_field(text):
    # "１２" (fullwidth) is read as 12, which is out of range here.
    with pytest.raises(ValidationError, match=r"^Participation mark for Pat"):
        parse_decimal(text, field="Participation mark for Pat", minimum=0, maximum=10)


@pytest.mark.parametrize("text", HOSTILE + ["7,5", "7.5"])
def test_hostile_whole_numbers_are_refused_naming_the_field(text):
    with pytest.raises(ValidationError, match=r"^Minutes for Pat"):
        parse_whole(text, field="Minutes for Pat", minimum=0, maximum=10)


@pytest.mark.parametrize("text, value", [("7,5", Decimal("7.5")), (" 7.5 ", Decimal("7.5")), ("10", Decimal(10)),
                                         ("0", Decimal(0)), (".5", Decimal("0.5")), ("5.", Decimal(5)),
                                         ("\u00a07,25\u00a0", Decimal("7.25")), ("٧٫٥", Decimal("7.5")),
                                         ("٧,٥", Decimal("7.5")), ("+3", Decimal(3))])
def test_decimal_comma_spaces_and_other_scripts_digits_are_read(text, value):
    assert parse_decimal(text, field="Mark", minimum=0, maximum=10) == value


def test_arabic_indic_digits_are_accepted_as_digits():
    assert parse_whole("١٢", field="Minutes", minimum=0, maximum=120) == 12
    assert parse_decimal("١٢", field="Mark", minimum=0, maximum=15) == 12


def test_messages_say_what_is_wrong():
    with pytest.raises(ValidationError, match=r"Mark: 11 is outside 0–10"):
        parse_decimal("11", field="Mark", minimum=0, maximum=10)
    with pytest.raises(ValidationError, match=r"Mark: 7.125 has more than 2 decimal places"):
        parse_decimal("7.125", field="Mark", minimum=0, maximum=10)
    with pytest.raises(ValidationError, match=r"Mark: 'NaN' is not a number; write it like 7.5 or 7,5"):
        parse_decimal("NaN", field="Mark", minimum=0, maximum=10)
    with pytest.raises(ValidationError, match=r"too long"):
        parse_decimal("9" * 400, field="Mark", minimum=0, maximum=10)
    with pytest.raises(ValidationError, match=r"give a number"):
        parse_whole(" ", field="Minutes", minimum=0, maximum=10)


@settings(max_examples=300, derandomize=True, database=None, deadline=None)  # a busy machine is not a bug
@given(st.text(max_size=40))
def test_any_text_gives_a_number_in_range_or_a_validation_error(text):
    for parse in (lambda t: parse_decimal(t, field="F", minimum=0, maximum=100, places=4),
                  lambda t: parse_whole(t, field="F", minimum=0, maximum=100)):
        try:
            value = parse(text)
        except ValidationError as error:
            assert str(error).startswith("F: ")
        else:
            assert 0 <= value <= 100
