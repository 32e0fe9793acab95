"""The outbox's periodic job: deliver what is due over SMTP."""
from __future__ import annotations

from lms.jobs.registry import periodic_job
from lms.notifications.delivery import DeliveryReport, deliver_outbox


def deliver() -> DeliveryReport:
    from lms.jobs.runner import _process

    return deliver_outbox(holder=_process.get("holder") or "once")


periodic_job("outbox.deliver", deliver, minutes=1)
