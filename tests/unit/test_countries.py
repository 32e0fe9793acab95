"""lms.core.countries: every ISO 3166-1 alpha-2 code, each with its UN M49 region and its
World Bank income group, from the data file shipped in the package."""
import json
from pathlib import Path

import pytest

from lms.core.countries import (
    DEVELOPING_INCOME_GROUPS,
    INCOME_GROUPS,
    REGIONS,
    Country,
    all_countries,
    country,
    country_choices,
)

DEBIAN_ISO_CODES = Path("/usr/share/iso-codes/json/iso_3166-1.json")


def test_every_iso_code_is_there_once():
    codes = [c.code for c in all_countries()]
    assert len(codes) == len(set(codes)) == 249
    assert all(len(code) == 2 and code.isascii() and code.isupper() for code in codes)


@pytest.mark.skipif(not DEBIAN_ISO_CODES.exists(), reason="Debian's iso-codes package is not installed")
def test_the_codes_are_debians_iso_3166_list():
    debian = {entry["alpha_2"] for entry in json.loads(DEBIAN_ISO_CODES.read_text("utf-8"))["3166-1"]}
    assert {c.code for c in all_countries()} == debian


@pytest.mark.parametrize("code, name, region, subregion, income, developing", [
    ("KE", "Kenya", "Africa", "Sub-Saharan Africa", "Lower middle", True),
    ("AF", "Afghanistan", "Asia", "Southern Asia", "Low", True),
    ("BR", "Brazil", "Americas", "Latin America and the Caribbean", "Upper middle", True),
    ("FJ", "Fiji", "Oceania", "Melanesia", "Upper middle", True),
    ("DE", "Germany", "Europe", "Western Europe", "High", False),
    ("VN", "Viet Nam", "Asia", "South-eastern Asia", "Lower middle", True),
    ("CI", "Côte d'Ivoire", "Africa", "Sub-Saharan Africa", "Lower middle", True),
    ("VA", "Holy See", "Europe", "Southern Europe", None, False),
])
def test_known_countries(code, name, region, subregion, income, developing):
    found = country(code)
    assert found == Country(code=found.code, alpha3=found.alpha3, m49=found.m49, name=name, region=region,
                            subregion=subregion, intermediate_region=found.intermediate_region,
                            income_group=income, developing=developing)


def test_lookup_ignores_case_and_spaces_and_refuses_unknown_codes():
    assert country(" ke ") == country("KE")
    for code in ("", None, "XK", "ZZ", "KEN", "K", "UK"):
        assert country(code) is None


def test_regions_and_income_groups_are_from_the_classifications():
    antarctica = country("AQ")
    assert antarctica.region is None and antarctica.income_group is None and not antarctica.developing
    for c in all_countries():
        if c.code != "AQ":
            assert c.region in REGIONS and c.subregion, c
        assert c.income_group is None or c.income_group in INCOME_GROUPS
        assert c.developing == (c.income_group in DEVELOPING_INCOME_GROUPS)
        assert len(c.m49) == 3 and c.m49.isdigit() and len(c.alpha3) == 3
    assert {c.region for c in all_countries()} == set(REGIONS) | {None}
    assert sum(c.developing for c in all_countries()) == 133


def test_countries_are_frozen_and_choices_sorted_by_name():
    with pytest.raises(AttributeError):
        country("KE").region = "Europe"
    names = [name for _code, name in country_choices()]
    assert names == sorted(names, key=str.casefold) and len(names) == 249
