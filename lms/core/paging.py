"""Long lists shown a page at a time (a gradebook of 5,000 stays a page of HTML that a
phone on a slow line can open)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from flask import current_app

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    #: 1-based number of this page, and how many there are (at least 1).
    number: int
    pages: int
    total: int
    #: 1-based position of the first item shown (0 when there are none).
    first: int

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


def paginate(items: Sequence[T], requested: str | None, size: int | None = None) -> Page[T]:
    """The ``requested`` page (text from the query string: anything that is not a page
    number gives the first page, a number past the end the last one)."""
    size = size or current_app.config["LMS_PAGE_SIZE"]
    pages = max(1, -(-len(items) // size))
    number = int(requested) if requested and requested.isascii() and requested.isdigit() else 1
    number = min(max(number, 1), pages)
    start = (number - 1) * size
    shown = items[start:start + size]
    return Page(shown, number, pages, len(items), start + 1 if shown else 0)


def paginate_query(query: Any, requested: str | None, size: int | None = None) -> Page[Any]:
    """``paginate`` for a SELECT too long to load whole: a count and one page of rows (two queries)."""
    from lms.core.db import db

    size = size or current_app.config["LMS_PAGE_SIZE"]
    total = db.session.execute(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    pages = max(1, -(-total // size))
    number = int(requested) if requested and requested.isascii() and requested.isdigit() else 1
    number = min(max(number, 1), pages)
    start = (number - 1) * size
    shown = list(db.session.execute(query.limit(size).offset(start)).scalars()) if total else []
    return Page(shown, number, pages, total, start + 1 if shown else 0)
