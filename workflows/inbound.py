"""Storing what arrived: the raw file first, then one committed row, then the answer.

Every channel (SMTP, IMAP, the dashboard) calls `store_inbound`; when it returns, the
message is on disk and in the database, and the channel may acknowledge it. Parsing
happens later, in the worker.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from workflows.models import AuditEvent, InboundMessage, utcnow
from workflows.rawstore import write_raw


def _message_id(raw: bytes) -> str | None:
    """The Message-ID header, read from the headers alone (the body may be huge or broken)."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0][:65536]
    try:
        value = email.message_from_bytes(head, policy=email.policy.compat32).get("Message-ID")
    except Exception:  # a header block email cannot read has no usable Message-ID
        return None
    value = " ".join(str(value).split()) if value else ""
    return value[:998] or None


def store_inbound(engine: Engine, data_dir: Path, raw: bytes, *, channel: str, envelope_from: str | None = None,
                  envelope_to: list[str] | None = None, received_at: dt.datetime | None = None) -> int:
    """Store one message durably and return its id. Raises when it could not be stored."""
    digest, relative = write_raw(data_dir, raw)
    row = InboundMessage(channel=channel, received_at=received_at or utcnow(), envelope_from=envelope_from,
                         envelope_to=list(envelope_to or []), message_id=_message_id(raw), content_sha256=digest,
                         raw_path=relative, size=len(raw))
    with Session(engine) as session:
        session.add(row)
        session.flush()
        session.add(AuditEvent(actor=channel, action="received", subject_type="inbound", subject_id=str(row.id),
                               detail={"size": len(raw), "from": envelope_from}))
        session.commit()
        assert row.id is not None
        return row.id
