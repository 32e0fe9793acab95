"""Recording audit events, in the same transaction as the change they describe."""
from __future__ import annotations

from typing import Any

from lms.audit.models import AuditEvent
from lms.core.db import db


def record_event(actor: Any, action: str, object_type: str, object_id: object, *, cohort_id: int | None = None,
                 before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> AuditEvent:
    event = AuditEvent(actor_id=getattr(actor, "id", None), action=action, object_type=object_type,
                       object_id=str(object_id), cohort_id=cohort_id, before=before, after=after)
    db.session.add(event)
    return event
