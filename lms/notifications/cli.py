"""``flask lms outbox``: read the e-mail the LMS has queued."""
from __future__ import annotations

import click

from lms.core.cli import command
from lms.core.db import db
from lms.notifications.models import OutboxMessage


@command("outbox")
@click.option("--limit", default=10, show_default=True, help="How many of the newest messages to show.")
@click.option("--to", "recipient", default=None, help="Only messages to this address.")
def outbox_command(limit: int, recipient: str | None) -> None:
    """Show the newest queued e-mails, with their bodies (links included)."""
    query = db.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if recipient:
        query = query.where(OutboxMessage.recipient == recipient.strip().lower())
    messages = db.session.execute(query).scalars().all()
    if not messages:
        click.echo("The outbox is empty.")
    for message in messages:
        click.echo(f"#{message.id} [{message.status}] {message.created_at:%Y-%m-%d %H:%M} UTC to {message.recipient}")
        click.echo(f"Subject: {message.subject}\n\n{message.body}\n" + "-" * 60)
