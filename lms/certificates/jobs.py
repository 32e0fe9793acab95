"""The e-mail sent when a certificate is issued (in the transaction that issues it)."""
from __future__ import annotations

from typing import Any

from flask import render_template

from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.cohorts.models import Cohort
from lms.core.db import db
from lms.core.signals import certificate_issued
from lms.core.urls import external_url
from lms.notifications.services import queue_email


@certificate_issued.connect
def _on_certificate_issued(certificate: Certificate, **_: Any) -> None:
    user = db.session.get_one(User, certificate.user_id)
    cohort = db.session.get_one(Cohort, certificate.cohort_id)
    context = {"user": user, "cohort": cohort, "certificate": certificate,
               "verify_url": external_url("lms.certificates.verify", code=certificate.code),
               "pdf_url": external_url("lms.certificates.certificate_pdf", code=certificate.code),
               "subject": f"Your certificate for {cohort.title}"}
    queue_email(user.email, context["subject"], render_template("lms/mail/certificate_issued.txt", **context),
                html=render_template("lms/mail/certificate_issued.html", **context), kind="notice", user=user)
