"""Recognise mail that no person wrote: automatic replies, bounces and bulk mail.

An out-of-office notice or a bounce must never become a mutation and must never be
answered (that is how mail loops start). Newsletters and mailing-list traffic are a
separate category: also not mutations, but not automatic replies either.

Both checks return a Dutch reason that a reviewer can read, or None. Header signals
are trusted first; subject and body wording only as a fallback, and the body check is
deliberately narrow, because real mutation mail says "Sanne is afwezig wegens ziekte".
"""

import re

from parsers.mime import MailMessage

# Only the start of the body counts: an out-of-office notice says so at once, while
# a mutation mail may quote an old auto-reply further down.
BODY_WINDOW_CHARS = 600

_AUTOMATIC_PRECEDENCE = frozenset({"bulk", "junk", "auto_reply"})
_EXCHANGE_HEADERS = ("X-MS-Exchange-Generated-Message-Source", "X-MS-Exchange-Inbox-Rules-Loop")
_AUTOREPLY_FLAGS = ("X-Autoreply", "X-Autorespond")
_FALSE_VALUES = frozenset({"no", "false", "0", "off"})
_SYSTEM_SENDERS = frozenset({"mailer-daemon", "postmaster"})

_LIST_HEADERS = (
    "List-Unsubscribe", "List-Id", "List-Post", "List-Help", "List-Subscribe",
    "List-Owner", "List-Archive", "Mailing-List", "X-Mailing-List",
)
_NO_REPLY_SENDER = re.compile(
    r"^(?:no|do[-_.]?not|dont|niet|geen)[-_.]?(?:reply|respond|beantwoorden|antwoord)",
    re.IGNORECASE,
)

# Markers that mail programs put in front of the original subject. The ambiguous
# Dutch ones need the colon: "Afwezigheidsmelding Sanne" can be a real sick report.
_AUTOMATIC_SUBJECT = re.compile(
    r"""^\s*(?:
        automatisch\s+antwoord
      | automatisch\s+beantwoord
      | automatische\s+antwort
      | afwezig\s*:
      | afwezigheidsmelding\s*:
      | niet\s+aanwezig\s*:
      | out\s+of\s+(?:the\s+)?office
      | automatic\s+reply
      | auto[-\s]?reply
      | abwesend
      | abwesenheitsnotiz
      | undeliverable
      | undelivered\s+mail
      | onbestelbaar
      | delivery\s+status\s+notification
      | mail\s+delivery\s+failed
    )""",
    re.IGNORECASE | re.VERBOSE,
)

# First-person absence statements. "Mark is met vakantie" or "Sanne is afwezig" is a
# mutation about an employee and must not match, so every pattern says "ik" or "I".
_NOW = r"(?:momenteel\s+|op\s+dit\s+moment\s+|vandaag\s+|helaas\s+|nu\s+)?"
_ABSENCE_STATEMENTS = (
    rf"\bik\s+ben\s+{_NOW}(?:afwezig|niet\s+aanwezig|niet\s+op\s+kantoor)\b",
    rf"\bben\s+ik\s+{_NOW}(?:afwezig|niet\s+aanwezig|niet\s+op\s+kantoor)\b",
    r"\bik\s+ben\s+(?:met|op)\s+(?:vakantie|verlof)\s+(?:tot\s+en\s+met|t/m|tot)\b",
    r"\blees\s+(?:ik\s+)?mijn\s+(?:e-?)?mail\s+niet\b",
    r"\bik\s+heb\s+(?:slechts\s+|maar\s+)?beperkt\s+toegang\s+tot\s+(?:mijn\s+)?(?:e-?)?mail\b",
    r"\bheb\s+ik\s+(?:slechts\s+|maar\s+)?beperkt\s+toegang\s+tot\s+(?:mijn\s+)?(?:e-?)?mail\b",
    r"\bi(?:\s+am|'m)\s+(?:currently\s+|now\s+)?(?:out|away)\s+(?:of|from)\s+(?:the\s+)?office\b",
    r"\bi(?:\s+am|'m)\s+currently\s+(?:away|out|on\s+(?:holiday|vacation|leave))\b",
    r"\bi(?:\s+am|'m)\s+(?:out|away|on\s+(?:holiday|vacation|leave))\s+until\b",
    r"\blimited\s+access\s+to\s+(?:my\s+)?e-?mail\b",
    r"\bwill\s+(?:respond|reply|get\s+back\s+to\s+you)\b[^.]{0,40}\bon\s+my\s+return\b",
)
_ABSENCE = re.compile("|".join(_ABSENCE_STATEMENTS), re.IGNORECASE)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u00b4": "'"})


def _value(mail: MailMessage, name: str) -> str | None:
    value = mail.header(name)
    return value.strip() if value is not None else None


def _auto_submitted_reason(mail: MailMessage) -> str | None:
    value = _value(mail, "Auto-Submitted")
    if not value or value.split(";", 1)[0].strip().lower() == "no":
        return None
    return f"De kop Auto-Submitted is '{value}': het bericht is automatisch verstuurd (RFC 3834)."


def _autoreply_flag_reason(mail: MailMessage) -> str | None:
    for name in _AUTOREPLY_FLAGS:
        value = _value(mail, name)
        if value is not None and value.lower() not in _FALSE_VALUES:
            return f"De kop {name} geeft aan dat dit een automatisch antwoord is."
    return None


def _exchange_reason(mail: MailMessage) -> str | None:
    for name in _EXCHANGE_HEADERS:
        if mail.header(name) is not None:
            return f"Microsoft Exchange heeft dit bericht automatisch gemaakt (kop {name})."
    return None


def _precedence_reason(mail: MailMessage) -> str | None:
    value = (_value(mail, "Precedence") or "").lower().replace("-", "_")
    if value in _AUTOMATIC_PRECEDENCE:
        return f"De kop Precedence is '{value}': het bericht is automatisch verstuurd."
    return None


def _empty_return_path_reason(mail: MailMessage) -> str | None:
    value = _value(mail, "Return-Path")
    if value is not None and re.fullmatch(r"<\s*>", value):
        return (
            "Het bericht heeft geen afzender voor antwoorden (Return-Path: <>), "
            "zoals onbestelbaarheidsberichten en automatische antwoorden."
        )
    return None


def _local_part(mail: MailMessage) -> str:
    return (mail.from_address or "").rsplit("@", 1)[0].lower()


def _system_sender_reason(mail: MailMessage) -> str | None:
    if _local_part(mail) in _SYSTEM_SENDERS:
        return f"De afzender {mail.from_address} is een systeemadres van een mailserver."
    return None


def _subject_reason(mail: MailMessage) -> str | None:
    match = _AUTOMATIC_SUBJECT.match(mail.subject)
    if match is None:
        return None
    marker = match.group(0).strip()
    return f"Het onderwerp begint met '{marker}', zoals bij automatische antwoorden."


def _body_reason(mail: MailMessage) -> str | None:
    opening = " ".join(mail.body[:BODY_WINDOW_CHARS].translate(_APOSTROPHES).split())
    match = _ABSENCE.search(opening)
    if match is None:
        return None
    return f"De tekst begint met een afwezigheidsmelding: '{match.group(0)}'."


_AUTOMATIC_CHECKS = (
    _auto_submitted_reason,
    _autoreply_flag_reason,
    _exchange_reason,
    _precedence_reason,
    _empty_return_path_reason,
    _system_sender_reason,
    _subject_reason,
    _body_reason,
)


def automatic_reply_reason(mail: MailMessage) -> str | None:
    """Why this mail is an automatic reply or bounce, or None when a person wrote it."""
    for check in _AUTOMATIC_CHECKS:
        reason = check(mail)
        if reason is not None:
            return reason
    return None


def bulk_mail_reason(mail: MailMessage) -> str | None:
    """Why this mail is a newsletter or mailing-list message, or None."""
    for name in _LIST_HEADERS:
        if mail.header(name) is not None:
            return f"De kop {name} hoort bij een nieuwsbrief of mailinglijst."
    precedence = (_value(mail, "Precedence") or "").lower()
    if precedence in ("list", "bulk"):
        return f"De kop Precedence is '{precedence}': een nieuwsbrief of mailinglijst."
    if _NO_REPLY_SENDER.match(_local_part(mail)):
        return f"De afzender {mail.from_address} neemt geen antwoorden aan (no-reply-adres)."
    return None
