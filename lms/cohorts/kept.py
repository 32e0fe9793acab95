"""What pages keep in the application by a cohort's ``grades_stamp``: standings (the gradebook,
My grades) and the attendance overview's rows.

Every write that feeds a grade takes the cohort's lock (``ensure_open``), and taking it
renews ``Cohort.grades_stamp`` in the same transaction. What was computed from what was read
at one stamp therefore holds for as long as the cohort row still carries it; each entry is
kept with what it was computed ``at`` (the stamp and whatever else it depends on) and is
used only while that is unchanged. Only GET pages use this: nothing they read was written in
their own transaction, so what is kept was committed. Kept per application, so two apps in
one process (tests, a host) never share. One entry per key, the latest computed (an earlier
stamp's is replaced, so a cohort graded all day keeps one gradebook, not one per change); at
most ``KEPT_ENTRIES``, the least recently computed dropped first.
"""
from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Any

from flask import current_app

KEPT_ENTRIES = 20_000
#: The application's store, in ``app.extensions`` (tests empty it to measure a first visit).
STORE = "lms_kept_standings"

_KEEPING = threading.Lock()  # a worker's threads share the store


def kept(key: Hashable, at: Any) -> Any | None:
    """What was kept under ``key`` if it was computed at ``at``, else None."""
    entry = current_app.extensions.get(STORE, {}).get(key)
    if entry is None or entry[0] != at:
        return None
    return entry[1]


def keep(key: Hashable, at: Any, value: Any) -> None:
    """Keep ``value``, computed at ``at``, under ``key`` (replacing what was there)."""
    with _KEEPING:
        store = current_app.extensions.setdefault(STORE, {})
        store.pop(key, None)  # re-inserted last: the oldest entries are dropped first
        if len(store) >= KEPT_ENTRIES:
            store.pop(next(iter(store)))
        store[key] = (at, value)
