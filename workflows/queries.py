"""Read-only views for the command line: drafts and the outbox as the contract prints them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from workflows.models import DraftRow, InboundMessage, OutboundMessage


def drafts_json(engine: Engine, *, status: str | None = None, employer: str | None = None) -> list[dict[str, Any]]:
    """`loonbode drafts --json`: {"id", "status", "employer_id", "message_id", "type", "employee_id",
    "employee_name", "fields", "issues", "source"} per draft (shared/spec/cli.md)."""
    with Session(engine) as session:
        # Outer: a draft made from a leave decision has no mail (message_id null).
        query = select(DraftRow, InboundMessage.message_id).outerjoin(
            InboundMessage, InboundMessage.id == DraftRow.inbound_id)  # type: ignore[arg-type]
        if status:
            query = query.where(DraftRow.status == status)
        if employer:
            query = query.where(DraftRow.employer_id == employer)
        rows = session.exec(query.order_by(DraftRow.id)).all()  # type: ignore[arg-type]
        return [{"id": d.id, "status": d.status, "employer_id": d.employer_id, "message_id": message_id,
                 "type": d.type, "employee_id": d.employee_id, "employee_name": d.employee_name,
                 "fields": d.fields, "issues": d.issues, "source": d.source} for d, message_id in rows]


def outbox_json(engine: Engine) -> list[dict[str, Any]]:
    """`loonbode outbox --json`: the outgoing messages and their status."""
    with Session(engine) as session:
        rows = session.exec(select(OutboundMessage).order_by(OutboundMessage.id)).all()  # type: ignore[arg-type]
        return [{"id": m.id, "kind": m.kind, "channel": m.channel, "to": m.to_address, "subject": m.subject,
                 "status": m.status, "attempts": m.attempts, "message_id": m.message_id,
                 "in_reply_to": m.in_reply_to, "related_inbound_id": m.related_inbound_id,
                 "created_at": m.created_at.isoformat(), "sent_at": m.sent_at.isoformat() if m.sent_at else None,
                 "last_error": m.last_error} for m in rows]
