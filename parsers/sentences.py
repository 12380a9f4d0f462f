"""A cleaned mail body cut into the units a reader works with.

Lines become paragraphs; hard-wrapped prose is joined again; bullets, "Label: value"
lines, headings and pasted tables stand on their own. Every unit keeps the line
numbers it came from, so each mutation can point at its source.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from parsers.cleanup import BodyLine

MAX_LINE = 5000  # characters of one line that are read; beyond that a line is no prose

UnitKind = Literal["prose", "bullet", "pair", "heading", "table"]

BULLET_RE = re.compile(r"^\s*(?:[-*•–—·+>]+|\d{1,2}[.)](?!\d)|[a-z][.)])\s*(?=\S)")
PAIR_RE = re.compile(r"^\s*(?P<label>[^\W\d][\w /().&'-]{0,38}?)\s*:\s+(?P<value>\S.*)$")
TABLE_SEP_RE = re.compile(r"\s\|\s|\t")
CAPS_HEADING_RE = re.compile(r"^[A-Z][A-Z &/\-]{2,40}(?:\s*\([^)]{1,30}\))?\s*:?$")
CHAT_LINE_RE = re.compile(r"^\[(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})(?:[-/.]\d{2,4})?,?\s+\d{1,2}:\d{2}(?::\d{2})?\]\s*"
                          r"(?P<who>[^:\]]{1,40}):\s*(?P<text>.+)$")
ALIGNED_RE = re.compile(r"\S\s{3,}\S")
ALIGNED_CELLS_RE = re.compile(r"(?<=\S)\s{3,}(?=\S)")
POSTCODE_START_RE = re.compile(r"[1-9]\d{3}(?:\s?[A-Z]{2}|[a-z]{2})\b")
HOUSE_NUMBER_END_RE = re.compile(r"[A-Za-z]\s+\d{1,5}\s?[A-Za-z]{0,3}$")
# Where a sentence ends: . ! ? followed by space and a capital, digit or bullet, unless
# the period closes an abbreviation or an initial ("S. Dekker", "t/m", "a.s.", "jl.").
_ABBREVIATIONS = {
    "a.s", "jl", "t/m", "bijv", "o.a", "ca", "nr", "mr", "mrs", "ms", "dr", "drs", "ir", "ing", "mevr", "mw",
    "dhr", "st", "e.g", "i.e", "etc", "incl", "excl", "m.i.v", "ivm", "i.v.m", "vs", "no", "tel", "p/m",
    "p.m", "mnd", "jan", "feb", "febr", "mrt", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "oct",
    "nov", "dec", "ma", "di", "wo", "do", "vr", "za", "zo", "vd", "v.d", "resp", "evt", "z.s.m", "p.p",
}
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(]?[A-Z0-9À-Ý•\-*])")


@dataclass
class Unit:
    kind: UnitKind
    text: str
    lines: list[int]
    paragraph: int
    forwarded_from: str | None = None
    offsets: list[tuple[int, int]] = field(default_factory=list)  # (char offset, line number)
    label: str | None = None  # for pairs
    chat_day: tuple[int, int] | None = None  # (day, month) of a chat line pasted into the mail
    value: str | None = None
    cells: list[list[str]] = field(default_factory=list)  # for tables

    def line_at(self, offset: int) -> int:
        line = self.lines[0]
        for start, number in self.offsets:
            if start <= offset:
                line = number
        return line


def _aligned(text: str) -> str:
    # "€   800,00" is one cell: a currency sign and its amount stay together.
    return re.sub(r"(€|EUR)\s+", r"\1", text.strip())


def _kind_of(text: str, known_label: Callable[[str], bool]) -> UnitKind:
    if len(ALIGNED_CELLS_RE.findall(_aligned(text))) >= 2:
        # "Wesley Sabajo       11,5         -          4,0": a table pasted with spaces.
        return "table"
    if len(TABLE_SEP_RE.findall(text)) >= 2 or text.count("|") >= 2:
        cells = _cells(text)
        return "pair" if len(cells) == 2 and known_label(cells[0]) else "table"
    if TABLE_SEP_RE.search(text) and known_label(_cells(text)[0]):
        return "pair"
    match = PAIR_RE.match(text)
    if match and known_label(match.group("label")):
        return "pair"
    if BULLET_RE.match(text):
        return "bullet"
    if text.rstrip().endswith(":") and len(text) < 120:
        return "heading"
    if CAPS_HEADING_RE.match(text):
        # "SICK LEAVE", "OVERTIME (March)": a heading in capitals.
        return "heading"
    if ALIGNED_RE.search(text):
        # "Priya Ramdin     € 1.200,00": a row of a list laid out with spaces.
        return "bullet"
    return "prose"


def _cells(text: str) -> list[str]:
    if len(ALIGNED_CELLS_RE.findall(_aligned(text))) >= 2 and "|" not in text and "\t" not in text:
        return [c.strip() for c in re.split(r"\s{3,}", _aligned(text))]
    return [c.strip() for c in re.split(r"\s*\|\s*|\t", text.strip("| \t"))]


def _continues(previous: Unit, text: str, raw: str) -> bool:
    """Whether a line carries on the unit above it (a wrapped sentence or bullet)."""
    if previous.kind == "bullet":
        # An indented or lower-case line under a bullet is the rest of that bullet.
        return raw[:1] in (" ", "\t") or text[:1].islower()
    if previous.kind == "pair":
        # "Details:   New address as of 1 September:" with the address indented below.
        return raw[:1] in (" ", "\t")
    if previous.kind != "prose":
        return False
    last_line = previous.text[previous.offsets[-1][0]:].rstrip()
    if POSTCODE_START_RE.match(text) and HOUSE_NUMBER_END_RE.search(last_line):
        # "Kerkstraat 12" over "1234 AB Ergens": one address on two lines.
        return True
    if last_line.endswith((".", "!", "?", ":")):
        return text[:1].islower() and len(last_line) >= 55
    # Short lines are a list, even in lower case; long ones were wrapped by the mail client.
    return len(last_line) >= 50


def units(lines: Sequence[BodyLine], known_label: Callable[[str], bool]) -> list[Unit]:
    """Paragraph-aware units, in order."""
    result: list[Unit] = []
    paragraph = 0
    for line in lines:
        text = line.text.strip()[:MAX_LINE]
        if not text:
            paragraph += 1
            continue
        previous = result[-1] if result and result[-1].paragraph == paragraph else None
        chat = CHAT_LINE_RE.match(text)
        if chat:
            # "[12-03 07:02] Senait: ik heb hoge koorts": a message from a team chat, by its author, that day.
            unit = Unit("prose", chat.group("text"), [line.number], paragraph, chat.group("who").strip(),
                        [(0, line.number)], chat_day=(int(chat.group("d")), int(chat.group("m"))))
            result.append(unit)
            continue
        kind = _kind_of(text, known_label)
        if kind in ("prose", "heading") and previous is not None \
                and previous.forwarded_from == line.forwarded_from and _continues(previous, text, line.text):
            previous.offsets.append((len(previous.text) + 1, line.number))
            previous.text += " " + text
            previous.lines.append(line.number)
            if previous.value is not None:
                previous.value += " " + text
            if previous.kind == "prose" and previous.text.endswith(":") and len(previous.text) < 160:
                previous.kind = "heading"
            continue
        if kind == "table":
            cells = _cells(text)
            if previous is not None and previous.kind == "table":
                previous.cells.append(cells)
                previous.lines.append(line.number)
                continue
            result.append(Unit("table", text, [line.number], paragraph, line.forwarded_from,
                               [(0, line.number)], cells=[cells]))
            continue
        unit = Unit(kind, text, [line.number], paragraph, line.forwarded_from, [(0, line.number)])
        if kind == "bullet":
            unit.text = BULLET_RE.sub("", text, count=1)
            match = PAIR_RE.match(unit.text)
            if match and known_label(match.group("label")):
                unit.kind = "pair"
        if unit.kind == "pair":
            if TABLE_SEP_RE.search(unit.text) or "|" in unit.text:
                unit.label, unit.value = _cells(unit.text)[:2] if len(_cells(unit.text)) > 1 else (unit.text, "")
            else:
                match = PAIR_RE.match(unit.text)
                assert match is not None
                unit.label, unit.value = match.group("label").strip(), match.group("value").strip()
        result.append(unit)
    _mark_list_headings(result)
    return result


def _mark_list_headings(found: list[Unit]) -> None:
    """A short line without an end mark right above a list introduces it ("With the December salary")."""
    for unit, following in itertools.pairwise(found):
        short = len(unit.text) <= 60 and not unit.text.rstrip().endswith((".", "!", "?", ","))
        if unit.kind == "prose" and following.kind in ("bullet", "pair") and len(unit.lines) == 1 and short \
                and following.paragraph - unit.paragraph <= 1:
            unit.kind = "heading"
        elif unit.kind == "bullet" and following.kind == "bullet" and short and len(unit.text.split()) <= 4 \
                and not re.search(r"\d", unit.text):
            # "1. Nieuwe medewerkers" over "a. Per 1 juni komt …": a numbered heading.
            unit.kind = "heading"


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offset in the unit's text


def sentences(text: str) -> list[Sentence]:
    """Split prose into sentences, keeping offsets."""
    found: list[Sentence] = []
    start = 0
    for m in _SENTENCE_END_RE.finditer(text):
        before = text[start:m.start()].rstrip()
        last_word = before.rsplit(None, 1)[-1] if before else ""
        token = last_word.rstrip(".!?").lower().lstrip("(")
        if before.endswith(".") and (token in _ABBREVIATIONS or len(token) == 1):
            continue
        if before.endswith(".") and re.fullmatch(r"\d+", token) and re.match(r"\s*\d", text[m.end():]):
            continue
        found.append(Sentence(text[start:m.start()], start))
        start = m.end()
    if start < len(text):
        found.append(Sentence(text[start:], start))
    return [s for s in found if s.text.strip()]
