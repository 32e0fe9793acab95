"""Gradebook and certificate-list tables, written as CSV or XLSX with formulas neutralised."""
from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from lms.certificates.models import Certificate
from lms.gradebook.services import Gradebook
from lms.grading import format_total

#: A spreadsheet runs a cell that starts with one of these as a formula (ASVS 1.2.10).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _points(value: Fraction | None) -> str:
    if value is None:
        return ""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return f"{exact.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):.2f}"


def certificate_table(book: Gradebook, certificates: dict[int, Certificate]) -> list[list[str]]:
    """email, name, one column per component (points, two decimals), total, certified,
    certificate_code. The total has two decimals, or more where two would look like the
    threshold (79.996 is never written 80.00)."""
    keys = [c.key for c in book.scheme.components]
    rows = [["email", "name", *keys, "total", "certified", "certificate_code"]]
    for row in book.rows:
        scores = {c.key: c.earned for c in row.result.components}
        certificate = certificates.get(row.user.id)
        valid = certificate is not None and certificate.is_valid
        name = certificate.recipient_name if valid else row.user.name  # as printed on the certificate
        rows.append([row.user.email, name, *(_points(scores[k]) for k in keys),
                     format_total(row.result.total, row.result.threshold), "yes" if valid else "no",
                     certificate.code if valid else ""])
    return rows


def gradebook_table(book: Gradebook) -> list[list[str]]:
    keys = [c.key for c in book.scheme.components]
    rows = [["email", "name", *keys, "total", "passed", "missing", "best_reachable"]]
    for row in book.rows:
        scores = {c.key: c.earned for c in row.result.components}
        rows.append([row.user.email, row.user.name, *(_points(scores[k]) for k in keys),
                     format_total(row.result.total, row.result.threshold), "yes" if row.result.passed else "no",
                     " ".join(row.result.missing), format_total(row.best, row.result.threshold)])
    return rows


def to_csv(table: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in table:
        writer.writerow([neutralise(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8 names right


def to_xlsx(table: list[list[str]], title: str, numeric_columns: set[str] | None = None) -> bytes:
    """Numbers as numbers (two-decimal format), text neutralised, header bold and frozen.
    ``numeric_columns`` names the number columns; by default every column but the
    gradebook's text ones."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    if numeric_columns is None:
        numeric = {i for i, name in enumerate(table[0]) if name not in {"email", "name", "certified",
                                                                        "certificate_code", "passed", "missing"}}
    else:
        numeric = {i for i, name in enumerate(table[0]) if name in numeric_columns}
    for r, row in enumerate(table):
        for c, cell in enumerate(row):
            if r and c in numeric and cell:
                target = sheet.cell(row=r + 1, column=c + 1, value=float(Decimal(cell)))
                target.number_format = "0." + "0" * max(2, len(cell.partition(".")[2]))
            else:
                sheet.cell(row=r + 1, column=c + 1, value=neutralise(cell))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
