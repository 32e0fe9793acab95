"""The Open Badges 3.0 credential (an unsigned ``OpenBadgeCredential``) for a certificate.

Anyone can check it against the verification URL in its ``id``; signing it (a ``proof``)
needs an issuer key and is left to a later step.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def build_credential(*, verify_url: str, course_url: str, issuer_url: str, issuer_name: str, recipient_name: str,
                     recipient_email: str, salt: str, course_title: str, course_summary: str, criteria: str,
                     issued_at: datetime, activity_start: datetime | None, activity_end: datetime | None
                     ) -> dict[str, Any]:
    """The credential as JSON-ready data. The e-mail appears only as a salted SHA-256 hash."""
    email_hash = hmac.new(salt.encode(), recipient_email.lower().encode(), hashlib.sha256).hexdigest()
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {"type": "IdentityObject", "hashed": True, "identityHash": f"sha256${email_hash}",
             "identityType": "emailAddress", "salt": salt},
            {"type": "IdentityObject", "hashed": False, "identityHash": recipient_name, "identityType": "name"},
        ],
        "achievement": {
            "id": course_url,
            "type": ["Achievement"],
            "achievementType": "Certificate",
            "name": course_title,
            "description": course_summary or course_title,
            "criteria": {"narrative": criteria},
        },
    }
    if activity_start:
        subject["activityStartDate"] = _iso(activity_start)
    if activity_end:
        subject["activityEndDate"] = _iso(activity_end)
    return {
        "@context": CONTEXT,
        "id": verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{course_title}: certificate",
        "issuer": {"id": issuer_url, "type": ["Profile"], "name": issuer_name},
        "validFrom": _iso(issued_at),
        "credentialSubject": subject,
    }
