"""Send what waits in the outbox: claim one row, hand it to the relay, record the outcome.

Rows are written elsewhere (a confirmation commits with its drafts) with status
`pending`; `send_due` is called every second. Without `LOONBODE_RELAY_URL` nothing is
sent and the rows simply wait.

A row is claimed with a conditional UPDATE (`pending` and due → `sending`, attempts+1)
that must change exactly one row, so two instances never send the same row. While a row
is `sending`, `next_attempt_at` is its lease: if the process dies between claiming and
recording the outcome, the row becomes claimable again once the lease has run out.
That retry can send a message twice when the relay had already accepted it just before
the crash: SMTP has no idempotency key, so the narrow window cannot be closed here. The
copy carries the same Message-ID, which lets the receiving mail program drop or thread it.

A failure puts the row back to `pending` with an exponential backoff and the error; after
`MAX_ATTEMPTS`, or when the relay refuses the recipient for good, it becomes `failed`
and stays, with the error, for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Engine, or_, update
from sqlmodel import Session, col, select

from loonbode.settings import Settings
from notifier.mailer import SendError, compose, parse_relay_url, recipients_of, send
from parsers.masking import mask_secrets
from workflows.models import OutboundMessage, OutboundStatus, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
BASE_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(hours=1)
# Far longer than one SMTP conversation can take with the mailer's socket timeout, so a
# live sender never loses its claim; short enough that a crash delays mail only minutes.
SENDING_LEASE = dt.timedelta(minutes=10)
BATCH_SIZE = 100


@dataclass(frozen=True)
class Claimed:
    """What we need of a claimed row once its transaction is closed."""

    id: int
    attempts: int
    to_address: str
    raw: bytes


def send_due(engine: Engine, settings: Settings, *, now: dt.datetime | None = None) -> int:
    """Send every due message once; returns how many the relay accepted this round."""
    if not settings.relay_url:
        return 0  # no relay configured: mail waits in the outbox until there is one
    relay = parse_relay_url(settings.relay_url)
    now = now or utcnow()
    sent = 0
    for row_id in _due_ids(engine, now, "mail"):
        claimed = _claim(engine, row_id, now, settings.from_address, "mail")
        if claimed is None:
            continue  # another instance took it between our SELECT and our UPDATE
        try:
            send(relay, sender=settings.from_address, recipients=recipients_of(claimed.to_address), raw=claimed.raw,
                 local_hostname=_domain(settings.from_address))
        except SendError as error:
            _record_failure(engine, claimed, error, now)
            if error.relay_down:
                break  # the rest would fail the same way; they stay unclaimed and due
            continue
        _record_sent(engine, claimed, now)
        sent += 1
    return sent


def backoff(attempts: int) -> dt.timedelta:
    """30 s after the first failed attempt, doubling each time, never more than an hour."""
    return min(BASE_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)


def send_due_telegram(engine: Engine, settings: Settings, *, now: dt.datetime | None = None) -> int:
    """Send every due Telegram message once through the Bot API; returns how many it accepted."""
    if not settings.telegram_token:
        return 0
    from notifier.telegram_send import send_telegram

    now = now or utcnow()
    sent = 0
    for row_id in _due_ids(engine, now, "telegram"):
        claimed = _claim(engine, row_id, now, settings.from_address, "telegram")
        if claimed is None:
            continue
        try:
            content = json.loads(claimed.raw)
            send_telegram(settings, chat_id=claimed.to_address, text=content["text"],
                          reply_markup=content.get("reply_markup"))
        except SendError as error:
            _record_failure(engine, claimed, error, now)
            if error.relay_down:
                break
            continue
        _record_sent(engine, claimed, now)
        sent += 1
    return sent


def _due_ids(engine: Engine, now: dt.datetime, channel: str) -> list[int]:
    with Session(engine) as session:
        return list(session.exec(select(OutboundMessage.id).where(_claimable(now, channel))
                                 .order_by(col(OutboundMessage.next_attempt_at), col(OutboundMessage.id))
                                 .limit(BATCH_SIZE)).all())  # type: ignore[arg-type]


def _claimable(now: dt.datetime, channel: str) -> ColumnElement[bool]:
    # A `sending` row whose lease has run out was claimed by a process that died.
    return (col(OutboundMessage.channel) == channel) & (col(OutboundMessage.next_attempt_at) <= now) & or_(
        col(OutboundMessage.status) == OutboundStatus.PENDING, col(OutboundMessage.status) == OutboundStatus.SENDING)


def _claim(engine: Engine, row_id: int, now: dt.datetime, from_address: str, channel: str) -> Claimed | None:
    with Session(engine) as session:
        result = session.exec(update(OutboundMessage)  # type: ignore[call-overload]
                              .where(col(OutboundMessage.id) == row_id, _claimable(now, channel))
                              .values(status=OutboundStatus.SENDING, attempts=OutboundMessage.attempts + 1,
                                      next_attempt_at=now + SENDING_LEASE))
        if result.rowcount != 1:
            session.rollback()
            return None
        row = session.get(OutboundMessage, row_id)
        assert row is not None and row.id is not None
        content = _telegram_content(row) if channel == "telegram" else row.raw or _compose(row, from_address)
        claimed = Claimed(id=row.id, attempts=row.attempts, to_address=row.to_address, raw=content)
        session.commit()
        return claimed


def _telegram_content(row: OutboundMessage) -> bytes:
    """The text and, when the row carries them in `raw`, its buttons, as one JSON object."""
    extra = json.loads(row.raw) if row.raw else {}
    return json.dumps({**extra, "text": row.body}).encode()


def _compose(row: OutboundMessage, from_address: str) -> bytes:
    """Rows written without their bytes (older writers) still go out, built from their columns."""
    return compose(from_address=from_address, to_address=row.to_address, subject=row.subject, body=row.body,
                   message_id=row.message_id, in_reply_to=row.in_reply_to, references=row.references,
                   extra_headers={"Auto-Submitted": "auto-generated"})


def _owned(claimed: Claimed) -> ColumnElement[bool]:
    # Only the holder of this claim may record its outcome: if our lease ran out and another
    # instance re-claimed the row, attempts has moved on and our UPDATE changes nothing.
    return (col(OutboundMessage.id) == claimed.id) & (col(OutboundMessage.status) == OutboundStatus.SENDING) & (
        col(OutboundMessage.attempts) == claimed.attempts)


def _record_sent(engine: Engine, claimed: Claimed, now: dt.datetime) -> None:
    with Session(engine) as session:
        session.exec(update(OutboundMessage).where(_owned(claimed))  # type: ignore[call-overload]
                     .values(status=OutboundStatus.SENT, sent_at=now, last_error=None))
        session.commit()
    log.info("outbound message %s sent (attempt %s)", claimed.id, claimed.attempts)


def _record_failure(engine: Engine, claimed: Claimed, error: SendError, now: dt.datetime) -> None:
    give_up = error.permanent or claimed.attempts >= MAX_ATTEMPTS
    # A refusal names the address, which may hold a BSN or an IBAN: kept and logged masked.
    said = mask_secrets(str(error))
    values: dict[str, object] = {"last_error": said[:2000]}
    if give_up:
        values["status"] = OutboundStatus.FAILED
    else:
        values.update(status=OutboundStatus.PENDING, next_attempt_at=now + backoff(claimed.attempts))
    with Session(engine) as session:
        session.exec(update(OutboundMessage).where(_owned(claimed)).values(**values))  # type: ignore[call-overload]
        session.commit()
    log.warning("outbound message %s attempt %s failed%s: %s", claimed.id, claimed.attempts,
                " (giving up)" if give_up else "", said)


def _domain(address: str) -> str | None:
    return address.rsplit("@", 1)[1] if "@" in address else None

