"""The IMAP channel: poll one mailbox, store each message, then move it out of the way.

`poll_once(engine, settings)` is the unit of work the scheduler runs. Messages are
fetched with BODY.PEEK (never marked seen) and recorded in `imap_ledger`, keyed on
(folder, UIDVALIDITY, UID). A message moves to "Verwerkt" only after `store_inbound`
returned and its ledger row is committed; one that can never be stored (not an e-mail,
too large, refused by the database for what it contains) goes to "Mislukt" with the
reason in the ledger. An outage of the mailbox or of our storage ends the poll and
leaves the message where it is for the next one. The same bytes already stored from
IMAP (a crash before the ledger row, a recreated folder) are linked, not stored again.
Only one process polls a mailbox at a time: a PostgreSQL advisory lock, or on SQLite a
file lock in the data dir.

`watch_idle` keeps a second connection in IDLE (RFC 2177) where the server offers it and
calls `wake` when new mail arrives, so the poll runs at once instead of at its next turn;
polling stays the one path that stores anything.
"""

from __future__ import annotations

import fcntl
import hashlib
import imaplib
import logging
import ssl
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from imap_tools import BaseMailBox, ImapToolsError, MailBox, MailBoxUnencrypted, MailMessage
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DataError, SQLAlchemyError
from sqlmodel import Session, select

from loonbode.settings import Settings
from workflows.db import is_postgres
from workflows.inbound import store_inbound
from workflows.models import ImapLedger, InboundMessage
from workflows.rawstore import content_hash

log = logging.getLogger(__name__)

CHANNEL = "imap"
DONE_FOLDER = "Verwerkt"
FAILED_FOLDER = "Mislukt"
FETCH_BATCH = 10  # messages per FETCH: few enough that a batch of large mails fits in memory
LEDGER_BATCH = 500  # UIDs per ledger query
TIMEOUT_SECONDS = 60.0  # a silent server must not hang the scheduler's job forever
HEADER_SCAN_BYTES = 65536
IDLE_RENEW_SECONDS = 25 * 60  # RFC 2177: re-issue IDLE within 29 minutes
IDLE_RETRY_MAX_SECONDS = 300.0


class LedgerStatus:
    STORED = "stored"  # in the database; the move to Verwerkt may still be pending
    MOVED = "moved"  # in the database and in Verwerkt
    FAILED = "failed"  # can never be stored: in (or on its way to) Mislukt, with the reason


class MailboxProtocolError(Exception):
    """The server answered in a way we cannot work with safely (e.g. no UIDVALIDITY)."""


class StorageOutage(Exception):
    """Our own storage failed for a reason outside the message: stop and retry later."""


# The server or the network went away: end the poll, keep everything as it is.
MAILBOX_ERRORS = (ImapToolsError, imaplib.IMAP4.error, OSError, EOFError, MailboxProtocolError)
# The database refused the message for what it contains: retrying will not help.
MESSAGE_ERRORS = (DataError, ValueError)


@dataclass(frozen=True)
class MailboxAddress:
    """LOONBODE_IMAP_URL taken apart; the password never shows in repr or logs."""

    secure: bool
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"

    @property
    def public(self) -> str:
        """The address without the password: safe to log, and the name the lock is taken on."""
        scheme = "imaps" if self.secure else "imap"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{quote(self.user, safe='')}@{host}:{self.port}/{quote(self.folder, safe='')}"


def parse_imap_url(url: str) -> MailboxAddress:
    """`imap://user:pw@host:port/FOLDER` or `imaps://…`; user and password are URL-decoded."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps"):
        raise ValueError("LOONBODE_IMAP_URL moet beginnen met imap:// of imaps://")
    if not parts.hostname or not parts.username:
        raise ValueError("LOONBODE_IMAP_URL mist de gebruikersnaam of de server")
    secure = parts.scheme == "imaps"
    return MailboxAddress(secure=secure, host=parts.hostname, port=parts.port or (993 if secure else 143),
                          user=unquote(parts.username), password=unquote(parts.password or ""),
                          folder=unquote(parts.path.lstrip("/")) or "INBOX")


def lock_key(address: MailboxAddress) -> int:
    """A stable signed 64-bit number for the mailbox, for `pg_try_advisory_lock`."""
    return int.from_bytes(hashlib.sha256(address.public.encode()).digest()[:8], "big", signed=True)


def unreadable_reason(raw: bytes, max_bytes: int) -> str | None:
    """Why this message can never be stored as an e-mail (in Dutch), or None when it can."""
    if not raw.strip():
        return "leeg bericht"
    if len(raw) > max_bytes:
        return f"bericht is te groot ({len(raw)} bytes, de grens is {max_bytes})"
    head = raw[:HEADER_SCAN_BYTES]
    if not BytesHeaderParser(policy=compat32).parsebytes(head).keys():
        return "geen e-mail: het bericht heeft geen kopregels"
    return None


@dataclass(frozen=True)
class LedgerKey:
    folder: str
    uidvalidity: int
    uid: int

    def __str__(self) -> str:
        return f"{self.folder}/{self.uidvalidity}/{self.uid}"


@dataclass
class Progress:
    stored: int = 0  # new inbound rows; what poll_once returns even when it stops early


def poll_once(engine: Engine, settings: Settings) -> int:
    """Poll the configured mailbox once; returns how many messages were newly stored."""
    if not settings.imap_url:
        return 0
    address = parse_imap_url(settings.imap_url)
    progress = Progress()
    try:
        with _poll_lock(engine, settings.data_dir, address) as acquired:
            if not acquired:
                log.info("IMAP %s: another process is polling this mailbox; skipping this round", address.public)
                return 0
            with _session(address) as mailbox:
                _poll_folder(mailbox, engine, settings, address, progress)
    except StorageOutage as exc:
        log.warning("IMAP %s: storage failed, poll stopped, message left in the mailbox: %s", address.public,
                    _masked(exc.__cause__ or exc, address))
    except SQLAlchemyError as exc:
        log.warning("IMAP %s: database unavailable, poll stopped: %s", address.public, _masked(exc, address))
    except MAILBOX_ERRORS as exc:
        log.warning("IMAP %s: mailbox unavailable, poll stopped: %s: %s", address.public, type(exc).__name__,
                    _masked(exc, address))
    return progress.stored


def watch_idle(settings: Settings, wake: Callable[[], object], stopping: threading.Event, *,
               check_seconds: float = 1.0) -> None:
    """Until `stopping`, hold the mailbox in IDLE and call `wake` when the server reports new mail.

    Returns at once when the server does not offer IDLE (the scheduled poll is then all
    there is). A dropped connection is retried with backoff; `stopping` is looked at every
    `check_seconds`, without any traffic to the server.
    """
    if not settings.imap_url:
        return
    address = parse_imap_url(settings.imap_url)
    retry = 1.0
    while not stopping.is_set():
        try:
            with _session(address) as mailbox:
                if "IDLE" not in mailbox.client.capabilities:
                    log.info("IMAP %s: the server offers no IDLE; polling only", address.public)
                    return
                mailbox.folder.set(address.folder)
                retry = 1.0
                while not stopping.is_set():
                    if _idle_until_news(mailbox, stopping, check_seconds):
                        wake()
        except MAILBOX_ERRORS as exc:
            log.info("IMAP %s: IDLE connection lost (%s: %s); again in %.0f s", address.public, type(exc).__name__,
                     _masked(exc, address), retry)
            stopping.wait(retry)
            retry = min(retry * 2, IDLE_RETRY_MAX_SECONDS)


def _idle_until_news(mailbox: BaseMailBox, stopping: threading.Event, check_seconds: float) -> bool:
    """One IDLE round: True when the server reported new mail, False after a renewal or a stop."""
    waited = 0.0
    with mailbox.idle as idle:
        while not stopping.is_set() and waited < IDLE_RENEW_SECONDS:
            responses = idle.poll(timeout=check_seconds)
            if any(line.rstrip().upper().endswith(b"EXISTS") for line in responses):
                return True
            waited += check_seconds
    return False


def _masked(exc: BaseException, address: MailboxAddress) -> str:
    """The first line of an error, without the password in any spelling we might have sent."""
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if address.password:
        for spelling in {address.password, quote(address.password, safe=""), repr(address.password)[1:-1]}:
            message = message.replace(spelling, "***")
    return message[:500]


# --- one poller per mailbox ------------------------------------------------------------


@contextmanager
def _poll_lock(engine: Engine, data_dir: Path, address: MailboxAddress) -> Iterator[bool]:
    if is_postgres(engine):
        with _advisory_lock(engine, lock_key(address)) as acquired:
            yield acquired
    else:
        with _file_lock(data_dir / "imap.lock") as acquired:
            yield acquired


@contextmanager
def _advisory_lock(engine: Engine, key: int) -> Iterator[bool]:
    """A session-level advisory lock on a connection of its own, held while the poll runs."""
    connection = engine.connect()
    try:
        acquired = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar())
        connection.commit()  # hold the lock, not an idle transaction
        try:
            yield acquired
        finally:
            if acquired:
                _advisory_unlock(connection, key)
    finally:
        connection.close()


def _advisory_unlock(connection: Connection, key: int) -> None:
    try:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        connection.commit()
    except SQLAlchemyError:
        # A pooled connection must never keep the lock: discard it, which ends its session and the lock.
        connection.invalidate()


@contextmanager
def _file_lock(path: Path) -> Iterator[bool]:
    """flock, not blocking: a second poller (another process or thread) skips instead of queueing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            acquired = True
        except BlockingIOError:
            acquired = False
        try:
            yield acquired
        finally:
            if acquired:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


# --- the mailbox ------------------------------------------------------------------------


class _RawMail(MailMessage):
    """A fetched message kept as the exact bytes on the server; the worker parses it later."""

    def __init__(self, fetch_data: list) -> None:
        self.raw, self._raw_uid_data, self._raw_flag_data = self._get_message_data_parts(fetch_data)


class _Mailbox(MailBox):
    email_message_class = _RawMail


class _PlainMailbox(MailBoxUnencrypted):
    email_message_class = _RawMail


@contextmanager
def _session(address: MailboxAddress) -> Iterator[BaseMailBox]:
    mailbox: BaseMailBox
    if address.secure:
        mailbox = _Mailbox(address.host, address.port, timeout=TIMEOUT_SECONDS,
                           ssl_context=ssl.create_default_context())
    else:
        mailbox = _PlainMailbox(address.host, address.port, timeout=TIMEOUT_SECONDS)
    try:
        _login(mailbox, address)
        yield mailbox
    finally:
        _close(mailbox)


def _login(mailbox: BaseMailBox, address: MailboxAddress) -> None:
    if address.user.isascii() and address.password.isascii():
        mailbox.login(address.user, address.password, initial_folder=None)
    else:  # LOGIN is ASCII-only; AUTHENTICATE PLAIN carries UTF-8
        mailbox.login_utf8(address.user, address.password, initial_folder=None)
    # imaplib keeps the capabilities from before login; servers announce MOVE only after it.
    typ, data = mailbox.client.capability()
    if typ == "OK" and data and data[-1]:
        mailbox.client.capabilities = tuple(data[-1].decode().upper().split())


def _close(mailbox: BaseMailBox) -> None:
    # When the connection is gone already there is no one left to say goodbye to.
    with suppress(imaplib.IMAP4.error, OSError):
        mailbox.client.logout()


def _ensure_folders(mailbox: BaseMailBox) -> None:
    for name in (DONE_FOLDER, FAILED_FOLDER):
        if not mailbox.folder.exists(name):
            mailbox.folder.create(name)


def _select(mailbox: BaseMailBox, folder: str) -> int:
    """Select the folder and return the UIDVALIDITY from that very SELECT, so UIDs and it belong together."""
    mailbox.folder.set(folder)
    _typ, data = mailbox.client.response("UIDVALIDITY")
    if not data or data[-1] is None:
        raise MailboxProtocolError(f"de server gaf geen UIDVALIDITY voor {folder}")
    return _int32(int(data[-1]))


def _int32(value: int) -> int:
    """UIDs and UIDVALIDITY are unsigned 32-bit; the ledger's INTEGER columns are signed.

    Values above 2**31 - 1 are stored as their two's complement, one to one, so no two
    keys collide and PostgreSQL does not refuse them.
    """
    return value - 2**32 if value >= 2**31 else value


def _move(mailbox: BaseMailBox, uid: int, folder: str) -> None:
    mailbox.move(str(uid & 0xFFFFFFFF), folder)


# --- the ledger -------------------------------------------------------------------------


def _ledger_rows(engine: Engine, folder: str, uidvalidity: int, uids: Sequence[int]) -> dict[int, ImapLedger]:
    rows: dict[int, ImapLedger] = {}
    with Session(engine) as session:
        for start in range(0, len(uids), LEDGER_BATCH):
            batch = list(uids[start:start + LEDGER_BATCH])
            found = session.exec(select(ImapLedger).where(ImapLedger.folder == folder,
                                                          ImapLedger.uidvalidity == uidvalidity,
                                                          ImapLedger.uid.in_(batch)))  # type: ignore[attr-defined]
            rows.update({row.uid: row for row in found})
    return rows


def _record(engine: Engine, key: LedgerKey, status: str, *, inbound_id: int | None = None,
            error: str | None = None) -> None:
    with Session(engine) as session:
        row = session.exec(select(ImapLedger).where(ImapLedger.folder == key.folder,
                                                    ImapLedger.uidvalidity == key.uidvalidity,
                                                    ImapLedger.uid == key.uid)).first()
        row = row or ImapLedger(folder=key.folder, uidvalidity=key.uidvalidity, uid=key.uid, status=status)
        row.status = status
        row.inbound_id = inbound_id if inbound_id is not None else row.inbound_id
        row.error = error
        session.add(row)
        session.commit()


def _stored_before(engine: Engine, raw: bytes) -> int | None:
    """The inbound row of these exact bytes from IMAP, if a previous poll stored them."""
    with Session(engine) as session:
        return session.exec(select(InboundMessage.id).where(InboundMessage.channel == CHANNEL,
                                                            InboundMessage.content_sha256 == content_hash(raw))
                            .order_by(InboundMessage.id).limit(1)).first()  # type: ignore[arg-type]


# --- the poll ---------------------------------------------------------------------------


def _poll_folder(mailbox: BaseMailBox, engine: Engine, settings: Settings, address: MailboxAddress,
                 progress: Progress) -> None:
    _ensure_folders(mailbox)
    uidvalidity = _select(mailbox, address.folder)
    uids = [_int32(int(uid)) for uid in mailbox.uids("ALL")]
    known = _ledger_rows(engine, address.folder, uidvalidity, uids)
    for uid in uids:
        if uid in known:
            _finish_known(mailbox, engine, known[uid])
    new = [uid for uid in uids if uid not in known]
    for start in range(0, len(new), FETCH_BATCH):
        batch = new[start:start + FETCH_BATCH]
        for mail in mailbox.fetch(uid_list=[str(uid & 0xFFFFFFFF) for uid in batch], mark_seen=False, bulk=True):
            uid = _int32(int(mail.uid)) if mail.uid else None
            if uid not in batch:
                continue  # an unsolicited FETCH response (a flag change), not one we asked for
            key = LedgerKey(address.folder, uidvalidity, uid)
            _take(mailbox, engine, settings, key, mail.raw, progress)  # type: ignore[attr-defined]


def _finish_known(mailbox: BaseMailBox, engine: Engine, row: ImapLedger) -> None:
    """A message an earlier poll already handled but could not move: only the move is left."""
    key = LedgerKey(row.folder, row.uidvalidity, row.uid)
    if row.status == LedgerStatus.FAILED:
        _move(mailbox, row.uid, FAILED_FOLDER)
        return
    _move(mailbox, row.uid, DONE_FOLDER)
    if row.status != LedgerStatus.MOVED:
        _record(engine, key, LedgerStatus.MOVED)


def _take(mailbox: BaseMailBox, engine: Engine, settings: Settings, key: LedgerKey, raw: bytes,
          progress: Progress) -> None:
    """Store one new message, then move it."""
    reason = unreadable_reason(raw, settings.max_message_bytes)
    if reason is None:
        try:
            inbound_id, is_new = _store(engine, settings.data_dir, raw)
        except MESSAGE_ERRORS as exc:
            reason = f"opslaan geweigerd: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    if reason is not None:
        _shunt(mailbox, engine, key, reason)
        return
    progress.stored += is_new  # counted now: it is stored, even if the move below fails
    _record(engine, key, LedgerStatus.STORED, inbound_id=inbound_id)
    _move(mailbox, key.uid, DONE_FOLDER)
    _record(engine, key, LedgerStatus.MOVED)


def _store(engine: Engine, data_dir: Path, raw: bytes) -> tuple[int, bool]:
    """The inbound id for these bytes, and whether this call stored them."""
    try:
        existing = _stored_before(engine, raw)
        if existing is not None:
            return existing, False
        return store_inbound(engine, data_dir, raw, channel=CHANNEL), True
    except MESSAGE_ERRORS:
        raise
    except Exception as exc:  # anything else is ours, not the sender's: keep the mail in the box, retry later
        raise StorageOutage(type(exc).__name__) from exc


def _shunt(mailbox: BaseMailBox, engine: Engine, key: LedgerKey, reason: str) -> None:
    """Never drop: record why, then move the message to Mislukt for a person to look at."""
    _record(engine, key, LedgerStatus.FAILED, error=reason[:2000])
    _move(mailbox, key.uid, FAILED_FOLDER)
    log.warning("IMAP message %s moved to %s: %s", key, FAILED_FOLDER, reason)
