"""Personal and contract values in running text: IBAN, BSN, e-mail, phone, address,
job title and salary period.

Each finder returns the value with its span, so the sentence reader can tell which
words a value used up (a street is not a person's name, an IBAN is not an amount).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Found:
    value: str
    start: int
    end: int


IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b", re.IGNORECASE)
BSN_RE = re.compile(r"(?<![\d.])(\d{3}[ .]?\d{2}[ .]?\d{2}[ .]?\d{2}|\d{8,9})(?!\d|[.,]\d)")
BSN_CONTEXT_RE = re.compile(r"\b(?:bsn|burgerservicenummer|sofi-?nummer|sofinummer|citizen service number)\b",
                            re.IGNORECASE)
EMAIL_RE = re.compile(r"\b[\w.+'-]+@[\w-]+(?:\.[\w-]+)+\b")
# Dutch numbers: nine digits after the 0 or +31, however they are grouped.
PHONE_RE = re.compile(r"(?<![\w+])(?:\+31|0031|0)(?:[\s-]?\(0\))?(?:[\s-]?\d){9}(?!\d)")

_PARTICLE = r"(?:van|de|der|den|het|ter|ten|te|op|aan|in|bij|'t|’t|st\.|sint)"
_STREET_WORD = r"[A-Z][\w'’.\-]*"
_HOUSE_NUMBER = r"\d{1,5}(?:\s?-?\s?[a-zA-Z]{1,3}\b|[-/]\d{1,4}\b|\s?(?:hs|bis|huis|zw|rd|bg)\b)?"
# "1234 AB", "1234AB", "1234ab" — but not "3117 en" inside a longer number or sentence.
_POSTCODE = r"(?<!\d)[1-9]\d{3}(?:\s?[A-Z]{2}|[a-z]{2})"
_CITY = r"[A-Z][\w'’\-]*(?:(?:\s|-)(?:[A-Z][\w'’\-]*|aan|den|de|op|bij|a/d|in))*"
STREET_RE = re.compile(
    rf"(?P<street>{_STREET_WORD}(?:\s+(?:{_PARTICLE}\s+)*{_STREET_WORD}){{0,3}})\s+(?P<number>{_HOUSE_NUMBER})"
)
ADDRESS_RE = re.compile(
    rf"{STREET_RE.pattern}\s*,?\s*(?P<postcode>{_POSTCODE})\b\s*,?\s*(?P<city>{_CITY})?"
)
ADDRESS_CITY_FIRST_RE = re.compile(
    rf"{STREET_RE.pattern}\s*(?:,|\bin|\bte)\s+(?P<city>{_CITY})\s*[,(]\s*(?P<postcode>{_POSTCODE})\b"
)
POSTCODE_CITY_RE = re.compile(rf"(?P<postcode>{_POSTCODE})\b\s*,?\s*(?P<city>{_CITY})?")

SALARY_PERIODS: list[tuple[str, re.Pattern[str]]] = [
    ("four_weeks", re.compile(r"\b(?:per|/)\s*(?:4|vier)\s*weken|vierweke\w*|4[-\s]?wek\w*|four[-\s]weekly|"
                              r"per\s+four\s+weeks", re.I)),
    ("hour", re.compile(r"\b(?:per|/|an|a|p/?)\s*(?:uur|hour|hr|u)\b|/\s*(?:hr|h|u)\b|\bp\.?u\.?\b|\bhourly\b|"
                        r"\buurloon\b", re.I)),
    ("month", re.compile(r"\b(?:per|/|a|p/?)\s*(?:maand|month|mnd|m)\b|\bp\.?m\.?(?!\w)|\bmonthly\b|"
                         r"\bmaand(?:salaris|loon)\b", re.I)),
    ("week", re.compile(r"\b(?:per|/|a|p/?)\s*(?:week|wk|w)\b|\bweekly\b|\bweekloon\b", re.I)),
    ("year", re.compile(r"\b(?:per|/|a|p/?)\s*(?:jaar|year|annum|jr)\b|\bannual(?:ly)?\b|\bjaarsalaris\b|"
                        r"\bper annum\b", re.I)),
]

# Job titles follow "als"/"as" or a label; they end where the sentence moves on.
JOB_TITLE_RE = re.compile(
    r"\b(?:als|as(?:\s+an?)?|in\s+de\s+functie\s+van|functie(?:\s+van)?|in\s+the\s+role\s+of|role\s+of|"
    r"benoemd\s+tot|aangesteld\s+tot)\s+"
    r"(?P<title>[^\W\d][\w'’\-]*(?:\s+(?!(?:voor|for|on|op|per|from|vanaf|met|with|bij|at|in|en|and|tegen|"
    r"starting|starts|van|to|naar)\b)(?:[^\W\d][\w'’/\-]*|\d{1,2}(?:/\d{1,2})?(?=\s*[,.;)]|\s*$))){0,4})",
    re.IGNORECASE,
)


def find_ibans(text: str) -> list[Found]:
    found = []
    for m in IBAN_RE.finditer(text):
        compact = re.sub(r"\s", "", m.group()).upper()
        # Real IBANs have letters for a country and a length between 15 and 34.
        if 15 <= len(compact) <= 34 and compact[:2].isalpha():
            found.append(Found(compact, m.start(), m.end()))
    return found


def find_bsn(text: str) -> list[Found]:
    """Nine-digit numbers where the text says they are a BSN."""
    context = BSN_CONTEXT_RE.search(text)
    if not context:
        return []
    found = []
    for m in BSN_RE.finditer(text, context.end()):
        digits = re.sub(r"\D", "", m.group())
        if len(digits) in (8, 9):
            found.append(Found(digits.zfill(9), m.start(), m.end()))
            break
    return found


def find_emails(text: str) -> list[Found]:
    return [Found(m.group().lower(), m.start(), m.end()) for m in EMAIL_RE.finditer(text)]


def find_phones(text: str) -> list[Found]:
    found = []
    for m in PHONE_RE.finditer(text):
        digits = re.sub(r"[\s\-()]", "", m.group()).replace("(0)", "")
        if 10 <= len(digits.lstrip("+")) <= 12:
            found.append(Found(digits, m.start(), m.end()))
    return found


@dataclass(frozen=True)
class Address:
    street: str | None
    house_number: str | None
    postal_code: str | None
    city: str | None
    start: int
    end: int

    def fields(self) -> dict[str, str]:
        values = {"street": self.street, "house_number": self.house_number,
                  "postal_code": self.postal_code, "city": self.city}
        return {k: v for k, v in values.items() if v}


def _clean_city(city: str | None) -> str | None:
    if not city:
        return None
    # A city ends at the first word that begins a new clause.
    words = city.split()
    kept = []
    for word in words:
        if kept and word[0].isupper() and word.lower() in {"per", "vanaf", "graag", "met", "her", "his"}:
            break
        kept.append(word)
    return " ".join(kept) or None


def find_address(text: str) -> Address | None:
    """"Lange Nieuwstraat 8, 3512 PH Utrecht", or a street and number, or a postcode and city."""
    m = ADDRESS_RE.search(text)
    if m and m.group("street").split()[0].lower() not in _NOT_STREETS:
        return Address(m.group("street"), m.group("number"),
                       _postcode(m.group("postcode")), _clean_city(m.group("city")), m.start(), m.end())
    m = ADDRESS_CITY_FIRST_RE.search(text)
    if m and m.group("street").split()[0].lower() not in _NOT_STREETS:
        # "Kerkstraat 7 in Berkenwoude (2825 BJ)".
        return Address(m.group("street"), m.group("number"), _postcode(m.group("postcode")),
                       _clean_city(m.group("city")), m.start(), m.end())
    m = POSTCODE_CITY_RE.search(text)
    if m:
        return Address(None, None, _postcode(m.group("postcode")), _clean_city(m.group("city")),
                       m.start(), m.end())
    return None


def find_street(text: str) -> Address | None:
    """A value that is only a street and house number ("Boschdijk 112")."""
    m = STREET_RE.search(text)
    if m and m.group("street").split()[0].lower() not in _NOT_STREETS:
        return Address(m.group("street"), m.group("number"), None, None, m.start(), m.end())
    return None


_NOT_STREETS = {"per", "vanaf", "sinds", "op", "nr", "nummer", "tel", "telefoon", "week", "wk", "kvk", "btw",
                "iban", "bsn", "uren", "hours", "on", "from", "since", "as", "is", "at", "to", "naar"}


def _postcode(text: str) -> str:
    compact = text.replace(" ", "").upper()
    return f"{compact[:4]} {compact[4:]}"


def salary_period_near(text: str, start: int) -> str | None:
    """The period a salary amount is stated in, from the words right after it."""
    window = text[start:start + 40]
    best: tuple[int, str] | None = None
    for period, pattern in SALARY_PERIODS:
        m = pattern.search(window)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), period)
    return best[1] if best else None


_NOT_IN_TITLES = {"ik", "hij", "zij", "ze", "we", "wij", "je", "jij", "u", "zijn", "haar", "heb", "heeft", "is", "ben",
                   "kan", "i", "he", "she", "they", "his", "her", "have", "has", "was", "dat", "that"}
_DUTCH_NEW_TITLE_RE = re.compile(
    r"\b(?:een|onze?)\s+nieuwe\s+(?P<title>[a-z][\w\-]*(?:\s+[a-z][\w\-]*){0,2})\s+(?:gevonden|aangenomen|gestrikt)"
    r"|\bbegint\s+(?:er\s+)?(?:bij\s+ons\s+)?een\s+nieuwe\s+(?!(?:medewerk\w*|collega|kracht|werknemer|jongen|meid|"
    r"personeelslid)\b)(?P<title2>[a-z][\w\-]*)"
)
_NEW_TITLE_RE = re.compile(
    r"\b(?:found|hired|recruited|welcom\w*|aangenomen|gevonden)\s+(?:a|an|our|onze?|een)\s+(?:new|nieuwe?)\s+"
    r"(?P<title>[^\W\d][\w'’\-]*(?:\s+[^\W\d][\w'’\-]*){0,2})(?=\s*[!.,;:]|\s*$)",
    re.IGNORECASE,
)


def find_job_title(text: str) -> Found | None:
    """"als verkoper", "as Graphic Designer", "our new backend developer"."""
    for m in JOB_TITLE_RE.finditer(text):
        # "Als vervanger hebben we …" opens a sentence: that "als" is no job title.
        if m.group(0)[0].isupper():
            continue
        title = m.group("title").strip(" ,.;:")
        if not title or title.split()[0].lower() in {"de", "het", "een", "a", "an", "the", "well", "soon", "ook",
                                                     "of", "per", "from", "possible", "mogelijk", "usual"}:
            continue
        if any(w.lower() in _NOT_IN_TITLES for w in title.split()):
            # "als ik zijn kopie ID heb": that "als" means "when".
            continue
        return Found(title, m.start("title"), m.start("title") + len(title))
    m = _NEW_TITLE_RE.search(text) or _DUTCH_NEW_TITLE_RE.search(text)
    if m:
        group = "title" if m.group("title") else "title2"
        return Found(m.group(group), m.start(group), m.end(group))
    return None
