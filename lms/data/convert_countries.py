"""Convert OCHA's Countries & Territories Taxonomy, as shipped by the MIT-licensed PyPI package
``hdx-python-country`` 4.2.5, into ``lms/data/countries.csv``. Run once by hand when the
source is updated; the app reads only the CSV it writes (see ``lms/core/countries.py``).

    .venv/bin/pip download --no-deps hdx-python-country==4.2.5 -d /tmp/hdx
    unzip -o /tmp/hdx/hdx_python_country-4.2.5-py3-none-any.whl -d /tmp/hdx/whl
    .venv/bin/python lms/data/convert_countries.py \
        "/tmp/hdx/whl/hdx/location/Countries & Territories Taxonomy MVP - C&T Taxonomy.csv"

Kept: every row with an ISO 3166-1 alpha-2 code (249 codes; territories without an ISO code,
such as the Channel Islands or Kosovo's user-assigned XK, are left out), the UN M49 numeric
code, region, sub-region and intermediate region, and the World Bank income level.
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

OUTPUT = Path(__file__).with_name("countries.csv")
COLUMNS = ["code", "alpha3", "m49", "name", "region", "subregion", "intermediate_region", "income_group"]
INCOME_GROUPS = {"Low", "Lower middle", "Upper middle", "High", ""}


def convert(source: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    with source.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["ISO 3166-1 Alpha 2-Codes"].strip()
            if not code or row["Deprecated"].strip() == "Y":
                continue
            income = row["World Bank Income Level"].strip()
            if income not in INCOME_GROUPS:
                raise SystemExit(f"{code}: unknown World Bank income level {income!r}")
            rows.append({
                "code": code,
                "alpha3": row["ISO 3166-1 Alpha 3-Codes"].strip(),
                "m49": row["m49 numerical code"].strip().zfill(3),
                "name": (row["English Short"] or row["Preferred Term"]).strip(),
                "region": row["Region Name"].strip(),
                "subregion": row["Sub-region Name"].strip(),
                "intermediate_region": row["Intermediate Region Name"].strip(),
                "income_group": income,
            })
    rows.sort(key=lambda r: r["code"])
    if len({r["code"] for r in rows}) != len(rows):
        raise SystemExit("duplicate alpha-2 codes in the source")
    return rows


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    rows = convert(Path(sys.argv[1]))
    with OUTPUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} countries to {OUTPUT}")


if __name__ == "__main__":
    main()
