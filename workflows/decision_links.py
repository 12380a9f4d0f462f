"""Approve and reject links for leave requests, mailed to the employer: signed, single-use, expiring.

A token reads `<request id>.<action>.<expiry, unix seconds>.<nonce>.<signature>`: ids and
numbers only, nothing personal in the URL. The signature is an HMAC-SHA256 over the rest
with the installation's secret key, so a token cannot be made up or altered; the nonce is
a `DecisionLink` row, so each link works once (its use is recorded in the same transaction
as the decision) and is refused after its expiry or once the request was decided elsewhere.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import Engine, update
from sqlmodel import Session, col

from workflows.leave_ledger import LeaveError, decide
from workflows.models import DecisionLink, LeaveRequestRow, LeaveStatus, utcnow

LINK_DAYS = 14
ACTIONS = ("approve", "reject")


class LinkRefused(ValueError):
    """The link cannot be used; `reason` is one of forged, expired, used, decided."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "forged": "Deze link is ongeldig. Gebruik de link uit de mail, of beslis in het dashboard.",
        "expired": "Deze link is verlopen. Beslis in het dashboard.",
        "used": "Deze link is al gebruikt.",
        "decided": "Over deze aanvraag is al beslist.",
    }

    def __init__(self, reason: str) -> None:
        super().__init__(self.MESSAGES[reason])
        self.reason = reason


@dataclass(frozen=True)
class DecisionTarget:
    """What a valid link is for."""

    request_id: int
    action: str
    recipient: str
    expires_at: dt.datetime
    nonce: str


def _signature(key: bytes, payload: str) -> str:
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue_links(session: Session, request_id: int, recipient: str, key: bytes, *, now: dt.datetime | None = None,
                days: int = LINK_DAYS) -> dict[str, str]:
    """An approve and a reject token for one recipient; the rows are added, not committed."""
    now = now or utcnow()
    expires_at = now + dt.timedelta(days=days)
    tokens = {}
    for action in ACTIONS:
        nonce = secrets.token_urlsafe(16)
        payload = f"{request_id}.{action}.{int(expires_at.timestamp())}.{nonce}"
        session.add(DecisionLink(nonce=nonce, request_id=request_id, action=action, recipient=recipient,
                                 created_at=now, expires_at=expires_at))
        tokens[action] = f"{payload}.{_signature(key, payload)}"
    return tokens


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def read_token(engine: Engine, token: str, key: bytes, *, now: dt.datetime | None = None) -> DecisionTarget:
    """Check signature, expiry and use; raise LinkRefused, else say what the link decides."""
    now = now or utcnow()
    parts = token.split(".")
    if len(parts) != 5 or len(token) > 200:
        raise LinkRefused("forged")
    payload, signature = ".".join(parts[:4]), parts[4]
    if not hmac.compare_digest(_signature(key, payload), signature):
        raise LinkRefused("forged")
    request_id, action, _, nonce = parts[:4]
    with Session(engine) as session:
        link = session.get(DecisionLink, nonce)
        if link is None or str(link.request_id) != request_id or link.action != action:
            raise LinkRefused("forged")
        if link.used_at is not None:
            raise LinkRefused("used")
        if _aware(link.expires_at) <= now:
            raise LinkRefused("expired")
        request = session.get(LeaveRequestRow, link.request_id)
        if request is None or request.status != LeaveStatus.PENDING:
            raise LinkRefused("decided")
        return DecisionTarget(request_id=link.request_id, action=link.action, recipient=link.recipient,
                              expires_at=_aware(link.expires_at), nonce=nonce)


def decide_by_link(engine: Engine, token: str, key: bytes, *, today: dt.date, reason: str | None = None,
                   now: dt.datetime | None = None,
                   on_decided: Callable[[Session, LeaveRequestRow], object] | None = None) -> LeaveRequestRow:
    """Use the link: decide the request as its recipient, and mark the link used in the same transaction."""
    now = now or utcnow()
    target = read_token(engine, token, key, now=now)

    def mark_used(session: Session, request: LeaveRequestRow) -> None:
        used = session.exec(update(DecisionLink).where(  # type: ignore[call-overload]
            col(DecisionLink.nonce) == target.nonce, col(DecisionLink.used_at).is_(None)).values(used_at=now))
        if used.rowcount != 1:
            raise LeaveError(LinkRefused.MESSAGES["used"])
        if on_decided is not None:
            on_decided(session, request)

    return decide(engine, target.request_id, target.action == "approve", actor=target.recipient, today=today,
                  reason=reason, on_decided=mark_used)
