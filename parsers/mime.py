"""Read one e-mail (the bytes of an .eml file) into a MailMessage.

This is the first step of intake: it turns whatever an employer's mail program sent
into decoded headers, one readable body text and a list of attachments, so the
mutation parsers never deal with MIME, transfer encodings or character sets.

It is pure and deterministic, and it never raises: damaged, truncated or hostile
input gives whatever could be read plus a Dutch explanation in `problems`.
"""

import binascii
import codecs
import email
import email.policy
import email.utils
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.parser import BytesParser

from charset_normalizer import from_bytes

from parsers.html_text import collapse_whitespace, html_to_text

FORWARD_SEPARATOR = "---------- Doorgestuurd bericht ----------"
MAX_FILENAME_CHARS = 150


@dataclass(frozen=True)
class Attachment:
    """A file attached to a mail, with a name that is safe to show and to store."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class MailMessage:
    """What intake needs to know about one mail."""

    headers: tuple[tuple[str, str], ...]
    from_address: str | None
    from_name: str | None
    to_addresses: tuple[str, ...]
    subject: str
    date: datetime | None
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    body: str
    attachments: tuple[Attachment, ...]
    problems: tuple[str, ...]

    def header(self, name: str) -> str | None:
        """The first value of a top-level header, matched case-insensitively."""
        return _first_header(self.headers, name)


@dataclass(frozen=True)
class MailLimits:
    """Bounds that keep hostile mail from costing unbounded time or memory."""

    max_depth: int = 25
    max_parts: int = 500
    max_attachment_bytes: int = 30_000_000
    max_body_chars: int = 2_000_000


DEFAULT_LIMITS = MailLimits()

# Mail labelled latin-1 or ascii is nearly always windows-1252 (€, curly quotes) or,
# for ascii, UTF-8 from a program that did not bother to label it.
_LATIN_1_CODECS = frozenset({"iso8859-1"})
_ASCII_CODECS = frozenset({"ascii"})
_CP1252_HOLES = {0xDC00 + byte: byte for byte in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_MIN_BYTES_TO_GUESS = 64
# Python codecs that are not character sets; a mail naming them is lying.
_NOT_CHARSETS = frozenset({"punycode", "idna", "raw-unicode-escape", "unicode-escape", "undefined"})

_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,75})\?([bBqQ])\?([^?]*)\?=")
_FILENAME_PARAMETER = re.compile(r'(?i)(?:^|;)\s*(?:file)?name\s*=\s*("[^"]*"|[^;\s]+)')
_MSG_ID = re.compile(r"<[^<>]*>")
_LINE_END = re.compile(r"\r\n?")
_FOLD = re.compile(r"\r?\n")
_WHITESPACE_BYTES = b" \t\r\n\x0b\x0c"
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_NESTING_TYPE = re.compile(
    rb"^content-type:[ \t]*(?:multipart/|message/(?:rfc822|global))", re.IGNORECASE | re.MULTILINE
)

_EXTENSIONS = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/msword": ".doc",
    "application/zip": ".zip",
    "application/json": ".json",
    "application/xml": ".xml",
    "text/csv": ".csv",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "text/xml": ".xml",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "message/rfc822": ".eml",
}

_DEFECTS = {
    "NoBoundaryInMultipartDefect": "een multipart-deel zonder grens (boundary)",
    "StartBoundaryNotFoundDefect": "de opgegeven MIME-grens komt niet voor",
    "CloseBoundaryNotFoundDefect": "de afsluitende MIME-grens ontbreekt (mogelijk afgebroken)",
    "FirstHeaderLineIsContinuationDefect": "de eerste kopregel is een vervolgregel",
    "MisplacedEnvelopeHeaderDefect": "een misplaatste envelopregel ('From ')",
    "MissingHeaderBodySeparatorDefect": "de lege regel tussen kopregels en inhoud ontbreekt",
    "MultipartInvariantViolationDefect": "een multipart-deel zonder onderdelen",
    "InvalidMultipartContentTransferEncodingDefect": "een multipart-deel met een codering",
    "UndecodableBytesDefect": "onleesbare bytes",
    "InvalidBase64PaddingDefect": "beschadigde base64-codering",
    "InvalidBase64CharactersDefect": "beschadigde base64-codering",
    "InvalidBase64LengthDefect": "beschadigde base64-codering",
}


# -- collecting ------------------------------------------------------------------------


@dataclass
class _Reading:
    """What has been found so far while walking one mail's MIME tree."""

    limits: MailLimits
    problems: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    parts_seen: int = 0
    cut_off: bool = False

    def problem(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)

    def enter_part(self) -> bool:
        """Count a part; False once the part limit is reached."""
        self.parts_seen += 1
        if self.parts_seen <= self.limits.max_parts:
            return True
        self.problem(
            f"Het bericht bevat meer dan {self.limits.max_parts} MIME-delen; "
            "de rest is niet gelezen."
        )
        return False

    def note_defects(self, part: Message) -> None:
        for defect in getattr(part, "defects", []):
            name = type(defect).__name__
            text = _DEFECTS.get(name, name)
            if text not in self.defects:
                self.defects.append(text)


@dataclass
class _Content:
    """Readable text of a (sub)tree: its own text blocks and forwarded messages."""

    texts: list[str] = field(default_factory=list)
    forwards: list[str] = field(default_factory=list)
    kind: str = ""

    def blocks(self) -> list[str]:
        return self.texts + self.forwards

    def has_text(self) -> bool:
        return any(block.strip() for block in self.blocks())


# -- bytes and text --------------------------------------------------------------------


def _text_from_raw(value: str) -> str:
    """Real text from a header or payload string that email parsed with surrogateescape."""
    if value.isascii():
        return value
    try:
        data = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value  # no escaped bytes: it already is text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _decode_windows_1252(data)


def _bytes_from_raw(value: str) -> bytes:
    try:
        return value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogateescape")


def _decode_base64(encoded: bytes) -> tuple[bytes, bool]:
    """Decode base64 leniently; True when the input was damaged.

    Characters outside the alphabet are dropped, missing padding is added, and
    padding in the middle (concatenated blocks) starts a new block instead of
    silently ending the data.
    """
    compact = encoded.translate(None, _WHITESPACE_BYTES)
    junk = compact.translate(None, _BASE64_ALPHABET)
    if junk:
        compact = compact.translate(None, bytes(set(junk)))
    damaged = bool(junk)
    decoded: list[bytes] = []
    for block in compact.split(b"="):
        if len(block) % 4 == 1:
            block = block[:-1]  # a single leftover character carries no whole byte
            damaged = True
        if block:
            decoded.append(binascii.a2b_base64(block + b"=" * (-len(block) % 4)))
    return b"".join(decoded), damaged


def _lookup_codec(label: str) -> str | None:
    """Python's name for a declared charset, or None when it is unknown or bogus."""
    try:
        name = codecs.lookup(label).name
        b"".decode(name)  # raises LookupError for bytes-to-bytes codecs such as base64
    except (LookupError, ValueError, TypeError):
        return None
    return None if name in _NOT_CHARSETS else name


def _decode_windows_1252(data: bytes) -> str:
    """windows-1252, with the five bytes it leaves undefined read as latin-1 does."""
    text = data.decode("cp1252", errors="surrogateescape")
    return text.translate(_CP1252_HOLES) if _ESCAPED_BYTE.search(text) else text


def _decode_undeclared(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _decode_windows_1252(data)


def _decode_unknown(data: bytes, label: str) -> tuple[str, str]:
    shown = label[:40]
    try:
        return data.decode("utf-8"), f"Onbekende tekenset '{shown}'; de tekst is als UTF-8 gelezen."
    except UnicodeDecodeError:
        pass
    # On a few bytes charset detection is a lottery; Dutch mail is then most likely
    # windows-1252, which is also what latin-1 labels turn out to mean.
    guess = from_bytes(data).best() if len(data) >= _MIN_BYTES_TO_GUESS else None
    if guess is not None:
        return str(guess), (
            f"Onbekende tekenset '{shown}'; de tekst is gelezen als {guess.encoding} (geschat)."
        )
    return _decode_windows_1252(data), (
        f"Onbekende tekenset '{shown}'; de tekst is als windows-1252 (latin-1) gelezen."
    )


def _decode_bytes(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Text from bytes in a declared charset, and a Dutch problem when that went wrong."""
    label = (charset or "").strip().strip("\"'").lower()
    if not label:
        return _decode_undeclared(data), None
    codec = _lookup_codec(label)
    if codec is None:
        return _decode_unknown(data, label)
    if codec in _ASCII_CODECS:
        return _decode_undeclared(data), None
    if codec in _LATIN_1_CODECS:
        return _decode_windows_1252(data), None
    try:
        return data.decode(codec), None
    except UnicodeDecodeError:
        text = data.decode(codec, errors="replace")
    except Exception:  # some codecs raise other errors on hostile bytes
        return _decode_unknown(data, label)
    return text, (
        f"De tekst bevat bytes die niet in tekenset '{label[:40]}' passen; "
        "die zijn vervangen door �."
    )


# -- headers ---------------------------------------------------------------------------


def _decode_encoded_word(charset: str, encoding: str, encoded: str) -> tuple[str, bool]:
    raw = encoded.encode("ascii", errors="replace")
    damaged = False
    try:
        if encoding.lower() == "b":
            data, damaged = _decode_base64(raw)
        else:
            data = binascii.a2b_qp(raw, header=True)
        text, problem = _decode_bytes(data, charset.split("*", 1)[0])
    except Exception:  # a header must never cost the whole mail; keep the word as sent
        return f"=?{charset}?{encoding}?{encoded}?=", True
    return text, damaged or problem is not None


def _decode_header_value(value: str) -> tuple[str, bool]:
    """Unfolded text of a raw header value with RFC 2047 encoded words decoded.

    The flag is True when an encoded word was damaged (bad base64, unknown charset);
    such words are decoded as well as possible rather than dropped.
    """
    text = _FOLD.sub("", _text_from_raw(value)).replace("\r", " ")
    pieces: list[str] = []
    damaged = False
    position = 0
    after_word = False
    for match in _ENCODED_WORD.finditer(text):
        gap = text[position : match.start()]
        # Whitespace between two encoded words is folding, not content (RFC 2047 6.2).
        if not (after_word and not gap.strip()):
            pieces.append(gap)
        word, word_damaged = _decode_encoded_word(*match.groups())
        pieces.append(word)
        damaged = damaged or word_damaged
        position = match.end()
        after_word = True
    pieces.append(text[position:])
    return "".join(pieces).strip(), damaged


def _first_header(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return None


def _raw_headers(message: Message, name: str) -> list[str]:
    """All raw values of a header, unfolded and as text, before RFC 2047 decoding."""
    wanted = name.lower()
    return [
        _FOLD.sub("", _text_from_raw(value))
        for key, value in message.raw_items()
        if key.lower() == wanted and isinstance(value, str)
    ]


def _read_headers(message: Message, reading: _Reading) -> tuple[tuple[str, str], ...]:
    headers: list[tuple[str, str]] = []
    for key, value in message.raw_items():
        name = _text_from_raw(str(key)).strip()
        text, damaged = _decode_header_value(value if isinstance(value, str) else str(value))
        if damaged:
            reading.problem(
                f"De kop {name} bevat ongeldig gecodeerde tekst (RFC 2047); "
                "die is zo goed mogelijk gelezen."
            )
        headers.append((name, text))
    return tuple(headers)


def _parse_addresses(raw_values: list[str]) -> list[tuple[str, str]]:
    """(display name, lower-case address) pairs; entries without an address are left out."""
    try:
        pairs = email.utils.getaddresses(raw_values)
    except Exception:  # getaddresses is not hardened against every malformed list
        return []
    found: list[tuple[str, str]] = []
    for name, address in pairs:
        address = address.strip().lower()
        if "@" in address:
            found.append((collapse_whitespace(_decode_header_value(name)[0]), address))
    return found


def _parse_date(value: str) -> datetime | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except Exception:  # ValueError, TypeError, IndexError, OverflowError on junk dates
        return None
    # "-0000" means UTC without a known local zone; the result stays aware.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _message_ids(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    ids = _MSG_ID.findall(value)
    return tuple(ids) if ids else tuple(value.split())


# -- attachments -----------------------------------------------------------------------


def _visible_chars(text: str) -> str:
    # Format characters include right-to-left overrides that disguise extensions.
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))


def _shorten_filename(name: str) -> str:
    if len(name) <= MAX_FILENAME_CHARS:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and stem and 0 < len(extension) <= 16:
        return stem[: MAX_FILENAME_CHARS - len(extension) - 1].rstrip() + "." + extension
    return name[:MAX_FILENAME_CHARS]


def _safe_filename(raw_name: str | None, number: int, content_type: str) -> str:
    """A base name without directories or control characters, never empty."""
    name = (raw_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _visible_chars(name).strip().lstrip(".").strip()
    if not name:
        name = f"bijlage-{number}{_EXTENSIONS.get(content_type, '.bin')}"
    return _shorten_filename(name)


def _filename_in_raw_headers(part: Message) -> str | None:
    for header in ("content-disposition", "content-type"):
        for value in _raw_headers(part, header):
            match = _FILENAME_PARAMETER.search(value)
            if match:
                return match.group(1).strip('"')
    return None


def _raw_filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # malformed RFC 2231 parameters
        name = None
    if name is None or "\ufffd" in name:
        # compat32 replaces raw 8-bit bytes in parameters; read those ourselves.
        name = _filename_in_raw_headers(part) or name
    if not isinstance(name, str):
        return None
    return _decode_header_value(name)[0]


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f}".replace(".", ",") + " MB"


def _add_attachment(part: Message, raw_name: str | None, reading: _Reading) -> None:
    content_type = part.get_content_type()
    filename = _safe_filename(raw_name, len(reading.attachments) + 1, content_type)
    data = _payload_bytes(part, reading, f"Bijlage '{filename}'")
    limit = reading.limits.max_attachment_bytes
    if len(data) > limit:
        reading.problem(
            f"Bijlage '{filename}' is niet overgenomen: ze is {_megabytes(len(data))} "
            f"({len(data)} bytes), meer dan de limiet van {_megabytes(limit)}."
        )
        return
    reading.attachments.append(Attachment(filename, content_type, data))


# -- parts -----------------------------------------------------------------------------


def _transfer_encoding(part: Message) -> str:
    values = _raw_headers(part, "content-transfer-encoding")
    return values[0].strip().lower() if values else ""


def _raw_payload(part: Message) -> object:
    # compat32's get_payload() re-decodes 8-bit content with the declared charset and
    # replaces what does not fit, so the original bytes are only on the attribute.
    return getattr(part, "_payload", None)


def _payload_bytes(part: Message, reading: _Reading, label: str) -> bytes:
    """The part's content with its transfer encoding undone, as leniently as possible."""
    payload = _raw_payload(part)
    if not isinstance(payload, str):
        return b""
    raw = _bytes_from_raw(payload)
    encoding = _transfer_encoding(part)
    if encoding == "base64":
        data, damaged = _decode_base64(raw)
        if damaged:
            reading.problem(
                f"{label} is beschadigd gecodeerd (base64); de inhoud is zo goed mogelijk "
                "hersteld maar kan onvolledig zijn."
            )
        return data
    if encoding == "quoted-printable":
        return binascii.a2b_qp(raw)
    if encoding in ("x-uuencode", "uuencode", "x-uue", "uue"):
        decoded = part.get_payload(decode=True)
        return decoded if isinstance(decoded, bytes) else raw
    return raw


def _unflow(text: str, delete_space: bool) -> str:
    """Join the soft line breaks of format=flowed text (RFC 3676)."""
    lines: list[str] = []
    pending: str | None = None
    pending_depth = 0
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        content = content[1:] if content.startswith(" ") else content
        if pending is not None and depth != pending_depth:
            lines.append(_quoted(pending_depth, pending))
            pending = None
        flowed = content.endswith(" ") and content != "-- "
        if flowed and delete_space:
            content = content[:-1]
        pending = content if pending is None else pending + content
        pending_depth = depth
        if not flowed:
            lines.append(_quoted(depth, pending))
            pending = None
    if pending is not None:
        lines.append(_quoted(pending_depth, pending))
    return "\n".join(lines)


def _quoted(depth: int, text: str) -> str:
    return ">" * depth + " " + text if depth else text


def _limit_text(text: str, reading: _Reading) -> str:
    limit = reading.limits.max_body_chars
    if len(text) <= limit:
        return text
    reading.problem(f"De tekst van het bericht is langer dan {limit} tekens en is ingekort.")
    return text[:limit]


def _part_text(part: Message, reading: _Reading) -> str:
    data = _payload_bytes(part, reading, "Een tekstdeel van het bericht")
    text, problem = _decode_bytes(data, part.get_content_charset())
    if problem:
        reading.problem(problem)
    text = _limit_text(_LINE_END.sub("\n", text), reading)
    if str(part.get_param("format", "")).lower() == "flowed":
        delete_space = str(part.get_param("delsp", "")).lower() == "yes"
        text = _unflow(text, delete_space)
    return text


def _is_body_text(content_type: str, disposition: str | None, filename: str | None) -> bool:
    if disposition == "attachment":
        return False
    if content_type == "text/plain" and disposition == "inline":
        return True
    return filename is None and content_type in ("text/plain", "text/html")


def _read_leaf(part: Message, reading: _Reading) -> _Content:
    content_type = part.get_content_type()
    filename = _raw_filename(part)
    if _is_body_text(content_type, part.get_content_disposition(), filename):
        text = _part_text(part, reading)
        if content_type == "text/html":
            return _Content(texts=[html_to_text(text)], kind="html")
        return _Content(texts=[text], kind="plain")
    _add_attachment(part, filename, reading)
    return _Content()


def _merge(contents: list[_Content]) -> _Content:
    merged = _Content()
    for content in contents:
        merged.texts.extend(content.texts)
        merged.forwards.extend(content.forwards)
        if not merged.kind and content.has_text():
            merged.kind = content.kind
    return merged


def _choose_alternative(contents: list[_Content]) -> _Content:
    """Plain text when it says something, else the richest version that does."""
    for content in contents:
        if content.kind == "plain" and content.has_text():
            return content
    for content in reversed(contents):
        if content.has_text():
            return content
    return _Content()


def _too_deep(reading: _Reading, what: str) -> _Content:
    reading.problem(
        f"Het bericht bevat te diep geneste {what} (meer dan {reading.limits.max_depth} "
        "niveaus); de diepere delen zijn niet gelezen."
    )
    return _Content()


def _is_cut_off(part: Message) -> bool:
    return any(
        type(defect).__name__ == "CloseBoundaryNotFoundDefect"
        for defect in getattr(part, "defects", [])
    )


def _read_multipart(part: Message, depth: int, reading: _Reading) -> _Content:
    if depth >= reading.limits.max_depth:
        return _too_deep(reading, "MIME-delen")
    contents: list[_Content] = []
    attachments_before_last = len(reading.attachments)
    children = _raw_payload(part)
    for child in children if isinstance(children, list) else []:
        if isinstance(child, Message):
            attachments_before_last = len(reading.attachments)
            contents.append(_read_part(child, depth + 1, reading))
    if _is_cut_off(part):
        # The part that was being sent when the mail broke off is incomplete.
        for attachment in reading.attachments[attachments_before_last:]:
            reading.problem(
                f"Bijlage '{attachment.filename}' is mogelijk onvolledig: "
                "het bericht is afgebroken."
            )
    if part.get_content_subtype() == "alternative":
        return _choose_alternative(contents)
    return _merge(contents)


def _body_of(content: _Content) -> str:
    blocks = (_tidy_block(block) for block in content.blocks())
    return "\n\n".join(block for block in blocks if block)


def _tidy_block(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def _forward_block(message: Message, body: str, reading: _Reading) -> str:
    headers = _read_headers(message, reading)
    senders = _parse_addresses(_raw_headers(message, "from"))
    if senders:
        name, address = senders[0]
        sender = f"{name} <{address}>" if name else address
    else:
        sender = collapse_whitespace(_first_header(headers, "from") or "")
    lines = [
        FORWARD_SEPARATOR,
        f"Van: {sender}",
        f"Datum: {collapse_whitespace(_first_header(headers, 'date') or '')}",
        f"Onderwerp: {collapse_whitespace(_first_header(headers, 'subject') or '')}",
        "",
        body,
    ]
    return "\n".join(lines)


def _read_forward(part: Message, depth: int, reading: _Reading) -> _Content:
    if depth >= reading.limits.max_depth:
        return _too_deep(reading, "doorgestuurde berichten")
    payload = _raw_payload(part)
    inner = payload[0] if isinstance(payload, list) and payload else None
    if not isinstance(inner, Message):
        return _Content()
    body = _body_of(_read_part(inner, depth + 1, reading))
    return _Content(forwards=[_forward_block(inner, body, reading)])


def _read_part(part: Message, depth: int, reading: _Reading) -> _Content:
    """Body text of one part and everything below it; attachments go to `reading`."""
    if not reading.enter_part():
        return _Content()
    reading.note_defects(part)
    content_type = "onbekend"
    try:
        content_type = part.get_content_type()
        is_list = isinstance(_raw_payload(part), list)
        if is_list and content_type in ("message/rfc822", "message/global"):
            return _read_forward(part, depth, reading)
        if is_list and part.get_content_maintype() == "multipart":
            return _read_multipart(part, depth, reading)
        if is_list:
            return _Content()  # delivery-status reports and the like: machine data
        if part.get_content_maintype() in ("multipart", "message"):
            # Structure without parts (no boundary, or only headers could be parsed):
            # the text is still better than nothing.
            return _Content(texts=[_part_text(part, reading)], kind="plain")
        return _read_leaf(part, reading)
    except Exception:  # one unreadable part must not cost the rest of the mail
        reading.problem(
            f"Een deel van het bericht ({content_type}) kon niet worden gelezen en is "
            "overgeslagen."
        )
        return _Content()


# -- the message -----------------------------------------------------------------------


def _cut_nesting(raw: bytes, max_depth: int) -> bytes | None:
    """The mail cut off a little below the depth that will be read, or None."""
    for count, match in enumerate(_NESTING_TYPE.finditer(raw)):
        if count > max_depth + 1:
            return raw[: match.start()]
    return None


def _parse(raw: bytes, reading: _Reading) -> Message:
    parser = BytesParser(policy=email.policy.compat32)
    try:
        return parser.parsebytes(raw)
    except RecursionError:
        # The email package recurses once per nesting level; absurd nesting is cut
        # off, since the walk would stop at max_depth anyway.
        shallow = _cut_nesting(raw, reading.limits.max_depth)
        if shallow is not None:
            try:
                message = parser.parsebytes(shallow)
                reading.cut_off = True
                return message
            except Exception:
                pass
    except Exception:
        pass
    reading.problem("De MIME-structuur is onleesbaar; alleen de kopregels zijn gelezen.")
    try:
        return parser.parsebytes(raw, headersonly=True)
    except Exception:
        return Message()


def _sender(message: Message, reading: _Reading) -> tuple[str | None, str | None]:
    values = _raw_headers(message, "from")
    if not values:
        reading.problem("Het bericht heeft geen afzender (From-kop).")
        return None, None
    senders = _parse_addresses(values)
    if not senders:
        shown = collapse_whitespace(_decode_header_value(values[0])[0])[:80]
        reading.problem(f"Het afzenderadres (From-kop) is onleesbaar: '{shown}'.")
        return None, None
    name, address = senders[0]
    return address, name or None


def _sent_at(headers: tuple[tuple[str, str], ...], reading: _Reading) -> datetime | None:
    value = _first_header(headers, "date")
    if not value:
        reading.problem("Het bericht heeft geen datum (Date-kop).")
        return None
    parsed = _parse_date(value)
    if parsed is None:
        reading.problem(f"De datum van het bericht (Date-kop) is onleesbaar: '{value[:80]}'.")
    return parsed


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _empty_mail(problem: str) -> MailMessage:
    return MailMessage(
        headers=(), from_address=None, from_name=None, to_addresses=(), subject="",
        date=None, message_id=None, in_reply_to=None, references=(), body="",
        attachments=(), problems=(problem,),
    )


def _build(raw: bytes, limits: MailLimits) -> MailMessage:
    reading = _Reading(limits=limits)
    message = _parse(raw, reading)
    headers = _read_headers(message, reading)
    if not headers:
        reading.problem("Het bericht heeft geen kopregels; mogelijk is het geen e-mail.")
    from_address, from_name = _sender(message, reading)
    date = _sent_at(headers, reading)
    body = _limit_text(_body_of(_read_part(message, 0, reading)), reading)
    if reading.cut_off and not any("te diep geneste" in p for p in reading.problems):
        reading.problem(
            "Het bericht is te diep genest om te lezen; het is afgekapt en het "
            "diepere deel is niet gelezen."
        )
    if reading.defects:
        reading.problem(
            "Het bericht is niet volgens de MIME-regels opgebouwd: "
            + "; ".join(reading.defects)
            + ". Wat leesbaar was, is verwerkt."
        )
    message_id = (_first_header(headers, "message-id") or "").strip()
    in_reply_to = _message_ids(_first_header(headers, "in-reply-to"))
    return MailMessage(
        headers=headers,
        from_address=from_address,
        from_name=from_name,
        to_addresses=_unique([a for _, a in _parse_addresses(_raw_headers(message, "to"))]),
        subject=collapse_whitespace(_first_header(headers, "subject") or ""),
        date=date,
        message_id=message_id or None,
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=_message_ids(_first_header(headers, "references")),
        body=body,
        attachments=tuple(reading.attachments),
        problems=tuple(reading.problems),
    )


def read_mail(raw: bytes, *, limits: MailLimits = DEFAULT_LIMITS) -> MailMessage:
    """Headers, readable body, attachments and problems of one mail; never raises."""
    raw = bytes(raw)
    if not raw.strip():
        return _empty_mail("Het bericht is leeg.")
    try:
        return _build(raw, limits)
    except Exception as error:  # a last guard: the promise is a result for any bytes
        return _empty_mail(f"Het bericht kon niet worden gelezen ({type(error).__name__}).")
