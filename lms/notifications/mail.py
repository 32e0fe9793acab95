"""An outbox row as a MIME message: plain text with an optional HTML alternative and
attachments, UTF-8 display names encoded by the standard library (``email.headerregistry``),
and no header that a name or a title could split."""
from __future__ import annotations

import email.policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from lms.core.time import utcnow
from lms.notifications.models import OutboxMessage
from lms.notifications.services import one_line

#: CRLF line ends, lines of at most 78 characters, and 7-bit bodies (quoted-printable or
#: base64): fit for any SMTP server, with or without 8BITMIME.
POLICY = email.policy.SMTP.clone(cte_type="7bit")


def sender_address(mail_from: str, site_name: str) -> Address:
    """``MAIL_FROM`` (``lms@example.org`` or ``Courses <lms@example.org>``) as an Address,
    named after the site when it carries no name."""
    name, address = parseaddr(mail_from)
    if not address or "@" not in address:
        raise ValueError(f"MAIL_FROM is not an e-mail address: {mail_from!r}")
    local, _, domain = address.rpartition("@")
    return Address(display_name=one_line(name or site_name), username=local, domain=domain)


def recipient_address(address: str, name: str | None) -> Address:
    local, _, domain = address.strip().rpartition("@")
    return Address(display_name=one_line(name or ""), username=local, domain=domain)


def build_message(message: OutboxMessage, sender: Address, recipient_name: str | None = None) -> EmailMessage:
    mail = EmailMessage(policy=POLICY)
    mail["From"] = sender
    mail["To"] = recipient_address(message.recipient, recipient_name)
    mail["Subject"] = one_line(message.subject)
    mail["Date"] = format_datetime(utcnow())
    mail["Message-ID"] = message.message_id
    # RFC 3834: written by a machine, so vacation responders stay quiet.
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.body)
    if message.html:
        mail.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        maintype, _, rest = attachment.content_type.partition("/")
        subtype, *params = [part.strip() for part in rest.split(";")]
        extra = dict(p.split("=", 1) for p in params if "=" in p)
        extra.pop("charset", None)
        mail.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename,
                            params=extra)
    return mail
