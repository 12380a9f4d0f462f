"""The SMTP listener: a thin aiosmtpd adapter that stores each mail durably, then answers 250.

Answers, and why:
- RCPT for an address not in `LOONBODE_INTAKE_ADDRESSES`: `550 5.1.1` — we are never a relay, AUTH
  or not. After `MAX_REFUSED_RECIPIENTS` of those in one session it is `421` and the connection is
  closed (Postfix's `smtpd_hard_error_limit`): a client guessing addresses gets no more guesses and
  cannot flood the log. The same intake address twice in one envelope is accepted once.
- More than `LOONBODE_SMTP_MAX_CONNECTIONS` sessions at once: the next connection hears `421` and is
  closed, so a flood of idle connections cannot use up the process's file descriptors (which the
  raw store, the database and the dashboard need too). A client silent for
  `LOONBODE_SMTP_TIMEOUT_SECONDS`, or whose DATA takes longer than that, is disconnected (aiosmtpd's
  timer restarts at each command, not at each line of data); nothing of an unfinished DATA is stored.
- DATA: the mail is stored (raw file fsynced, row committed; `intake.store_queue` commits
  the mails of concurrent sessions together) first; only when that has finished is
  `250 2.0.0 Ok: stored as <id>` sent. If storing fails: `451 4.3.0`, so the sender
  keeps the mail and retries. Anything unexpected also becomes `451` (`handle_exception`);
  aiosmtpd would otherwise answer a permanent `500` and the sender would drop the mail. The log line
  says why in a few words ("schijf vol" for a full disk), with the traceback below it.
- Above `max_message_bytes`: `552` (aiosmtpd's `data_size_limit` stops reading early).

TLS and AUTH:
- STARTTLS is offered when `smtp_tls_cert` and `smtp_tls_key` are set.
- `smtp_auth_users` ("user:pw,user2:pw2") turns on AUTH PLAIN/LOGIN and makes it required:
  the listener is then a submission point for the bureau's own mail server or scanners.
  Passwords must not cross a network in clear text, so AUTH is only offered after STARTTLS
  — except on a loopback address, where the credentials never leave the machine. AUTH on a
  non-loopback address without TLS is refused at start-up rather than silently allowed.

Message bodies are never logged: aiosmtpd's own logger ("mail.log") logs every DATA line at
DEBUG and every command at INFO, so it is held at WARNING; this module logs one line per mail.
"""

from __future__ import annotations

import errno
import hmac
import ipaddress
import logging
import socket
import ssl
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from sqlalchemy import Engine

from intake.store_queue import StoreQueue
from loonbode.settings import Settings
from workflows.inbound import Arrival

log = logging.getLogger(__name__)

REPLY_UNKNOWN_RECIPIENT = "550 5.1.1 Onbekende ontvanger (unknown recipient)"
REPLY_TOO_BIG = "552 5.3.4 Bericht te groot (message too big)"
REPLY_TRY_LATER = "451 4.3.0 Tijdelijke fout, probeer het later opnieuw (temporary failure, try again later)"
REPLY_TOO_MANY_REFUSED = "421 4.7.0 Te veel onbekende ontvangers; verbinding gesloten (too many unknown recipients)"
REPLY_BUSY = "421 4.7.0 Te druk, probeer het later opnieuw (too many connections, try again later)"
MAX_REFUSED_RECIPIENTS = 20
# aiosmtpd rejects DATA lines over 1,000 bytes with a permanent 500; mail from real senders
# breaks RFC 5321 here often enough that losing it is worse than accepting long lines.
LINE_LENGTH_LIMIT = 64 * 1024


class SmtpConfigError(ValueError):
    """The SMTP settings cannot work; the message says why, in Dutch."""


class IntakeHandler:
    """aiosmtpd callbacks: check the recipient, store, answer."""

    def __init__(self, engine: Engine, data_dir: Path, intake_addresses: list[str], max_bytes: int,
                 on_stored: Callable[[int], object] | None = None, *, max_sessions: int = 100) -> None:
        self.intake_addresses = {a.lower() for a in intake_addresses}
        self.max_bytes = max_bytes
        self.on_stored = on_stored
        # Storing blocks (fsync, commit): it runs beside the event loop, never on it.
        self.store_queue = StoreQueue(engine, data_dir)
        self.in_flight = 0
        # Counted on the listener's event loop only, so no lock.
        self.max_sessions = max_sessions
        self.sessions = 0
        self.busy_logged = False

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address.lower() not in self.intake_addresses:
            refused = getattr(session, "refused_recipients", 0) + 1
            session.refused_recipients = refused  # type: ignore[attr-defined]
            if refused > MAX_REFUSED_RECIPIENTS:
                if refused == MAX_REFUSED_RECIPIENTS + 1:
                    log.warning("SMTP-sessie van peer %s gesloten na %d onbekende ontvangers (421)", session.peer,
                                MAX_REFUSED_RECIPIENTS)
                return await _hang_up(server, REPLY_TOO_MANY_REFUSED)
            log.info("ontvanger %s geweigerd (550), afzender %s, peer %s", address, envelope.mail_from, session.peer)
            return REPLY_UNKNOWN_RECIPIENT
        if address.lower() not in (a.lower() for a in envelope.rcpt_tos):
            envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if len(raw) > self.max_bytes:
            return REPLY_TOO_BIG
        self.in_flight += 1
        try:
            inbound_id = await self.store_queue.store(Arrival(raw=raw, channel="smtp", envelope_from=envelope.mail_from,
                                                              envelope_to=tuple(envelope.rcpt_tos)))
        except Exception as error:
            log.exception("SMTP-bericht van %s (%d bytes) niet opgeslagen (%s); 451 gegeven", envelope.mail_from,
                          len(raw), failure_reason(error))
            return REPLY_TRY_LATER
        finally:
            self.in_flight -= 1
        if self.on_stored is not None:
            try:
                self.on_stored(inbound_id)
            except Exception:  # the mail is stored: a failing hook must not turn its 250 into a 451
                log.exception("on_stored faalde voor bericht %d", inbound_id)
        log.info("SMTP-bericht %d opgeslagen: van %s aan %s, %d bytes, peer %s", inbound_id, envelope.mail_from,
                 ",".join(envelope.rcpt_tos), len(raw), session.peer)
        return f"250 2.0.0 Ok: stored as {inbound_id}"

    async def handle_exception(self, error: Exception) -> str:
        log.exception("onverwachte fout in de SMTP-sessie; 451 gegeven", exc_info=error)
        return REPLY_TRY_LATER


def failure_reason(error: BaseException) -> str:
    """Why storing failed, in one line for the log; a full disk is called what it is."""
    first = str(error).splitlines()[0] if str(error) else ""
    text = f"{type(error).__name__}: {first}"[:300]
    disk_full = (isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)) or any(
        words in first for words in ("No space left on device", "disk is full", "Disk quota exceeded"))
    return f"schijf vol: {text}" if disk_full else text


async def _hang_up(server: SMTP, reply: str) -> str:
    """Say `reply`, then close at once, as aiosmtpd does when a command limit is reached: commands the
    client pipelined behind this one are not read any more. `close` still sends what is buffered."""
    await server.push(reply)
    if server.transport is not None:
        server.transport.close()
    return reply  # aiosmtpd writes the hook's answer too; the closed connection drops this second copy


class _IntakeSMTP(SMTP):
    line_length_limit = LINE_LENGTH_LIMIT
    _counted = False  # this connection holds one of the handler's session places
    _refused = False  # answered 421 at once: aiosmtpd never saw it

    def connection_made(self, transport: Any) -> None:
        handler: IntakeHandler = self.event_handler
        if not self._counted:  # not the second call STARTTLS makes on the same connection
            if handler.sessions >= handler.max_sessions:
                self._refused = True
                if not handler.busy_logged:
                    handler.busy_logged = True
                    log.warning("SMTP: %d sessies tegelijk, het maximum; nieuwe verbindingen krijgen 421 (peer %s)",
                                handler.sessions, transport.get_extra_info("peername"))
                transport.write(REPLY_BUSY.encode() + b"\r\n")
                transport.close()
                return
            handler.sessions += 1
            self._counted = True
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        if self._refused:
            return
        if self._counted:
            handler: IntakeHandler = self.event_handler
            handler.sessions -= 1
            self._counted = False
            if handler.sessions < handler.max_sessions:
                handler.busy_logged = False
        super().connection_lost(error)


class IntakeController(Controller):
    """aiosmtpd's threaded controller, building our SMTP class."""

    def factory(self) -> SMTP:
        with warnings.catch_warnings():
            # AUTH without TLS is only configured on loopback, where it is our documented choice.
            warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
            return _IntakeSMTP(self.handler, **self.SMTP_kwargs)


def parse_auth_users(value: str | None) -> dict[str, str]:
    """ "user:pw,user2:pw2" → {"user": "pw", ...}; the password may itself contain ':'."""
    users: dict[str, str] = {}
    for item in (value or "").split(","):
        user, sep, password = item.strip().partition(":")
        if item.strip() and (not sep or not user or not password):
            raise SmtpConfigError(f"LOONBODE_SMTP_AUTH_USERS: '{user}' heeft geen gebruiker:wachtwoord-vorm")
        if user:
            users[user] = password
    return users


class Authenticator:
    """aiosmtpd authenticator for PLAIN and LOGIN against the configured users."""

    def __init__(self, users: dict[str, str]) -> None:
        self.users = {u.encode(): p.encode() for u, p in users.items()}

    def __call__(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                 auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        expected = self.users.get(auth_data.login)
        # compare_digest even for an unknown user, so timing does not tell which users exist
        ok = hmac.compare_digest(expected or b"\0" * 32, auth_data.password) and expected is not None
        if not ok:
            log.warning("SMTP AUTH geweigerd voor %r vanaf %s", auth_data.login.decode(errors="replace"),
                        session.peer)
        return AuthResult(success=ok, handled=False, auth_data=auth_data)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    if not settings.smtp_tls_cert and not settings.smtp_tls_key:
        return None
    if not (settings.smtp_tls_cert and settings.smtp_tls_key):
        raise SmtpConfigError("zet zowel LOONBODE_SMTP_TLS_CERT als LOONBODE_SMTP_TLS_KEY voor STARTTLS")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(str(settings.smtp_tls_cert), str(settings.smtp_tls_key))
    except (OSError, ssl.SSLError) as exc:
        raise SmtpConfigError(f"kan het TLS-certificaat of de sleutel niet laden: {exc}") from exc
    return context


def smtp_options(settings: Settings) -> dict[str, Any]:
    """The aiosmtpd SMTP keyword arguments these settings ask for (validated)."""
    context = tls_context(settings)
    users = parse_auth_users(settings.smtp_auth_users)
    if users and context is None and not is_loopback(settings.smtp_host):
        raise SmtpConfigError(f"SMTP AUTH zonder TLS kan alleen op een loopback-adres, niet op {settings.smtp_host}: "
                              "zet LOONBODE_SMTP_TLS_CERT en LOONBODE_SMTP_TLS_KEY")
    options: dict[str, Any] = {"data_size_limit": settings.max_message_bytes, "enable_SMTPUTF8": True,
                               "timeout": settings.smtp_timeout_seconds}
    if context is not None:
        options["tls_context"] = context
    if users:
        options.update(authenticator=Authenticator(users), auth_required=True, auth_require_tls=context is not None)
    else:
        options["auth_require_tls"] = True
    return options


def start_smtp(settings: Settings, engine: Engine, *, require_starttls: bool = False,
               on_stored: Callable[[int], object] | None = None) -> IntakeController:
    """Start the listener in its own thread; returns the running controller (see `stop_smtp`).

    `on_stored(id)` is called after each stored mail (the service wakes its worker with it).
    """
    options = smtp_options(settings)
    if require_starttls and "tls_context" in options:
        options["require_starttls"] = True
    # aiosmtpd logs each command at INFO and each DATA line (bodies) at DEBUG; we log one line per mail.
    mail_log = logging.getLogger("mail.log")
    mail_log.setLevel(max(mail_log.getEffectiveLevel(), logging.WARNING))
    handler = IntakeHandler(engine, settings.data_dir, settings.intake_list, settings.max_message_bytes,
                            on_stored, max_sessions=settings.smtp_max_connections)
    # gethostname, not aiosmtpd's default getfqdn: that can wait seconds on DNS at start.
    controller = IntakeController(handler, hostname=settings.smtp_host, port=settings.smtp_port,
                                  server_hostname=socket.gethostname(), **options)
    try:
        controller.start()
    except BaseException:
        handler.store_queue.close()
        raise
    return controller


def stop_smtp(controller: IntakeController, *, grace_seconds: float = 10.0) -> None:
    """Stop accepting connections, let mails being stored finish and be answered, then stop."""
    handler: IntakeHandler = controller.handler
    server = controller.server
    if server is not None:
        controller.loop.call_soon_threadsafe(server.close)
    deadline = time.monotonic() + grace_seconds
    while handler.in_flight and time.monotonic() < deadline:
        time.sleep(0.02)
    # The 250 is written in the same loop step that ends the store, so it is out before the
    # cancellation `stop` schedules after it.
    controller.stop()
    # Whatever was still storing finishes before the caller disposes of the engine.
    handler.store_queue.close()
