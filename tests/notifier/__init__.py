"""Helpers for the notifier tests: a real SMTP relay on loopback that keeps what it receives.

The relay is a second aiosmtpd server, separate from the intake listener, standing in for
the bureau's smarthost. Tests point `LOONBODE_RELAY_URL` at it, or at a closed port to
play a relay that is down.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller

from loonbode.settings import Settings

FROM_ADDRESS = "mutaties@bureau.example"


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)  # type: ignore[return-value]

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None
        return part.get_content().replace("\r\n", "\n")  # the wire's CRLF, as text


@dataclass
class CaptureHandler:
    """Accepts everything (unless told to refuse a recipient) and remembers it."""

    delay: float = 0.0  # seconds to hold each DATA, so concurrent senders really overlap
    refuse: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options: list[str]) -> str:  # type: ignore[no-untyped-def]
        if address.lower() in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.received.append(Received(mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos),
                                          raw=envelope.original_content or envelope.content))
        return "250 2.0.0 Queued"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(r.message["Message-ID"]) for r in self.received]


def free_port() -> int:
    """A loopback port nobody listens on (for a moment): a relay that is down."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_relay(port: int, handler: CaptureHandler | None = None) -> Iterator[CaptureHandler]:
    handler = handler or CaptureHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


def make_settings(data_dir: Path, *, relay_port: int | None = None, relay_url: str | None = None,
                  replies_per_sender_per_hour: int = 10) -> Settings:
    url = relay_url or (f"smtp://127.0.0.1:{relay_port}" if relay_port else None)
    return Settings(_env_file=None, data_dir=data_dir, relay_url=url, from_address=FROM_ADDRESS,  # type: ignore[call-arg]
                    intake_addresses=FROM_ADDRESS, replies_per_sender_per_hour=replies_per_sender_per_hour)
