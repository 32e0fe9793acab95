"""What ``benchmarks/pages.py`` times pages with.

- the wall clock (the default): what one person waits for, the database's round trips included;
- ``--cpu`` on SQLite: this thread's CPU time, which other processes on a busy machine
  disturb far less (SQLite does all its work in this thread);
- ``--cpu`` on PostgreSQL: this thread's CPU time plus that of the PostgreSQL server
  processes serving its connections, read from ``/proc/<pid>/schedstat`` (nanoseconds on
  the CPU): the work a page costs the machine, app and database together, without the time
  either spends waiting for the other. The server must run on this machine.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from lms.core.db import db

#: The PostgreSQL server processes (backend pids) serving the app's connections.
BACKENDS: set[int] = set()


def wall() -> float:
    return time.perf_counter()


def thread_cpu() -> float:
    return time.thread_time()


def _server_seconds(pid: int) -> float:
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9


def thread_and_server_cpu() -> float:
    return time.thread_time() + sum(_server_seconds(pid) for pid in BACKENDS)


def follow_server_processes(app: Flask) -> None:
    """From now on, note the server process of every connection the app opens (its pool is
    emptied first, so every connection it uses is a new one), and check that they run here."""
    def note(dbapi_connection: Any, _record: Any) -> None:
        pid = dbapi_connection.info.backend_pid
        command = Path(f"/proc/{pid}/cmdline")
        if not command.exists() or b"postgres" not in command.read_bytes():
            raise SystemExit("--cpu on PostgreSQL reads the server's CPU time from /proc: run the benchmark on the "
                             "machine the database runs on, or without --cpu")
        BACKENDS.add(pid)

    BACKENDS.clear()
    with app.app_context():
        db.engine.dispose()
        sa.event.listen(db.engine, "connect", note)


def describe(clock: Callable[[], float]) -> str:
    return {wall: "wall clock", thread_cpu: "CPU time of this thread",
            thread_and_server_cpu: "CPU time of this thread and of the PostgreSQL server processes serving it"}[clock]
