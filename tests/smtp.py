"""A real SMTP server for the tests: aiosmtpd on a free loopback port, recording what it
accepts and answering as told (``answer`` set to e.g. ``"451 4.3.0 try later"``)."""
from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Recorder:
    #: Each accepted message: (envelope recipients, parsed message).
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    #: None: accept; otherwise the reply to DATA (e.g. "550 5.1.1 no such user").
    answer: str | None = None
    #: Refuse only messages to these recipients (with ``answer``); empty: refuse all.
    refuse_for: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.answer and (not self.refuse_for or set(envelope.rcpt_tos) & self.refuse_for):
            return self.answer
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 2.0.0 Ok: queued as TEST"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(message["Message-ID"]) for _, message in self.received]


class SMTPServer:
    def __init__(self) -> None:
        self.recorder = Recorder()
        self.port = free_port()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
