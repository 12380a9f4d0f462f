"""Which language to write to a contact in: English when their latest mail to us was English.

Mail is read with its language (`InboundMessage.language`); a contact that never wrote, or
wrote Dutch last, is written to in Dutch.
"""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from workflows.models import InboundMessage


def contact_language(session: Session, address: str) -> str:
    latest = session.exec(select(InboundMessage.language).where(
        func.lower(InboundMessage.sender) == address.strip().lower(), col(InboundMessage.language).is_not(None))
        .order_by(col(InboundMessage.received_at).desc(), col(InboundMessage.id).desc()).limit(1)).first()
    return "en" if latest == "en" else "nl"
