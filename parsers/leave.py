"""An employee's chat message to a leave request, or the reason it is none.

"Ik wil graag vrij van 3 t/m 7 augustus", "Mag ik vrijdagmiddag vrij?", "Can I take
Tuesday next week off?", "4 uur vrij op dinsdag", "zorgverlof morgen en overmorgen".
Dates lie ahead: a weekday is the next one, "5 januari" in November is next year. A
question about the balance, a sick report or a greeting is no request; the caller answers
those in their own way.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from parsers.dates import MONTHS, DateMention, find_dates
from parsers.models import LeaveRequest
from parsers.numbers import parse_number

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_RANGE_WORDS = r"(?:t/m|tm|tot\s+en\s+met|tot|-|–|—|until|till|to|through|thru)"

LEAVE_TYPES: list[tuple[str, re.Pattern[str]]] = [
    ("parental", re.compile(r"ouderschaps\w*|parental|geboorteverlof|paternity|maternity|zwangerschap", re.I)),
    ("unpaid", re.compile(r"onbetaald|unpaid|zonder\s+behoud\s+van\s+loon", re.I)),
    ("care", re.compile(r"zorgverlof|mantelzorg|care\s+leave|carer'?s\s+leave|kortdurend\s+zorg|langdurend\s+zorg",
                        re.I)),
    ("special", re.compile(r"bijzonder\s+verlof|buitengewoon\s+verlof|calamiteiten\w*|special\s+leave|"
                           r"compassionate|bereavement|begrafenis|uitvaart|bruiloft|huwelijk|funeral|wedding|"
                           r"verhuis\w*|moving\s+house", re.I)),
]
# Words that make a message about time off.
_LEAVE_WORDS_RE = re.compile(
    r"\b(?:vrij|vrije\s+dag\w*|verlof\w*|vakantie(?!geld)\w*|\w+verlof|day\s+off|days\s+off|time\s+off|off|"
    r"holiday|holidays|vacation|leave|pto)\b", re.I)
# Messages that mention those words but ask something else.
_NOT_A_REQUEST_RE = re.compile(
    r"\b(?:hoeveel|saldo|over\s+heb|how\s+(?:many|much)|balance|wie\b|who\b|wanneer|when\b|vakantiegeld|"
    r"holiday\s+pay|ziek|sick|ill\b|niet\s+lekker)\b", re.I)
_HOURS_RE = re.compile(r"(?<![\d:])(\d{1,2}(?:[.,]\d{1,2})?|½|\d\s*½)\s*(?:uur|uren|u\b|hours?|hrs?|h\b)", re.I)
_BARE_DAY_MONTH_RE = re.compile(r"(?<![\d/.,:-])(\d{1,2})[/-](\d{1,2})(?![\d/.,:-])")
_AFTERNOON_RE = re.compile(r"(?<!goede)middag|afternoon|\bpm\b", re.I)
_MORNING_RE = re.compile(r"(?<!goede)ochtend|morgenochtend|morning|\bam\b|voormiddag", re.I)
_DAY_RANGE_RE = re.compile(
    rf"\b(?P<d1>\d{{1,2}})(?:e|ste|de|st|nd|rd|th)?\s*(?P<sep>{_RANGE_WORDS}|en|and|&)\s*(?P<d2>\d{{1,2}})"
    rf"(?:e|ste|de|st|nd|rd|th)?\s+(?P<mon>{_MONTH})\b", re.I)


@dataclass(frozen=True)
class NotALeaveRequest:
    """The message is no leave request; `message` says why, in the writer's language."""

    message: str


def _language(text: str) -> str:
    english = len(re.findall(r"\b(?:i|can|take|off|please|the|would|like|book|leave|holiday|may)\b", text, re.I))
    dutch = len(re.findall(r"\b(?:ik|wil|mag|graag|vrij|verlof|van|op|de|het|een|kan)\b", text, re.I))
    return "en" if english > dutch else "nl"


def _refusal(text: str) -> NotALeaveRequest:
    if _language(text) == "en":
        return NotALeaveRequest("This does not look like a leave request. Try, for example: "
                                "'Can I take Friday 12 June off?' or '/verlof'.")
    return NotALeaveRequest("Dit lijkt geen verlofaanvraag. Stuur bijvoorbeeld: 'Ik wil graag vrij van "
                            "3 t/m 7 augustus' of gebruik /verlof.")


def _dates(text: str, today: dt.date) -> list[dt.date]:
    """The days named, in order, each resolved ahead of the one before it."""
    found: list[dt.date] = []
    for m in _DAY_RANGE_RE.finditer(text):
        # "3 t/m 7 augustus", "14 en 15 april": the first day shares the month of the second.
        month = MONTHS[m.group("mon").lower()]
        end = _ahead(DateMention("day_month", 0, 0, "", day=int(m.group("d2")), month=month), today)
        if end is None:
            continue
        start_month, start_year = (month, end.year) if int(m.group("d1")) <= end.day else \
            ((month - 2) % 12 + 1, end.year - (month == 1))
        try:
            return [dt.date(start_year, start_month, int(m.group("d1"))), end]
        except ValueError:
            return [end]
    mentions = [m for m in find_dates(text) if m.kind != "first_of_next_month"]
    for m in _BARE_DAY_MONTH_RE.finditer(text):
        # "vakantie 27/7 t/m 14/8": in a leave request a bare day/month is a date.
        if not any(x.start <= m.start() < x.end for x in mentions) and 1 <= int(m.group(2)) <= 12:
            mentions.append(DateMention("day_month", m.start(), m.end(), m.group(), day=int(m.group(1)),
                                        month=int(m.group(2))))
    mentions.sort(key=lambda x: x.start)
    reference = today
    for mention in mentions:
        resolved = _ahead(mention, reference)
        if resolved is None:
            continue
        if found and resolved < found[-1]:
            resolved = _ahead(mention, found[-1])
            if resolved is None:
                continue
        found.append(resolved)
        # "volgende week maandag t/m woensdag": later days count from the first one.
        reference = resolved - dt.timedelta(days=1) if mention.kind != "relative_day" else today
    return found


LATE_REGISTRATION_DAYS = 14  # "vrij op 10 maart" written on 18 March: registered late, not next year


def _ahead(mention: DateMention, reference: dt.date) -> dt.date | None:
    """Leave is asked for days to come: a day and month without a year is its next occurrence,
    unless it passed only days ago (leave registered afterwards)."""
    if mention.kind == "day_month" and mention.year is None:
        for year in (reference.year, reference.year + 1):
            try:
                day = dt.date(year, mention.month or 0, mention.day or 0)
            except ValueError:
                continue
            if day >= reference - dt.timedelta(days=LATE_REGISTRATION_DAYS):
                return day
        return None
    return mention.resolve(reference, "future")


def parse_leave(text: str, today: dt.date) -> LeaveRequest | NotALeaveRequest:
    """A leave request from one chat message; relative dates resolve against `today`."""
    text = " ".join(text.split())[:2000]
    if not text or not _LEAVE_WORDS_RE.search(text) or _NOT_A_REQUEST_RE.search(text):
        return _refusal(text)
    days = _dates(text, today)
    if not days:
        return _refusal(text)
    leave_type = next((name for name, pattern in LEAVE_TYPES if pattern.search(text)), "vacation")
    hours_match = _HOURS_RE.search(text)
    hours = parse_number(hours_match.group(1).replace(" ", "")) if hours_match else None
    part = "afternoon" if _AFTERNOON_RE.search(text) else "morning" if _MORNING_RE.search(text) else None
    return LeaveRequest(leave_type=leave_type, start_date=days[0], end_date=max(days[-1], days[0]),
                        hours=hours, part_of_day=part if hours is None else None)


_CHAT_ENGLISH = re.compile(r"\b(?:i|i'd|i'm|can|could|may|take|off|would|like|want|day|days|leave|next|week|the|"
                           r"please|my|holiday|vacation|request|balance|how|many|hours)\b", re.I)
_CHAT_DUTCH = re.compile(r"\b(?:ik|mag|wil|graag|vrij|vrije|dag|dagen|verlof|volgende|week|de|het|een|mijn|"
                         r"vakantie|hoeveel|uur|uren|aanvragen|t/m|tot|en|van)\b", re.I)


def message_language(text: str) -> str | None:
    """"en" or "nl" for a chat message by its words, None when it does not tell (a code, "ok")."""
    english, dutch = len(_CHAT_ENGLISH.findall(text)), len(_CHAT_DUTCH.findall(text))
    if english == dutch:
        return None
    return "en" if english > dutch else "nl"
