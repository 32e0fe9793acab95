"""Application work for the scheduler: lapsed waitlist offers pass to the next in line
(every five minutes), and applications of people not selected are deleted once the
retention period after their cohort's window has passed (daily)."""
from __future__ import annotations

from lms.applications.services import expire_offers, purge_applications
from lms.jobs.registry import periodic_job

periodic_job("applications.expire-offers", expire_offers, minutes=5)
periodic_job("applications.purge", purge_applications, minutes=24 * 60)
