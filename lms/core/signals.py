"""Extension points: blinker signals sent by the services, in the transaction of the change.

Receivers run inside that transaction, so what they write (a notice in the outbox, the
reminders derived again) is committed or rolled back with the change itself.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: A session was created, moved, updated, cancelled or restored. Sender: the ``Session``;
#: ``action``: ``session.create`` | ``session.move`` | ``session.update`` | ``session.cancel`` |
#: ``session.restore``; ``before``: its state before (None for a new one).
session_changed = _signals.signal("session-changed")

#: Someone joined or left a cohort. Sender: the ``Cohort``.
members_changed = _signals.signal("members-changed")

#: A certificate was issued. Sender: the ``Certificate`` (flushed, with its code).
certificate_issued = _signals.signal("certificate-issued")
