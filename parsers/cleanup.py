"""Cut a plain-text mail body down to what the sender actually wrote, plus what they forwarded.

Employers answer the bureau's mails, sign them, and their mail server appends legal
notices. None of that is a payroll change, and quoted history is worse than noise: it
repeats mutations that were already processed. Before the sentence reader sees a body,
``clean_body`` removes

* quoted earlier mail ("geciteerde mail"): Gmail/Apple attribution lines ("Op … schreef
  …:", "On … wrote:"), Outlook header blocks (Van/Verzonden/Aan/Onderwerp) with or without
  a separator line, and lines starting with ">";
* signatures ("handtekening"): from a short sign-off line ("Met vriendelijke groet,",
  "gr henk", "Best,") or an RFC 3676 "-- " delimiter to the end of that message part, and
  "Sent from my iPhone"-style device lines wherever they are;
* disclaimers: paragraphs that contain a clearly legal phrase ("uitsluitend bestemd voor",
  "intended recipient", …), plus a rule line directly above them.

Forwarded messages are the point of a forward, so they are kept: the forward marker and
the forward's own header lines are dropped, and every remaining line of the forwarded
message carries the author from its Van/From header. The same rules then apply inside
it (its own signature and quoted history go, a nested forward is kept).

Every line of the result keeps its 1-based line number in the original text, so a
reviewer can find it. The module is pure and deterministic, and every scan is linear:
patterns look at a capped prefix of a line and none nests quantifiers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

QUOTE = "geciteerde mail"
SIGNATURE = "handtekening"
DISCLAIMER = "disclaimer"
_FORWARD_HEADER = "forward header"  # dropped without being reported: it is not removed content
_REPORTED_KINDS = (QUOTE, SIGNATURE, DISCLAIMER)

_SCAN_LIMIT = 300  # headers, markers and attributions are short; never scan further into a line
_SHORT_LINE = 120  # sign-offs and device lines are short; longer lines are ordinary text
_DISCLAIMER_SCAN_LIMIT = 2000  # a legal phrase shows up early in a disclaimer line
_WRAPPED_LINE = 40  # a line this long without a full stop is probably wrapped mid-sentence
_SIGN_OFF_MAX_TAIL_WORDS = 4  # "Met vriendelijke groet, Els van Dam" - a name, not a sentence
_ATTRIBUTION_MAX_LINES = 3  # Gmail wraps a long "On … wrote:" line over two, rarely three lines
_ATTRIBUTION_MAX_NAME_WORDS = 8  # "schreef Salarisadministratie Oost <info@oost.example>:"
_OUTLOOK_HEADER_WINDOW = 4  # Outlook puts Sent/To/Subject within four lines below From
_SEPARATOR_LOOKAHEAD = 3  # lines between a separator rule and the From line it announces
_MAX_HEADER_CONTINUATIONS = 8  # wrapped To/CC lists


@dataclass(frozen=True)
class BodyLine:
    number: int  # 1-based line number in the original text
    text: str  # the line, right-stripped
    forwarded_from: str | None  # author of the forwarded message this line belongs to


@dataclass(frozen=True)
class CleanBody:
    lines: tuple[BodyLine, ...]  # what remains, in order, without leading/trailing/double blanks
    removed: tuple[str, ...]  # kinds removed: "geciteerde mail", "handtekening", "disclaimer"


# A parsed header block: the index of the first line after it, and one value per field.
_HeaderBlock = tuple[int, dict[str, str]]


@dataclass
class _Part:
    """One message inside the mail: the sender's own text or a forwarded message."""

    author: str | None
    subject: str
    indices: list[int]  # 0-based indices of the lines that belong to this message


# --- patterns -----------------------------------------------------------------------------

# The marker a client writes above a forwarded message: Gmail/Thunderbird put the words
# between runs of dashes (any count), Apple Mail writes a sentence ending in a colon.
_FORWARD_MARKER = re.compile(
    r"-{2,} ?(?:forwarded message|doorgestuurd bericht|weitergeleitete nachricht"
    r"|message transf[ée]r[ée]) ?-{2,}"
    r"|(?:begin forwarded message|begin doorgestuurd bericht"
    r"|anfang der weitergeleiteten nachricht) ?:",
    re.IGNORECASE,
)

# The rule Outlook and Android clients write above the previous message of a thread.
# Outlook also uses it above a forwarded message; the subject decides which it is.
_ORIGINAL_MESSAGE_RULE = re.compile(
    r"-{2,} ?(?:original message|oorspronkelijk bericht|origineel bericht|originele bericht"
    r"|urspr(?:ü|ue)ngliche nachricht|message d'origine) ?-{2,}",
    re.IGNORECASE,
)

# Outlook's long underscore rule above a header block; short ones are just dividers.
_UNDERSCORE_RULE = re.compile(r"_{20,}")

# A line drawn to set something apart ("---", "___", "==="), e.g. above a disclaimer.
_DIVIDER_LINE = re.compile(r"[-_=*~]{2,}")

# One header line of a quoted or forwarded message, as mail clients write it in Dutch,
# English or German. Outlook-from-HTML sometimes bolds the key with asterisks.
_HEADER_LINE = re.compile(
    r"\*{0,2}(?P<key>van|from|von|verzonden|sent|gesendet|datum|date|aan|to|an|cc|bcc|kopie"
    r"|onderwerp|subject|betreff|beantwoorden aan|reply-to|bijlagen|attachments|urgentie"
    r"|importance|prioriteit|priority)\*{0,2} ?:\*{0,2}(?P<value>.*)",
    re.IGNORECASE,
)

# Header keys grouped by meaning, so "Verzonden" and "Date" count as the same field.
_HEADER_KEY_MEANING = {
    "van": "from", "from": "from", "von": "from",
    "verzonden": "date", "sent": "date", "gesendet": "date", "datum": "date", "date": "date",
    "aan": "to", "to": "to", "an": "to",
    "cc": "cc", "bcc": "cc", "kopie": "cc",
    "onderwerp": "subject", "subject": "subject", "betreff": "subject",
}

# Outlook writes "Naam [mailto:adres]"; the reviewer reads "Naam <adres>" more easily.
_MAILTO = re.compile(r"\[mailto:(?P<address>[^\]\s]{1,200})\]", re.IGNORECASE)

# The outermost subject prefix (after an optional "[EXT]"-style tag) says whether a
# mail is a reply or a forward: "FW: RE: x" is a forward, "RE: FW: x" a reply.
_SUBJECT_PREFIX = re.compile(
    r"\s*(?:\[[^\]]{0,40}\]\s*)?(?P<prefix>re|aw|antw|antwoord|sv|fwd|fw|doorst|doorgestuurd"
    r"|tr|wg|rv)\s?(?:\[\d{1,3}\]|\(\d{1,3}\))?\s?:",
    re.IGNORECASE,
)
_FORWARD_PREFIXES = frozenset({"fwd", "fw", "doorst", "doorgestuurd", "tr", "wg", "rv"})

# An attribution line opens with the preposition of the date ("Op 3 mrt. 2026 om 10:15
# schreef …:", "On Tue, … wrote:", "Am … schrieb …:", "Le … a écrit :").
_ATTRIBUTION_OPENING = re.compile(r"(?:on|op|am|le) ", re.IGNORECASE)
# The verb closes the line in English and French, and in some Dutch/German clients…
_ATTRIBUTION_ENDINGS = (
    " wrote:", " wrote :", " schreef:", " schrieb:", " het volgende geschreven:", " a écrit :",
    " a écrit:",
)
# …while Gmail in Dutch/German puts the writer after it: "schreef Naam <adres>:".
_ATTRIBUTION_MID_VERBS = (" schreef ", " schrieb ")
# A real attribution has a clock time ("om 10:15", "at 11.20") or an address in it;
# a sentence like "Op 3 maart schreef ik al:" has neither.
_CLOCK_OR_ADDRESS = re.compile(r"\d[:.]\d\d|@")

# Closings that only end a mail: from such a line on, the rest of the message is signature.
_FIRM_SIGN_OFF = (
    r"(?:met |with )?(?:vriendelijke|hartelijke|beste|lieve|warme|zonnige|collegiale|"
    r"sportieve) groet(?:en|jes)?"
    r"|dank en groet(?:en)?|met groet(?:en)?|groet(?:en|jes|tjes)?"
    r"|m\.? ?v\.? ?g\.?|mvgr|vr\.? ?gr\.?|grtz|grts|grt|gr\.?|liefs"
    r"|(?:with )?(?:kind|kindest|best|warm|warmest|many) regards|regards"
    r"|best wishes|all the best|(?:yours )?sincerely|yours (?:faithfully|truly)"
    r"|(?:mit )?(?:freundlichen|viele|beste|liebe) gr(?:ü|ue)(?:ß|ss)en?|mfg"
)
# Words of thanks that close a mail but can also open one ("Thanks for the update.").
_SOFT_SIGN_OFF = (
    r"many thanks|thanks|thank you|thx|cheers|best"
    r"|alvast bedankt|bedankt|bij voorbaat dank|alvast dank|dank (?:je|u)(?: wel)?"
    r"|dankjewel|dankuwel"
)
# The phrase must end at a word boundary: "Gr. Wendy" and "Best," yes, "Graag" no.
_SIGN_OFF = re.compile(
    rf"(?:(?P<firm>{_FIRM_SIGN_OFF})|(?P<soft>{_SOFT_SIGN_OFF}))(?![^\W\d_])",
    re.IGNORECASE,
)

# A postscript after the sign-off is new text from the sender, not signature.
_POSTSCRIPT = re.compile(r"(?:p\.? ?p\.? ?s|p\.? ?s|n\.? ?b)\b\.?", re.IGNORECASE)

# "Verzonden vanaf mijn iPhone", "Sent from Outlook for Android": the verb and
# preposition open the line; a device or app word must follow in the same short line.
_DEVICE_LINE_OPENING = re.compile(
    r"(?:verzonden|verstuurd|gestuurd|sent|envoy[ée]) (?:vanaf|vanuit|van|met|via|from|with"
    r"|using|on|de|depuis) ",
    re.IGNORECASE,
)
_DEVICE_WORD = re.compile(
    r"\b(?:mijn|my|mon|iphone|ipad|android|samsung|galaxy|huawei|xiaomi|pixel|outlook"
    r"|blackberry|mobiel|mobile|smartphone|telefoon|phone|tablet|windows|yahoo|gmail"
    r"|proton|aol)\b",
    re.IGNORECASE,
)
# App promotion lines Outlook mobile appends, and the German "Von meinem iPhone gesendet".
_APP_PROMOTION = re.compile(
    r"(?:get|download|haal) outlook (?:for|voor) (?:ios|android)"
    r"|outlook voor (?:ios|android) downloaden"
    r"|von meinem .{1,40} gesendet",
    re.IGNORECASE,
)

# Who a legal notice says the mail is for: "… bestemd voor de geadresseerde(n)",
# "… intended solely for the use of the individual …". Requiring this keeps ordinary
# sentences such as "de toeslag is alleen bedoeld voor monteurs".
_ADDRESSEE_NL = (
    r"(?:gebruik door )?(?:de )?(?:geadresseerde|ontvanger|persoon|personen|organisatie)"
)
_ADDRESSEE_EN = (
    r"(?:the )?(?:use of |exclusive use of )?(?:the )?(?:individual|addressee|person|named"
    r"|recipient|intended|entity|organi[sz]ation)"
)
# Phrases only a legal notice uses. Matched on text lower-cased with every whitespace
# run collapsed to one space, so wrapped lines match too. "vertrouwelijk" or
# "confidential" alone are not enough: ordinary mails use them.
_DISCLAIMER_PHRASE = re.compile(
    rf"(?:uitsluitend|alleen|enkel|slechts) (?:bestemd|bedoeld) voor {_ADDRESSEE_NL}"
    r"|rechten (?:kunnen |worden )?(?:worden )?ontle(?:end|nen)"
    r"|niet de (?:beoogde |bedoelde )?geadresseerde|niet de (?:beoogde|bedoelde) ontvanger"
    r"|(?:indien|als|wanneer) u (?:dit|deze) (?:e-?mail|mail|bericht)(?:bericht)? "
    r"(?:onterecht|ten onrechte|per abuis|abusievelijk|per vergissing|onbedoeld)"
    r"|gebruik door anderen is niet toegestaan"
    r"|denk aan het milieu"
    rf"|(?:intended|meant) (?:solely|only|exclusively) for {_ADDRESSEE_EN}"
    rf"|(?:solely|only|exclusively) intended for {_ADDRESSEE_EN}"
    r"|intended recipient|addressee only"
    r"|received this (?:e-?mail|message|communication|transmission) in error"
    r"|no rights (?:can|may) be derived"
    r"|(?:consider|think of) the environment before printing|think before you print"
    r"|confidentiality notice|privileged and confidential"
    r"|unauthori[sz]ed (?:disclosure|copying|distribution|dissemination)"
    r"|this (?:e-?mail|message|communication)(?: and any attachments?)? "
    r"(?:is|are|may be|may contain|contains) (?:strictly )?(?:confidential|privileged)"
    r"|nicht der (?:richtige|beabsichtigte) (?:adressat|empf(?:ä|ae)nger)"
)
# A paragraph that announces itself: "DISCLAIMER:", "Disclaimer -".
_DISCLAIMER_HEADING = re.compile(r"\W{0,3}(?:disclaimer|confidentiality)\b", re.IGNORECASE)

# Lower-case words a name or sign-off block may contain ("Hugo van der Berg",
# "namens het team"); other lower-case words suggest a sentence.
_NAME_PARTICLES = frozenset({
    "van", "de", "der", "den", "het", "ter", "te", "ten", "in", "'t", "von", "la", "le", "du",
    "da", "di", "del", "vd", "v/d", "en", "and", "the", "team", "namens", "of", "uit", "bij",
    "dhr", "mevr", "mw", "mr", "mrs", "ms",
})


# --- small line helpers -------------------------------------------------------------------

_CHAT_LINE = re.compile(r"^\s*\[\d{1,2}[-/.]\d{1,2}(?:[-/.]\d{2,4})?,?\s+\d{1,2}:\d{2}(?::\d{2})?\]\s*[^:\]]{1,40}:")

def _split_lines(text: str) -> list[str]:
    """Lines as a reviewer's editor numbers them, right-stripped."""
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    return [line.rstrip() for line in normalized.split("\n")]


def _scan(line: str) -> str:
    """The capped form of a line that patterns look at: trimmed, whitespace runs as one space."""
    return " ".join(line[:_SCAN_LIMIT].split())


def _is_blank(line: str) -> bool:
    return not line.strip()


def _next_nonblank(lines: list[str], start: int, stop: int | None = None) -> int | None:
    """Index of the first non-blank line at or after start (before stop), if any."""
    end = len(lines) if stop is None else min(stop, len(lines))
    for index in range(start, end):
        if not _is_blank(lines[index]):
            return index
    return None


def _is_quoted_line(line: str) -> bool:
    return line.lstrip().startswith(">")


# --- subjects and header blocks -----------------------------------------------------------

def _is_forward_subject(subject: str) -> bool:
    """True when the outermost subject prefix is a forward prefix (Fwd:, FW:, Doorst:, …)."""
    match = _SUBJECT_PREFIX.match(subject[:_SCAN_LIMIT])
    return bool(match) and match.group("prefix").lower() in _FORWARD_PREFIXES


def _header_field(line: str) -> tuple[str, str] | None:
    """(meaning, value) of a header line such as "Verzonden: dinsdag 3 maart", else None."""
    match = _HEADER_LINE.match(_scan(line))
    if match is None:
        return None
    key = " ".join(match.group("key").lower().split())
    return _HEADER_KEY_MEANING.get(key, "other"), match.group("value").strip(" *")


def _continues_header(line: str, previous_value: str) -> bool:
    """A wrapped header value: an indented line, or the rest of an address list."""
    if _is_blank(line) or _header_field(line) is not None:
        return False
    return line[:1] in (" ", "\t") or previous_value.endswith((",", ";", "<"))


def _parse_header_block(lines: list[str], start: int) -> _HeaderBlock:
    """Read header lines from start; return the index after them and the first value per field."""
    fields: dict[str, str] = {}
    index, last_meaning, continuations = start, "", 0
    while index < len(lines):
        field = _header_field(lines[index])
        if field is not None:
            last_meaning = field[0]
            fields.setdefault(last_meaning, field[1])
        elif last_meaning and continuations < _MAX_HEADER_CONTINUATIONS and _continues_header(
            lines[index], fields.get(last_meaning, "")
        ):
            continuations += 1
            if last_meaning in fields and fields[last_meaning].endswith("<"):
                fields[last_meaning] += _scan(lines[index])
        else:
            break
        index += 1
    return index, fields


def _is_outlook_header_block(lines: list[str], index: int) -> bool:
    """A "Van:"/"From:" line with at least two of Sent/Date, To, Subject, CC just below it."""
    field = _header_field(lines[index])
    if field is None or field[0] != "from":
        return False
    seen: set[str] = set()
    for below in lines[index + 1 : index + 1 + _OUTLOOK_HEADER_WINDOW]:
        if _is_blank(below):
            break
        below_field = _header_field(below)
        if below_field is not None and below_field[0] in {"date", "to", "subject", "cc"}:
            seen.add(below_field[0])
    return len(seen) >= 2


def _header_block_after_rule(lines: list[str], rule_index: int) -> _HeaderBlock | None:
    """The header block a separator rule announces, if a From line follows it closely."""
    start = _next_nonblank(lines, rule_index + 1, rule_index + 1 + _SEPARATOR_LOOKAHEAD)
    if start is None or _header_field(lines[start]) is None:
        return None
    end, fields = _parse_header_block(lines, start)
    if "from" not in fields or len(fields) < 2:
        return None
    return end, fields


def _clean_author(value: str | None) -> str | None:
    """The From value as a reviewer wants to read it, or None when there is none."""
    if not value:
        return None
    text = _MAILTO.sub(lambda match: f"<{match.group('address')}>", value)
    text = " ".join(text.replace("*", " ").split())
    return text or None


# --- reply and forward markers ------------------------------------------------------------

def _forward_at(lines: list[str], index: int, subject: str) -> _HeaderBlock | None:
    """If a forwarded message starts at index: the index after its headers, and its headers."""
    scan = _scan(lines[index])
    if _FORWARD_MARKER.fullmatch(scan):
        start = _next_nonblank(lines, index + 1, index + 1 + _SEPARATOR_LOOKAHEAD)
        if start is None or _header_field(lines[start]) is None:
            return index + 1, {}
        return _parse_header_block(lines, start)
    if not _is_forward_subject(subject):
        return None
    if _ORIGINAL_MESSAGE_RULE.fullmatch(scan) or _UNDERSCORE_RULE.fullmatch(scan):
        return _header_block_after_rule(lines, index)
    if _is_outlook_header_block(lines, index):
        return _parse_header_block(lines, index)
    return None


def _reply_starts_at(lines: list[str], index: int) -> bool:
    """A separator rule or Outlook header block that opens the quoted previous message."""
    scan = _scan(lines[index])
    if _ORIGINAL_MESSAGE_RULE.fullmatch(scan):
        return True
    if _UNDERSCORE_RULE.fullmatch(scan):
        return _header_block_after_rule(lines, index) is not None
    return _is_outlook_header_block(lines, index)


def _inline_answers_after(lines: list[str], index: int) -> int | None:
    """Where the quoted text starts, when it is all ">"-quoted and answered in between."""
    scan = _scan(lines[index])
    start = index
    if _ORIGINAL_MESSAGE_RULE.fullmatch(scan) or _UNDERSCORE_RULE.fullmatch(scan):
        start = _next_nonblank(lines, index + 1, index + 1 + _SEPARATOR_LOOKAHEAD) or index + 1
    if start >= len(lines) or _header_field(lines[start]) is None:
        return None
    end, _ = _parse_header_block(lines, start)
    body = [line for line in lines[end:] if not _is_blank(line)]
    quoted = [line for line in body if _is_quoted_line(line)]
    # Mostly quoted, with some unquoted lines between quoted ones: an inline answer.
    if len(quoted) >= 2 and len(quoted) >= len(body) / 2 and body and _is_quoted_line(body[0]) \
            and len(quoted) < len(body):
        return end
    return None


def _names_writer_last(lowered: str) -> bool:
    """"… schreef Els van Dam <els@…>:" - after the verb only a name and address follow."""
    for verb in _ATTRIBUTION_MID_VERBS:
        position = lowered.rfind(verb)
        if position < 0:
            continue
        tail = lowered[position + len(verb) :].rstrip(":").split()
        if "@" in lowered[position:]:
            return len(tail) <= _ATTRIBUTION_MAX_NAME_WORDS
        return len(tail) <= _ATTRIBUTION_MAX_NAME_WORDS // 2 and not _has_sentence_words(tail)
    return False


def _reads_as_attribution(text: str, *, needs_date: bool) -> bool:
    """"Op … schreef …:" / "On … wrote:"; needs_date also demands the opening and a clock."""
    if not text.endswith(":") or len(text) > _SCAN_LIMIT:
        return False
    lowered = text.lower()
    if not (lowered.endswith(_ATTRIBUTION_ENDINGS) or _names_writer_last(lowered)):
        return False
    if not needs_date:
        return True
    return bool(_ATTRIBUTION_OPENING.match(text)) and bool(_CLOCK_OR_ADDRESS.search(text))


def _attribution_length(lines: list[str], index: int) -> int:
    """Number of lines (1–3) of a dated attribution starting at index, 0 when there is none."""
    first = _scan(lines[index])
    if not _ATTRIBUTION_OPENING.match(first) or len(lines[index]) > _SCAN_LIMIT:
        return 0
    joined = first
    for length in range(1, _ATTRIBUTION_MAX_LINES + 1):
        if _reads_as_attribution(joined, needs_date=True):
            return length
        following = index + length
        if following >= len(lines) or _is_blank(lines[following]):
            return 0
        if len(lines[following]) > _SCAN_LIMIT:
            return 0
        joined = f"{joined} {_scan(lines[following])}"
    return 0


def _quote_follows(lines: list[str], index: int) -> bool:
    """True when the next non-blank line from index on is a ">" quote line."""
    following = _next_nonblank(lines, index)
    return following is not None and _is_quoted_line(lines[following])


# --- splitting the mail into messages -----------------------------------------------------

def _segment(lines: list[str], subject: str) -> tuple[list[str | None], list[_Part]]:
    """Mark quoted history and forward headers; group the other lines by message."""
    marks: list[str | None] = [None] * len(lines)
    parts = [_Part(author=None, subject=subject, indices=[])]
    index = 0
    while index < len(lines):
        if _is_blank(lines[index]):
            parts[-1].indices.append(index)
            index += 1
            continue
        forward = _forward_at(lines, index, parts[-1].subject)
        if forward is not None:
            end, fields = forward
            marks[index:end] = [_FORWARD_HEADER] * (end - index)
            parts.append(_Part(_clean_author(fields.get("from")), fields.get("subject", ""), []))
            index = end
            continue
        if _reply_starts_at(lines, index):
            inline = _inline_answers_after(lines, index)
            if inline is not None:
                # The quoted mail is ">"-quoted with answers written between: only the
                # header block goes here; the ">" lines go below, the answers stay.
                marks[index:inline] = [QUOTE] * (inline - index)
                index = inline
                continue
            marks[index:] = [QUOTE] * (len(lines) - index)
            break
        quoted = _quoted_span(lines, index)
        if quoted < 0:
            marks[index:] = [QUOTE] * (len(lines) - index)
            break
        if quoted > 0:
            marks[index : index + quoted] = [QUOTE] * quoted
            index += quoted
            continue
        parts[-1].indices.append(index)
        index += 1
    return marks, parts


def _quoted_span(lines: list[str], index: int) -> int:
    """Lines of ">"-quoting (or its attribution) at index; -1 means quote to the end."""
    if _is_quoted_line(lines[index]):
        return 1
    length = _attribution_length(lines, index)
    if length:
        # With ">" lines below, only the attribution goes (answers may sit between
        # the quotes); without them the rest of the mail is the quoted message.
        return length if _quote_follows(lines, index + length) else -1
    scan = _scan(lines[index])
    if _reads_as_attribution(scan, needs_date=False) and _quote_follows(lines, index + 1):
        return 1
    return 0


# --- device lines, disclaimers, signatures ------------------------------------------------

def _is_device_line(line: str) -> bool:
    """"Verstuurd vanaf mijn iPhone", "Sent from Outlook for Android", "Get Outlook for iOS"."""
    scan = _scan(line)
    if len(scan) > _SHORT_LINE:
        return False
    if _APP_PROMOTION.match(scan):
        return True
    return bool(_DEVICE_LINE_OPENING.match(scan)) and bool(_DEVICE_WORD.search(scan))


def _paragraphs(lines: list[str], marks: list[str | None], indices: list[int]) -> list[list[int]]:
    """Runs of adjacent, unmarked, non-blank lines of one message."""
    paragraphs: list[list[int]] = []
    current: list[int] = []
    for index in indices:
        usable = marks[index] is None and not _is_blank(lines[index])
        if usable and current and index == current[-1] + 1:
            current.append(index)
            continue
        if current:
            paragraphs.append(current)
        current = [index] if usable else []
    if current:
        paragraphs.append(current)
    return paragraphs


def _legal_text(line: str) -> str:
    """A line lower-cased with whitespace runs collapsed, as disclaimer phrases expect."""
    return " ".join(line[:_DISCLAIMER_SCAN_LIMIT].lower().split())


def _disclaimer_start(lines: list[str], paragraph: list[int]) -> int | None:
    """Position in the paragraph where a legal notice begins, or None if there is none.

    Each line is searched together with the next one, because a wrapped phrase can
    straddle two lines. A notice glued to the sender's text without a blank line starts
    at its own sentence, so the text above it survives.
    """
    texts = [_legal_text(lines[index]) for index in paragraph]
    for position, text in enumerate(texts):
        if _DISCLAIMER_HEADING.match(text):
            return position
        following = texts[position + 1] if position + 1 < len(texts) else ""
        match = _DISCLAIMER_PHRASE.search(f"{text} {following}")
        if match is not None and match.start() < len(text):
            return _sentence_start(lines, paragraph, position)
    return None


def _sentence_start(lines: list[str], paragraph: list[int], position: int) -> int:
    """Step back one line when the phrase continues a long wrapped line of the same sentence."""
    if position == 0:
        return 0
    above = _scan(lines[paragraph[position - 1]])
    if len(above) >= _WRAPPED_LINE and not above.endswith((".", "!", "?", ":")):
        return position - 1
    return position


def _divider_above(lines: list[str], marks: list[str | None], index: int) -> int | None:
    """Index of an unmarked divider line ("---", "___") just above index, across one blank."""
    for above in (index - 1, index - 2):
        if above < 0 or marks[above] is not None:
            return None
        if _is_blank(lines[above]):
            continue
        return above if _DIVIDER_LINE.fullmatch(_scan(lines[above])) else None
    return None


def _mark_device_lines(lines: list[str], marks: list[str | None], part: _Part) -> None:
    for index in part.indices:
        if marks[index] is None and _is_device_line(lines[index]):
            marks[index] = SIGNATURE


def _mark_disclaimers(lines: list[str], marks: list[str | None], part: _Part) -> None:
    for paragraph in _paragraphs(lines, marks, part.indices):
        start = _disclaimer_start(lines, paragraph)
        if start is None:
            continue
        for index in paragraph[start:]:
            marks[index] = DISCLAIMER
        divider = _divider_above(lines, marks, paragraph[start])
        if divider is not None:
            marks[divider] = DISCLAIMER


def _sign_off_strength(line: str) -> str | None:
    """"firm" or "soft" when a short line opens with a closing phrase, else None."""
    scan = _scan(line)
    if len(scan) > _SHORT_LINE:
        return None
    match = _SIGN_OFF.match(scan)
    if match is None:
        return None
    tail = scan[match.end() :].strip(" ,.!:;-–")
    if len(tail.split()) > _SIGN_OFF_MAX_TAIL_WORDS:
        return None
    return "firm" if match.group("firm") else "soft"


def _is_signature_delimiter(line: str) -> bool:
    """The RFC 3676 "-- " line (its trailing space is often lost, so a bare "--" counts)."""
    return line.strip() == "--"


def _has_sentence_words(words: list[str]) -> bool:
    """True when some word is lower-case and not a name particle ("is", "ziek", "for")."""
    for word in words:
        plain = word.strip(",;()\"'!?.:")
        if len(plain) > 1 and plain.isalpha() and plain.islower() and plain not in _NAME_PARTICLES:
            return True
    return False


def _looks_like_prose(line: str) -> bool:
    """True when a line reads as a sentence rather than a name or a contact line."""
    words = _scan(line).split()
    if len(words) >= 7:
        return True
    last = words[-1] if words else ""
    if len(words) >= 3 and last[-1:] in (".", "?", "!", ":") and "." not in last[:-1]:
        return True
    return len(words) >= 2 and _has_sentence_words(words)


def _first_nonblank_after(lines: list[str], live: list[int], position: int) -> int | None:
    """Line index of the first non-blank entry of live after the given position."""
    for later in range(position + 1, len(live)):
        if not _is_blank(lines[live[later]]):
            return live[later]
    return None


def _closes_message(lines: list[str], live: list[int], position: int) -> bool:
    """Whether the sign-off candidate at live[position] really starts the signature.

    Firm closings always do. Words of thanks do only when what follows is nothing, a
    name or another closing; "Thanks for the update." above real news does not.
    """
    strength = _sign_off_strength(lines[live[position]])
    if strength is None:
        return False
    if strength == "firm":
        return True
    following = _first_nonblank_after(lines, live, position)
    if following is None:
        return True
    line = lines[following]
    if _sign_off_strength(line) or _is_signature_delimiter(line) or _POSTSCRIPT.match(_scan(line)):
        return True
    return not _looks_like_prose(line)


def _mark_signature_from(lines: list[str], marks: list[str | None], live: list[int]) -> None:
    """Mark live lines as signature, except a postscript paragraph the sender added."""
    in_postscript = False
    for index in live:
        if _CHAT_LINE.match(lines[index]):
            # A team chat pasted below the sign-off ("[12-03 07:02] Senait: …") is content, not signature.
            return
        if _is_blank(lines[index]):
            in_postscript = False
        elif _POSTSCRIPT.match(_scan(lines[index])):
            in_postscript = True
        if not in_postscript:
            marks[index] = SIGNATURE


def _mark_signature(lines: list[str], marks: list[str | None], part: _Part) -> None:
    live = [index for index in part.indices if marks[index] is None]
    for position, index in enumerate(live):
        if _is_blank(lines[index]):
            continue
        if _is_signature_delimiter(lines[index]) or _closes_message(lines, live, position):
            _mark_signature_from(lines, marks, live[position:])
            return


# --- result -------------------------------------------------------------------------------

def _tidy_blank_lines(body: list[BodyLine]) -> tuple[BodyLine, ...]:
    """Drop leading and trailing blank lines and collapse runs of blanks to one."""
    tidy: list[BodyLine] = []
    for line in body:
        if not line.text.strip() and (not tidy or not tidy[-1].text.strip()):
            continue
        tidy.append(line)
    while tidy and not tidy[-1].text.strip():
        tidy.pop()
    return tuple(tidy)


def _kept_lines(lines: list[str], marks: list[str | None], parts: list[_Part]) -> list[BodyLine]:
    return [
        BodyLine(number=index + 1, text=lines[index], forwarded_from=part.author)
        for part in parts
        for index in part.indices
        if marks[index] is None
    ]


def _removed_kinds(lines: list[str], marks: list[str | None]) -> tuple[str, ...]:
    """The reported kinds that removed at least one non-blank line, in a fixed order."""
    found = {mark for line, mark in zip(lines, marks, strict=True) if mark and line.strip()}
    return tuple(kind for kind in _REPORTED_KINDS if kind in found)


def clean_body(text: str, *, subject: str = "") -> CleanBody:
    """Keep the sender's new message and any forwarded content; drop the rest.

    ``subject`` decides whether a bare Outlook header block is a forward (subject
    starting with "Fwd:", "FW:", "Doorst:", …) or quoted history (anything else).
    """
    lines = _split_lines(text)
    marks, parts = _segment(lines, subject)
    for part in parts:
        _mark_device_lines(lines, marks, part)
        _mark_disclaimers(lines, marks, part)
        _mark_signature(lines, marks, part)
    return CleanBody(
        lines=_tidy_blank_lines(_kept_lines(lines, marks, parts)),
        removed=_removed_kinds(lines, marks),
    )
