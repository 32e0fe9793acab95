"""The scheduler's lease: one row per name in ``lms_scheduler_lease``. A process holds it
while ``expires_at`` is in the future and renews it; another process can take it only once
it has expired, so two schedulers started by mistake never run jobs side by side."""
from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from lms.core.db import db
from lms.core.time import utcnow
from lms.jobs.models import SchedulerLease

NAME = "scheduler"


def new_holder() -> str:
    """``host:pid:random``: names this process in the lease and in job runs."""
    return f"{socket.gethostname()[:50]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _duration() -> timedelta:
    return timedelta(seconds=current_app.config["LMS_SCHEDULER_LEASE_SECONDS"])


def acquire(holder: str, name: str = NAME) -> bool:
    """Take or renew the lease for ``holder``; True when it holds it now. Commits."""
    now = utcnow()
    try:
        taken = db.session.execute(
            sa.update(SchedulerLease)
            .where(SchedulerLease.name == name,
                   sa.or_(SchedulerLease.holder == holder, SchedulerLease.holder.is_(None),
                          SchedulerLease.expires_at < now))
            .values(holder=holder, expires_at=now + _duration(),
                    acquired_at=sa.case((SchedulerLease.holder == holder, SchedulerLease.acquired_at), else_=now))
            .execution_options(synchronize_session=False)).rowcount == 1
        if not taken:
            exists = db.session.execute(sa.select(SchedulerLease.name).where(SchedulerLease.name == name)).first()
            if exists is None:
                db.session.add(SchedulerLease(name=name, holder=holder, expires_at=now + _duration(), acquired_at=now))
                db.session.flush()
                taken = True
        db.session.commit()
        return taken
    except sa.exc.IntegrityError:
        db.session.rollback()  # another process created the row at the same moment: it holds it
        return False


def holds(holder: str, name: str = NAME) -> bool:
    """True while ``holder``'s lease has not expired."""
    row = db.session.get(SchedulerLease, name, populate_existing=True)
    return row is not None and row.holder == holder and row.expires_at > utcnow()


def release(holder: str, name: str = NAME) -> None:
    db.session.execute(sa.update(SchedulerLease).where(SchedulerLease.name == name, SchedulerLease.holder == holder)
                       .values(holder=None, expires_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()


def current(name: str = NAME) -> SchedulerLease | None:
    return db.session.get(SchedulerLease, name)
