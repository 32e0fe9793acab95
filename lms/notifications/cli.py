"""``flask lms outbox``: read the e-mail the LMS has queued."""
from __future__ import annotations

import click

from lms.core.cli import command
from lms.core.db import db
from lms.core.errors import ValidationError
from lms.notifications.delivery import retry_message
from lms.notifications.models import OutboxMessage


@command("outbox")
@click.option("--limit", default=10, show_default=True, help="How many of the newest messages to show.")
@click.option("--to", "recipient", default=None, help="Only messages to this address.")
@click.option("--retry", "retry_id", type=int, default=None,
              help="Queue failed message ID again (after fixing what the server refused).")
def outbox_command(limit: int, recipient: str | None, retry_id: int | None) -> None:
    """Show the newest queued e-mails, with their bodies (links included)."""
    if retry_id is not None:
        message = db.session.get(OutboxMessage, retry_id)
        if message is None or message.status != "failed":
            raise ValidationError(f"No failed message #{retry_id} in the outbox.")
        retry_message(message)
        click.echo(f"#{retry_id} to {message.recipient} is queued again.")
        return
    query = db.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if recipient:
        query = query.where(OutboxMessage.recipient == recipient.strip().lower())
    messages = db.session.execute(query).scalars().all()
    if not messages:
        click.echo("The outbox is empty.")
    for message in messages:
        click.echo(f"#{message.id} [{message.status}] {message.created_at:%Y-%m-%d %H:%M} UTC to {message.recipient}"
                   f" ({message.kind}, {message.attempts} attempt(s))")
        if message.last_error:
            click.echo(f"Last error: {message.last_error}")
        click.echo(f"Subject: {message.subject}\n\n{message.body}\n" + "-" * 60)
