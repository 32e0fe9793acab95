"""Rendering many certificate PDFs on every core: a pool of worker processes that render from
plain data (``CertificateText``), never touching Flask or the database.

Workers are started with "spawn" on every platform: a forked copy of a web or CLI process would
inherit its open database connections and threads (Python 3.12 warns about exactly that), while
a spawned worker imports only what rendering needs and registers each font once. Where workers
cannot run (a script with no ``if __name__ == "__main__"`` guard, which spawn imports again; a
sandbox without processes) the PDFs still come, rendered in the calling process.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from lms.certificates.pdf import CertificateText, render_certificate

logger = logging.getLogger(__name__)

#: Below this many PDFs, starting the workers (about a second) costs more than it saves.
POOL_THRESHOLD = 64


def usable_cpus() -> int:
    """The CPUs this process may run on (a container's or ``taskset``'s limit, where known)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def render_all(texts: Sequence[CertificateText], workers: int | None = None) -> Iterator[bytes]:
    """The PDF of each of ``texts``, in the same order. ``workers`` processes render them (by
    default one per usable CPU when there are at least ``POOL_THRESHOLD`` PDFs); with one
    worker they are rendered here, one by one."""
    if workers is None:
        workers = usable_cpus() if len(texts) >= POOL_THRESHOLD else 1
    workers = min(workers, len(texts))
    if workers <= 1:
        yield from map(render_certificate, texts)
        return
    chunk = max(1, min(16, len(texts) // (4 * workers)))
    done = 0
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for pdf in pool.map(render_certificate, texts, chunksize=chunk):
                yield pdf
                done += 1
    except BrokenProcessPool as error:
        logger.warning("Certificate workers stopped (%s); rendering the remaining %d here.", error,
                       len(texts) - done)
        yield from map(render_certificate, texts[done:])
