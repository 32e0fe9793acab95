"""``benchmarks/pages.py --free-login``: a what-if, never how the app runs.

Every page a logged-in person opens first reads their login session (one statement: the
session, the person and their roles), so that a session ended anywhere (logout, a password
change, a disabled account) ends at once in every worker. To show how much of each page
that read costs, this serves each login session from a dict in this process after its
first read: what a page would cost if the read were free. The pages must then still read
their own data, which is what the figures show. Nothing here is used by the LMS.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from lms.auth import services
from lms.auth.models import User
from lms.core.db import db

COLUMNS = [column.key for column in User.__table__.columns]


def serve_logins_from_memory() -> None:
    read = services.resume_session
    remembered: dict[str, tuple[dict[str, Any], int | None, Any]] = {}

    def from_memory(token: str) -> tuple[User | None, bool, Any]:
        found = remembered.get(token)
        if found is None:
            user, touched, roles = read(token)
            if user is not None:
                remembered[token] = ({key: getattr(user, key) for key in COLUMNS}, user.session_id, roles)
            return user, touched, roles
        values, session_id, roles = found
        user = db.session.identity_map.get(identity_key(User, values["id"]))
        if user is None:
            user = User(**values)
            make_transient_to_detached(user)
            db.session.add(user)
        user.session_token, user.session_id = token, session_id
        return user, False, roles

    services.resume_session = from_memory
