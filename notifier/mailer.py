"""Hand one finished message to the relay (smarthost) named by `LOONBODE_RELAY_URL`.

`smtp://host:port` speaks SMTP and upgrades with STARTTLS whenever the relay offers it
(certificate checked against the system's CAs); a relay that does not offer it gets the
mail in plain text, which is what a local Postfix on a private network expects.
Credentials are only ever sent over TLS: `smtp://user:pw@host` with a relay that offers
no STARTTLS is refused. `smtps://user:pw@host:465` is TLS from the first byte.

The envelope sender is `LOONBODE_FROM_ADDRESS`, not the null sender that RFC 3834 §3.3
allows for automatic responses: authenticated smarthosts commonly reject `MAIL FROM:<>`,
SPF and DMARC want our own domain, and a bounce of a confirmation should come back to
the intake (where it is recognised as automatic mail and never answered) so that a
person can see an address no longer works.

Errors come back as `SendError`, which says whether trying again can help.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, getaddresses
from urllib.parse import unquote, urlsplit

from workflows.models import utcnow

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
TIMEOUT_SECONDS = 60.0  # per socket operation; keeps a hung relay from holding a claim for long


@dataclass(frozen=True)
class Relay:
    scheme: str  # smtp or smtps
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    def __repr__(self) -> str:  # never show the password in logs or tracebacks
        return f"Relay({self.scheme}://{self.host}:{self.port}, user={self.username!r})"


class SendError(Exception):
    """A message could not be handed over.

    `permanent`: the relay refused it for good (5xx for the recipient); retrying is useless.
    `relay_down`: we never got to talk to the relay, so the other due messages will fail too.
    """

    def __init__(self, message: str, *, permanent: bool = False, relay_down: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.relay_down = relay_down


def parse_relay_url(url: str) -> Relay:
    """`smtp://host:port` or `smtps://user:pw@host:465` as a Relay; ValueError for anything else."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError("LOONBODE_RELAY_URL must look like smtp://host:port or smtps://user:password@host:465")
    return Relay(scheme=scheme, host=parts.hostname, port=parts.port or DEFAULT_PORTS[scheme],
                 username=unquote(parts.username) if parts.username else None,
                 password=unquote(parts.password) if parts.password else None)


def compose(*, from_address: str, to_address: str, subject: str, body: str, message_id: str,
            in_reply_to: str | None = None, references: str | None = None,
            extra_headers: dict[str, str] | None = None,
            attachments: Sequence[tuple[str, bytes, str]] = ()) -> bytes:
    """A plain-text RFC 5322 message with CRLF line ends, ready for the relay as it is.

    `attachments` are (filename, content, MIME type); with any, the message is multipart/mixed:
    the text first, then each file in base64."""
    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = from_address
    message["To"] = to_address
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (extra_headers or {}).items():
        message[name] = value
    # Quoted-printable keeps every line 7-bit, so relays without 8BITMIME take it too.
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    for filename, content, mime_type in attachments:
        maintype, _, subtype = mime_type.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype or "octet-stream", filename=filename)
    return message.as_bytes()


def recipients_of(to_address: str) -> list[str]:
    return [address for _, address in getaddresses([to_address]) if address]


def send(relay: Relay, *, sender: str, recipients: list[str], raw: bytes,
         local_hostname: str | None = None) -> None:
    """Deliver `raw` to the relay for `recipients`; raises SendError."""
    try:
        client = _connect(relay, local_hostname)
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(f"relay {relay.host}:{relay.port} unreachable: {_describe(exc)}", relay_down=True) from exc
    try:
        _secure_and_login(client, relay)
        options = ["BODY=8BITMIME"] if not raw.isascii() and client.has_extn("8bitmime") else []
        client.sendmail(sender, recipients, raw, mail_options=options)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise SendError(f"recipient refused: {_describe(exc)}", permanent=all(c >= 500 for c in codes)) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(_describe(exc)) from exc
    finally:
        _close(client)


def _connect(relay: Relay, local_hostname: str | None) -> smtplib.SMTP:
    if relay.scheme == "smtps":
        return smtplib.SMTP_SSL(relay.host, relay.port, local_hostname=local_hostname, timeout=TIMEOUT_SECONDS,
                                context=ssl.create_default_context())
    return smtplib.SMTP(relay.host, relay.port, local_hostname=local_hostname, timeout=TIMEOUT_SECONDS)


def _secure_and_login(client: smtplib.SMTP, relay: Relay) -> None:
    client.ehlo()
    encrypted = relay.scheme == "smtps"
    if not encrypted and client.has_extn("starttls"):
        client.starttls(context=ssl.create_default_context())
        client.ehlo()  # the capabilities before TLS no longer count (RFC 3207)
        encrypted = True
    if relay.username:
        if not encrypted:
            raise SendError(f"relay {relay.host}:{relay.port} offers no STARTTLS; not sending the password in clear")
        client.login(relay.username, relay.password or "")


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()  # the message was already accepted or refused; a rude hang-up changes nothing


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"{type(exc).__name__}: {exc.smtp_code} {detail}"[:2000]
    return f"{type(exc).__name__}: {exc}"[:2000]
