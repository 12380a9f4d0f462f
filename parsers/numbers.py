"""Numbers as payroll mail writes them: amounts, hours and percentages.

Dutch and English conventions meet in the same inbox: "€ 2.650,-", "EUR 3,900",
"86.40", "7,5", "7:30", "7½". A separator followed by exactly three digits groups
thousands; any other is the decimal mark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A number as written, with thousands groups, decimals, a trailing ",-" and a half.
NUMBER = r"(?:\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?)(?:\s*½)?(?:,-{1,2}|\.-)?|½"
NUMBER_RE = re.compile(NUMBER)

# Currency marks before or after the number.
_CURRENCY_BEFORE = r"(?:€|eur(?:o)?\b\.?|euro's)\s*"
_CURRENCY_AFTER = r"\s*(?:€|eur(?:o|o's)?\b)"
AMOUNT_RE = re.compile(
    rf"(?:{_CURRENCY_BEFORE}(?P<before>{NUMBER})|(?<![\w.,])(?P<after>{NUMBER}){_CURRENCY_AFTER})",
    re.IGNORECASE,
)

# "7:30 uur" is seven and a half hours; a clock time has no unit after it.
CLOCK_HOURS_RE = re.compile(r"(?<![\d:])(\d{1,3}):([0-5]\d)(?=\s*(?:uur|u\b|hours?|hrs?|h\b))", re.I)
PERCENT_RE = re.compile(rf"(?P<value>{NUMBER})\s*(?:%|procent\b|percent\b)", re.IGNORECASE)


def parse_number(text: str) -> float | None:
    """The value of one written number, or None when it is not a number."""
    s = text.strip().replace("\u00a0", "").replace(" ", "")
    s = re.sub(r"(,-{1,2}|\.-)$", "", s)
    half = 0.0
    if s.endswith("½"):
        half, s = 0.5, s[:-1]
        if not s:
            return half
    if not s or not re.fullmatch(r"[\d.,]+", s) or not any(c.isdigit() for c in s):
        return None
    if "." in s and "," in s:
        decimal = "." if s.rfind(".") > s.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        s = s.replace(thousands, "").replace(decimal, ".")
    elif "," in s or "." in s:
        sep = "," if "," in s else "."
        parts = s.split(sep)
        grouped = len(parts) > 2 or (len(parts[1]) == 3 and parts[0] not in ("", "0"))
        s = s.replace(sep, "") if grouped else s.replace(sep, ".")
    try:
        return float(s) + half
    except ValueError:
        return None


def parse_hours(text: str) -> float | None:
    """Hours as written: "7,5", "7.5", "7:30", "7½" → 7.5."""
    match = re.fullmatch(r"\s*(\d{1,3})\s*[:uh]\s*([0-5]\d)\s*(?:uur|u|h|m|min)?\s*", text, re.IGNORECASE)
    if match:
        return int(match.group(1)) + int(match.group(2)) / 60
    stripped = re.sub(r"\s*(uur|uren|u|hours?|hrs?|h)\.?\s*$", "", text.strip(), flags=re.I)
    return parse_number(stripped)


@dataclass(frozen=True)
class Quantity:
    """A number found in text, with where it stands."""

    value: float
    start: int
    end: int


def find_amounts(text: str) -> list[Quantity]:
    """Money amounts marked as such ("€ 2.650,-", "2650 euro", "EUR 3,900")."""
    found = []
    for match in AMOUNT_RE.finditer(text):
        group = "before" if match.group("before") else "after"
        value = parse_number(match.group(group))
        if value is not None:
            found.append(Quantity(value, match.start(), match.end()))
    return found


def find_percentages(text: str) -> list[Quantity]:
    found = []
    for match in PERCENT_RE.finditer(text):
        value = parse_number(match.group("value"))
        if value is not None:
            found.append(Quantity(value, match.start(), match.end()))
    return found


def find_numbers(text: str) -> list[Quantity]:
    """Every plain number, clock-style hours ("7:30 uur") read as decimal hours."""
    found: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    for match in CLOCK_HOURS_RE.finditer(text):
        value = int(match.group(1)) + int(match.group(2)) / 60
        found.append(Quantity(value, match.start(), match.end()))
        taken.append((match.start(), match.end()))
    for match in NUMBER_RE.finditer(text):
        if any(a <= match.start() < b for a, b in taken):
            continue
        thousands = re.match(r"[kK](?![a-zA-Z])", text[match.end():match.end() + 2])
        if thousands:
            # "5k/month": five thousand.
            value = parse_number(match.group())
            if value is not None:
                found.append(Quantity(value * 1000, match.start(), match.end() + 1))
            continue
        # Digits glued to letters or to other digit groups are codes, not quantities.
        before = text[match.start() - 1] if match.start() else " "
        if before.isalpha() or (before in "-/:" and match.start() > 1 and text[match.start() - 2].isdigit()):
            continue
        value = parse_number(match.group())
        if value is not None:
            found.append(Quantity(value, match.start(), match.end()))
    found.sort(key=lambda q: q.start)
    return found
