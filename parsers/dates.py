"""Dates and months in Dutch and English mail, resolved against a reference date.

`find_dates` finds what a sentence says ("per 1 april", "sinds maandag", "1-4",
"volgende week dinsdag", "June 1st", "gisteren") without deciding the year or the
direction yet; `DateMention.resolve` does that against the mail's date, leaning to the
past for a sick report ("sinds maandag") and to the future for a change ("per 1 juli").
`find_months` finds months named for a pay period ("in maart", "the November payroll").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Prefer = Literal["past", "future", "nearest"]

MONTHS: dict[str, int] = {
    "januari": 1, "january": 1, "jan": 1,
    "februari": 2, "february": 2, "feb": 2, "febr": 2,
    "maart": 3, "march": 3, "mrt": 3, "mar": 3, "maa": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "augustus": 8, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
WEEKDAYS: dict[str, int] = {
    "maandag": 0, "monday": 0, "mon": 0,
    "dinsdag": 1, "tuesday": 1, "tue": 1, "tues": 1,
    "woensdag": 2, "wednesday": 2, "wed": 2,
    "donderdag": 3, "thursday": 3, "thu": 3, "thur": 3, "thurs": 3,
    "vrijdag": 4, "friday": 4, "fri": 4,
    "zaterdag": 5, "saturday": 5, "sat": 5,
    "zondag": 6, "sunday": 6, "sun": 6,
}
# Longest names first, so "maart" wins over "maa" and "sept" over "sep".
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_ORDINAL = r"(?:ste|de|e|st|nd|rd|th)?"

# Words before a date that say which way it points.
_PAST_WORDS = r"sinds|since|afgelopen|vorige|last|jl\.?|jongstleden"
_FUTURE_WORDS = r"aanstaande|a\.s\.|komende|coming|this|deze"
_PAST = {"sinds", "since", "afgelopen", "vorige", "last", "jl", "jongstleden"}
_FUTURE = {"aanstaande", "a.s", "komende", "coming", "next", "volgende", "this", "deze"}

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b")),
    ("dmy", re.compile(r"(?<![\d.,/-])(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.]'?(?P<y>\d{4}|\d{2})(?![\d.,/-]*\d)")),
    (
        "day_month",
        re.compile(
            rf"(?:(?P<wd>{_WEEKDAY})\s+)?(?:de\s+|the\s+)?(?P<d>\d{{1,2}}){_ORDINAL}\s+(?:van\s+|of\s+)?"
            rf"(?P<mon>{_MONTH})\b\.?(?:,?\s+(?P<y>\d{{4}})\b)?(?P<dir>\s+(?:jl\.?|a\.s\.|jongstleden|aanstaande))?",
            re.IGNORECASE,
        ),
    ),
    (
        "month_day",
        re.compile(
            rf"(?:(?P<wd>{_WEEKDAY}),?\s+)?(?P<mon>{_MONTH})\.?\s+(?P<d>\d{{1,2}}){_ORDINAL}\b(?![:.,]?\d)(?!\s*(?:uur|uren|u\b|hours?|hrs?|over|meer|x\b|%))"
            rf"(?:,?\s+(?P<y>\d{{4}})\b)?",
            re.IGNORECASE,
        ),
    ),
    (
        # "1-4" or "27/7" with no year: only after a word that introduces a date, since
        # "24/7" and "ma-vr 8-17" are not dates.
        "dm",
        re.compile(
            r"(?:(?<=\bper )|(?<=\bop )|(?<=\bvanaf )|(?<=\bsinds )|(?<=\bvan )|(?<=\btot )|"
            r"(?<=t/m )|(?<=\btm )|(?<=\ben )|(?<=\bingang )|(?<=\bm\.i\.v\. )|(?<=\bfrom )|"
            r"(?<=\bon )|(?<=\bsince )|(?<=\buntil )|(?<=\bdatum )|(?<=\bdate )|(?<=\bat )|(?<=\bto ))"
            r"(?P<d>\d{1,2})[-/](?P<m>\d{1,2})(?![\d/:-])",
            re.IGNORECASE,
        ),
    ),
    (
        "first_of_month",
        re.compile(
            r"\b(?:per|vanaf|m\.i\.v\.|met ingang van|from|as of)?\s*(?:de|the)\s+(?:1e|1ste|eerste|1st|first)"
            r"(?:\s+(?:van|of)\s+(?:de|the)\s+(?P<next>volgende|komende|next)?\s*(?:maand|month))?\b",
            re.IGNORECASE,
        ),
    ),
    (
        "relative_week_weekday",
        re.compile(
            rf"\b(?:(?P<pre>volgende|komende|vorige|afgelopen|next|last)\s+week\s+(?P<wd>{_WEEKDAY})"
            rf"|(?P<wd2>{_WEEKDAY})\s+(?P<post>volgende|komende|vorige|afgelopen|next|last)\s+week)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "weekday",
        re.compile(
            rf"(?:\b(?P<pre>{_PAST_WORDS}|{_FUTURE_WORDS}|next|volgende|per|vanaf|op|on|from)\s+)?"
            rf"\b(?P<wd>{_WEEKDAY})(?:middag|ochtend|morgen|avond)?\b(?P<post>\s+(?:jl\.?|a\.s\.))?",
            re.IGNORECASE,
        ),
    ),
    (
        "relative_day",
        re.compile(
            r"\b(?P<word>eergisteren|gisteren|gister|gisterochtend|gistermiddag|vandaag|vanochtend|vanmorgen|"
            r"vanmiddag|vanavond|overmorgen|morgen|morgenochtend|morgenmiddag|yesterday|today|tonight|"
            r"tomorrow|this morning|this afternoon)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "next_month",
        re.compile(r"\b(?:per|vanaf|from|as of|starting)?\s*(?:volgende|komende|next)\s+(?:maand|month)\b",
                   re.IGNORECASE),
    ),
]

_RELATIVE_DAYS = {
    "eergisteren": -2, "gisteren": -1, "gister": -1, "gisterochtend": -1, "gistermiddag": -1, "yesterday": -1,
    "vandaag": 0, "vanochtend": 0, "vanmorgen": 0, "vanmiddag": 0, "vanavond": 0, "today": 0,
    "tonight": 0, "this morning": 0, "this afternoon": 0,
    "morgen": 1, "morgenochtend": 1, "morgenmiddag": 1, "tomorrow": 1, "overmorgen": 2,
}


@dataclass(frozen=True)
class DateMention:
    """A date as the text states it; `resolve` turns it into a calendar date."""

    kind: str
    start: int
    end: int
    text: str
    day: int | None = None
    month: int | None = None
    year: int | None = None
    weekday: int | None = None
    offset: int = 0  # days, for "gisteren"; weeks, for "volgende week dinsdag"
    direction: Prefer | None = None  # what the words around it say ("sinds", "a.s.")

    def resolve(self, reference: dt.date, prefer: Prefer = "nearest") -> dt.date | None:
        prefer = self.direction or prefer
        try:
            if self.kind == "absolute":
                return dt.date(self.year or 0, self.month or 0, self.day or 0)
            if self.kind == "day_month":
                return _nearest_year(reference, self.month or 0, self.day or 0, prefer)
            if self.kind == "relative_day":
                return reference + dt.timedelta(days=self.offset)
            if self.kind == "first_of_next_month":
                if reference.day == 1 and prefer != "future":
                    return reference
                return _first_of_next_month(reference)
            if self.kind == "week_weekday":
                monday = reference - dt.timedelta(days=reference.weekday())
                return monday + dt.timedelta(weeks=self.offset, days=self.weekday or 0)
            if self.kind == "weekday":
                return _weekday(reference, self.weekday or 0, prefer)
        except ValueError:
            return None
        return None


def _nearest_year(reference: dt.date, month: int, day: int, prefer: Prefer) -> dt.date | None:
    candidates = []
    for year in (reference.year - 1, reference.year, reference.year + 1):
        try:
            candidates.append(dt.date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        return None
    if prefer == "past":
        past = [c for c in candidates if c <= reference]
        soon = [c for c in candidates if reference < c <= reference + dt.timedelta(days=31)]
        if soon and (not past or (reference - max(past)).days > 300):
            # "fully back from 10 June" written on 9 June: tomorrow, not last year.
            return min(soon)
        return max(past) if past else min(candidates)
    if prefer == "future":
        # Changes are mostly announced ahead, but "per 1 maart" a few weeks late is common.
        return min(candidates, key=lambda c: (reference - c).days * 4 if c < reference else (c - reference).days)
    return min(candidates, key=lambda c: abs((c - reference).days))


def _first_of_next_month(reference: dt.date) -> dt.date:
    return dt.date(reference.year + reference.month // 12, reference.month % 12 + 1, 1)


def _weekday(reference: dt.date, weekday: int, prefer: Prefer) -> dt.date:
    back = (reference.weekday() - weekday) % 7
    if prefer == "past":
        return reference - dt.timedelta(days=back)
    ahead = (weekday - reference.weekday()) % 7 or 7
    if prefer == "future":
        return reference + dt.timedelta(days=ahead)
    return reference - dt.timedelta(days=back) if back <= ahead else reference + dt.timedelta(days=ahead)


def _year(text: str | None) -> int | None:
    if not text:
        return None
    year = int(text)
    return year + 2000 if year < 100 else year


def _direction(word: str | None) -> Prefer | None:
    if not word:
        return None
    word = word.strip().lower().rstrip(".")
    if word in _PAST:
        return "past"
    return "future" if word in _FUTURE else None


def _mention(kind: str, match: re.Match[str]) -> DateMention | None:
    g = match.groupdict()
    common = {"start": match.start(), "end": match.end(), "text": match.group().strip()}
    if kind in ("iso", "dmy"):
        return DateMention("absolute", day=int(g["d"]), month=int(g["m"]), year=_year(g["y"]), **common)
    if kind in ("day_month", "month_day"):
        month, day = MONTHS[g["mon"].lower()], int(g["d"])
        year = _year(g.get("y"))
        if year:
            return DateMention("absolute", day=day, month=month, year=year, **common)
        return DateMention("day_month", day=day, month=month, direction=_direction(g.get("dir")), **common)
    if kind == "dm":
        day, month = int(g["d"]), int(g["m"])
        if not (1 <= day <= 31 and 1 <= month <= 12):
            return None
        return DateMention("day_month", day=day, month=month, **common)
    if kind == "first_of_month":
        return DateMention("first_of_next_month", direction="future" if g.get("next") else None, **common)
    if kind == "next_month":
        return DateMention("first_of_next_month", direction="future", **common)
    if kind == "relative_week_weekday":
        word = (g.get("pre") or g.get("post") or "").lower()
        weekday = WEEKDAYS[(g.get("wd") or g.get("wd2") or "").lower()]
        offset = 1 if word in ("volgende", "komende", "next") else -1
        return DateMention("week_weekday", weekday=weekday, offset=offset, **common)
    if kind == "weekday":
        word = (g.get("pre") or "").lower()
        direction = _direction(g.get("post")) or _direction(word)
        if word in ("last", "afgelopen", "vorige"):
            direction = "past"
        return DateMention("weekday", weekday=WEEKDAYS[g["wd"].lower()], direction=direction, **common)
    if kind == "relative_day":
        return DateMention("relative_day", offset=_RELATIVE_DAYS[g["word"].lower()], **common)
    return None


def find_dates(text: str) -> list[DateMention]:
    """Every date the text states, left to right, without overlaps."""
    return list(_find_dates(text))


@lru_cache(maxsize=4096)
def _find_dates(text: str) -> tuple[DateMention, ...]:
    # A sentence is read as a whole, per clause and per field: the same text comes back often.
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if start == end or any(start < b and a < end for a, b in taken):
                continue
            if kind == "weekday" and _is_greeting_or_time(text, match):
                continue
            if kind == "relative_day" and match.group("word").lower() == "morgen" and _is_greeting(text, match):
                continue
            mention = _mention(kind, match)
            if mention is not None:
                found.append(mention)
                taken.append((start, end))
    found.sort(key=lambda m: m.start)
    return tuple(found)


def _is_greeting(text: str, match: re.Match[str]) -> bool:
    # "Morgen," or "Goedemorgen" opens a mail; it is no date.
    before = text[: match.start()].strip()
    after = text[match.end():].lstrip()
    return (not before or before.endswith(("goede", "Goede"))) and (not after or after[0] in ",!")


def _is_greeting_or_time(text: str, match: re.Match[str]) -> bool:
    word = match.group("wd").lower()
    # Three-letter English abbreviations are ordinary words too ("sat", "wed").
    return len(word) <= 4 and not match.group(0)[0].isupper()


# --- months, for pay periods ------------------------------------------------------------

_MONTH_RE = re.compile(
    rf"(?<![\w-])(?P<mon>{_MONTH})\b\.?(?:[\s,]+(?P<y>\d{{4}})\b)?|(?<!\d)(?P<mm>0?[1-9]|1[0-2])[-/](?P<yy>20\d\d)\b",
    re.IGNORECASE,
)
_THIS_MONTH_RE = re.compile(r"\b(?:deze maand|this month|huidige maand|lopende maand)\b", re.I)
_LAST_MONTH_RE = re.compile(r"\b(?:vorige maand|afgelopen maand|last month|previous month)\b", re.I)
# Short month names are also words ("mar", "may", "jun"): they count as months only
# when capitalised or followed by a year.
_AMBIGUOUS_MONTHS = {"mar", "may", "jan", "dec", "sep", "jun", "jul", "aug", "apr", "feb", "nov", "oct",
                     "okt", "mrt", "maa", "febr", "sept"}


# Months that are also first names ("Jan", "Mei", "April", "June"): written with a capital and
# without a year they count as months only after a word that introduces one ("in April").
_NAME_LIKE_MONTHS = {"jan", "mei", "juni", "april", "june", "may", "august"}
_MONTH_PREPOSITION_RE = re.compile(r"\b(?:in|van|over|per|voor|sinds|tot|t/m|of|for|during|since|until|from|"
                                   r"eind|begin|half|medio|heel|maand|the|de|het|this|next|last|deze|"
                                   r"volgende|vorige|komende)\s+$", re.I)
_MONTH_FOLLOWER_RE = re.compile(r"\s+(?:payroll|salary|salaris|loon|run|pay|period|periode|verloning|hours|uren)\b",
                                re.I)  # "June payroll", "Mei salaris": the month


@dataclass(frozen=True)
class MonthMention:
    year: int
    month: int
    start: int
    end: int

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def period_of(reference: dt.date, month: int, year: int | None = None) -> str:
    """`YYYY-MM` for a month named without a year: the nearest, leaning to the past."""
    if year is None:
        year = reference.year
        if month > reference.month + 2:
            year -= 1
        elif month < reference.month - 9:
            year += 1
    return f"{year:04d}-{month:02d}"


def find_months(text: str, reference: dt.date) -> list[MonthMention]:
    """Months the text names without a day ("in maart", "October 2026", "07-2026", "deze maand")."""
    found: list[MonthMention] = []
    day_spans = [(m.start, m.end) for m in find_dates(text) if m.kind in ("absolute", "day_month")]
    for match in _MONTH_RE.finditer(text):
        if any(a <= match.start() < b for a, b in day_spans):
            continue
        if match.group("mm"):
            found.append(MonthMention(int(match.group("yy")), int(match.group("mm")), *match.span()))
            continue
        name = match.group("mon")
        if name.lower() in _AMBIGUOUS_MONTHS and not match.group("y") and name.islower() and len(name) <= 4:
            continue
        if name.lower() == "may" and not match.group("y") and not _looks_like_month_may(text, match):
            continue
        if name.lower() in _NAME_LIKE_MONTHS and name[0].isupper() and not match.group("y") \
                and not _MONTH_PREPOSITION_RE.search(text[max(0, match.start() - 12):match.start()]) \
                and not _MONTH_FOLLOWER_RE.match(text, match.end()):
            continue  # "Jan Visser heeft 4 uur gewerkt": a first name, not January
        year = int(match.group("y")) if match.group("y") else None
        period = period_of(reference, MONTHS[name.lower()], year)
        found.append(MonthMention(int(period[:4]), int(period[5:]), *match.span()))
    for match in _THIS_MONTH_RE.finditer(text):
        found.append(MonthMention(reference.year, reference.month, *match.span()))
    for match in _LAST_MONTH_RE.finditer(text):
        prev = reference.replace(day=1) - dt.timedelta(days=1)
        found.append(MonthMention(prev.year, prev.month, *match.span()))
    found.sort(key=lambda m: m.start)
    return found


def _looks_like_month_may(text: str, match: re.Match[str]) -> bool:
    # "May" the month versus "may" the verb: a capital, and words around it that name a month.
    if not match.group("mon")[0].isupper():
        return False
    before = text[: match.start()].rstrip()
    after = text[match.end():]
    if re.match(r"\s*(?::|\d{4}|payroll|salary|salaries|hours|run|changes|overtime)", after, re.IGNORECASE):
        return True
    if re.search(r"\b(?:in|for|of|during|since|until|from|to|van|voor|over)$", before, re.IGNORECASE):
        return True
    return bool(before) and before[-1] not in ".!?:\n"
