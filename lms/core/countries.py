"""Countries and areas: every ISO 3166-1 alpha-2 code with its UN M49 region and sub-region
and its World Bank income group, read from ``lms/data/countries.csv``.

The data is OCHA's Countries & Territories Taxonomy as shipped in the MIT-licensed PyPI
package ``hdx-python-country`` 4.2.5 (October 2026), converted once by
``lms/data/convert_countries.py``; README.md ("Country data") cites it. Regions and
sub-regions are the UN Statistics Division's M49 standard; income groups are the World
Bank's (Low, Lower middle, Upper middle, High).

"Developing" follows the World Bank's usage: a low- or middle-income economy. An area the
World Bank does not classify (most dependent territories, the Holy See, Antarctica) is not
counted as developing; its ``income_group`` is None so a page can say "not classified".
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "countries.csv"

#: World Bank income groups, poorest first.
INCOME_GROUPS = ("Low", "Lower middle", "Upper middle", "High")
#: The groups the World Bank calls developing economies.
DEVELOPING_INCOME_GROUPS = frozenset({"Low", "Lower middle", "Upper middle"})
#: UN M49 regions, in M49's order.
REGIONS = ("Africa", "Americas", "Asia", "Europe", "Oceania")


@dataclass(frozen=True, slots=True)
class Country:
    code: str                        #: ISO 3166-1 alpha-2, upper case ("KE")
    alpha3: str                      #: ISO 3166-1 alpha-3 ("KEN")
    m49: str                         #: UN M49 numeric code, three digits ("404")
    name: str                        #: English short name
    region: str | None               #: M49 region ("Africa"); None only for Antarctica
    subregion: str | None            #: M49 sub-region ("Sub-Saharan Africa")
    intermediate_region: str | None  #: M49 intermediate region ("Eastern Africa"), where M49 has one
    income_group: str | None         #: World Bank income group, None when not classified
    developing: bool                 #: a low- or middle-income economy (World Bank)


@cache
def _table() -> dict[str, Country]:
    table: dict[str, Country] = {}
    with DATA_FILE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            table[row["code"]] = Country(
                code=row["code"], alpha3=row["alpha3"], m49=row["m49"], name=row["name"],
                region=row["region"] or None, subregion=row["subregion"] or None,
                intermediate_region=row["intermediate_region"] or None,
                income_group=row["income_group"] or None,
                developing=row["income_group"] in DEVELOPING_INCOME_GROUPS)
    return table


def country(code: str | None) -> Country | None:
    """The country with ISO alpha-2 ``code`` (any case, surrounding spaces ignored), or None."""
    if not code:
        return None
    return _table().get(code.strip().upper())


def all_countries() -> list[Country]:
    """Every country and area, sorted by English name."""
    return sorted(_table().values(), key=lambda c: c.name.casefold())


def country_choices() -> list[tuple[str, str]]:
    """(code, name) pairs for a select field, sorted by name."""
    return [(c.code, c.name) for c in all_countries()]
