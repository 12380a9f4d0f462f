"""Storing what arrived: the raw file first, then one committed row, then the answer.

Every channel (SMTP, IMAP, the dashboard) calls `store_inbound`, or `store_arrivals` for a
batch; when it returns, the messages are on disk and in the database, and the channel may
acknowledge them. Parsing happens later, in the worker.

The rows are written with plain inserts, not ORM objects: this is the path every mail
waits on before its `250`, and a batch of mails shares one transaction and one fsync.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, insert

from workflows.models import AuditEvent, InboundMessage, InboundStatus, utcnow
from workflows.rawstore import write_raws


@dataclass(frozen=True)
class Arrival:
    """One message as a channel received it."""

    raw: bytes
    channel: str
    envelope_from: str | None = None
    envelope_to: Sequence[str] = field(default_factory=tuple)
    received_at: dt.datetime | None = None


def _message_id(raw: bytes) -> str | None:
    """The Message-ID header, read from the headers alone (the body may be huge or broken)."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0][:65536]
    try:
        value = email.message_from_bytes(head, policy=email.policy.compat32).get("Message-ID")
    except Exception:  # a header block email cannot read has no usable Message-ID
        return None
    value = " ".join(str(value).split()) if value else ""
    return value[:998] or None


def store_arrivals(engine: Engine, data_dir: Path, arrivals: Sequence[Arrival]) -> list[int]:
    """Store every arrival durably, all or none, and return their ids in order. Raises when they
    could not be stored (a raw file already written stays: it is content-addressed and reused)."""
    if not arrivals:
        return []
    files = write_raws(data_dir, [arrival.raw for arrival in arrivals])
    now = utcnow()
    messages = [{"channel": arrival.channel, "received_at": arrival.received_at or now,
                 "envelope_from": arrival.envelope_from, "envelope_to": list(arrival.envelope_to),
                 "message_id": _message_id(arrival.raw), "content_sha256": digest, "raw_path": relative,
                 "size": len(arrival.raw), "status": InboundStatus.RECEIVED, "attempts": 0, "issues": []}
                for arrival, (digest, relative) in zip(arrivals, files, strict=True)]
    table = InboundMessage.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        ids = list(connection.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                      messages).scalars())
        connection.execute(insert(AuditEvent.__table__),  # type: ignore[attr-defined]
                           [{"at": now, "actor": arrival.channel, "action": "received", "subject_type": "inbound",
                             "subject_id": str(inbound_id),
                             "detail": {"size": len(arrival.raw)}}
                            for arrival, inbound_id in zip(arrivals, ids, strict=True)])
    return ids


def store_inbound(engine: Engine, data_dir: Path, raw: bytes, *, channel: str, envelope_from: str | None = None,
                  envelope_to: list[str] | None = None, received_at: dt.datetime | None = None) -> int:
    """Store one message durably and return its id. Raises when it could not be stored."""
    arrival = Arrival(raw=raw, channel=channel, envelope_from=envelope_from, envelope_to=tuple(envelope_to or ()),
                      received_at=received_at)
    return store_arrivals(engine, data_dir, [arrival])[0]
