"""How drafts look on screen: Dutch labels, readable values, BSN and IBAN masked, the source marked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from parsers.labels import field_label, field_value, type_label
from parsers.masking import SECRET_FIELDS, mask

STATUS_LABELS = {"new": "te beoordelen", "approved": "goedgekeurd", "rejected": "afgewezen",
                 "exported": "geëxporteerd", "duplicate": "dubbel"}


def shown_value(name: str, value: Any) -> str:
    """A field's value for reading: secrets masked, numbers and dates as a clerk writes them."""
    if value is None or value == "":
        return "—"
    if name in SECRET_FIELDS:
        return mask(str(value))
    return field_value(name, value, "nl")


def shown_fields(fields: dict[str, Any]) -> str:
    return ", ".join(f"{field_label(k)}: {shown_value(k, v)}" for k, v in fields.items())


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


@dataclass(frozen=True)
class BodyLine:
    number: int
    text: str
    marked: bool


def _line_range(location: str) -> tuple[int, int] | None:
    found = re.fullmatch(r"\s*lines?\s+(\d+)(?:\s*-\s*(\d+))?\s*", location)
    if not found:
        return None
    first = int(found.group(1))
    return first, int(found.group(2) or first)


def marked_body(body: str, source: dict[str, Any]) -> list[BodyLine]:
    """The mail body by line, with the lines the draft was read from marked.

    The location's line numbers decide when they point at the source text; otherwise every
    line that holds (part of) the source text is marked, so a mark is never in the wrong place."""
    lines = body.splitlines()
    wanted = " ".join(str(source.get("text", "")).split())
    marked: set[int] = set()
    if source.get("part") == "body":
        span = _line_range(str(source.get("location", "")))
        if span is not None:
            candidate = set(range(span[0], span[1] + 1))
            joined = " ".join(" ".join(lines[n - 1].split()) for n in sorted(candidate) if 0 < n <= len(lines))
            if wanted and (wanted[:40] in joined or joined[:40] in wanted):
                marked = candidate
        if not marked and wanted:
            marked = {n for n, line in enumerate(lines, 1)
                      if " ".join(line.split()) and " ".join(line.split()) in wanted}
    return [BodyLine(n, text, n in marked) for n, text in enumerate(lines, 1)]


def mutation_label(mutation_type: str) -> str:
    return type_label(mutation_type, "nl")


@dataclass(frozen=True)
class SheetCell:
    text: str
    marked: bool


@dataclass(frozen=True)
class SheetView:
    """The part of a sheet a draft came from: its first rows and the rows around the source,
    with the source cells marked."""

    filename: str
    sheet: str
    columns: tuple[str, ...]
    rows: tuple[tuple[int, tuple[SheetCell, ...]], ...]  # (row number, cells); row 0 = a gap


_CELL = re.compile(r"([A-Z]{1,3})(\d+)")
HEAD_ROWS = 4
AROUND_ROWS = 8
MAX_COLUMNS = 16


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _cell_range(location: str) -> tuple[str, tuple[int, int, int, int]] | None:
    """"Uren!B5:F7" → ("Uren", (row 5, col 2, row 7, col 6)); sheet "" when not named."""
    sheet, _, cells = location.rpartition("!")
    first, _, last = cells.partition(":")
    start, end = _CELL.fullmatch(first.strip()), _CELL.fullmatch((last or first).strip())
    if not start or not end:
        return None
    rows = sorted((int(start.group(2)), int(end.group(2))))
    cols = sorted((_column_number(start.group(1)), _column_number(end.group(1))))
    return sheet.strip().strip("'"), (rows[0], cols[0], rows[1], cols[1])


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime") and hasattr(value, "year"):
        return value.strftime("%d-%m-%Y")  # type: ignore[union-attr]
    return str(value)


def sheet_view(attachments: list[tuple[str, bytes]], source: dict[str, Any]) -> SheetView | None:
    """The sheet view for a draft read from a spreadsheet attachment, or None (read from text,
    the file gone or unreadable)."""
    from parsers.spreadsheets import SpreadsheetError, column_letter, read_spreadsheet

    part = str(source.get("part", ""))
    if not part.startswith("attachment:"):
        return None
    wanted = _cell_range(str(source.get("location", "")))
    filename = part.split(":", 1)[1]
    data = next((content for name, content in attachments if name == filename), None)
    if wanted is None or data is None:
        return None
    try:
        workbook = read_spreadsheet(filename, data)
    except SpreadsheetError:
        return None
    name, (top, left, bottom, right) = wanted
    sheet = next((s for s in workbook.sheets if s.name == name), workbook.sheets[0] if workbook.sheets else None)
    if sheet is None:
        return None
    width = min(MAX_COLUMNS, max([len(values) for _, values in sheet.rows] + [right]))
    shown = [(n, values) for n, values in sheet.rows
             if n <= HEAD_ROWS or top - AROUND_ROWS <= n <= bottom + AROUND_ROWS]
    rows: list[tuple[int, tuple[SheetCell, ...]]] = []
    previous = 0
    for number, values in shown:
        if previous and number > previous + 1:
            rows.append((0, ()))
        cells = tuple(SheetCell(_cell_text(values[i] if i < len(values) else None),
                                top <= number <= bottom and left <= i + 1 <= right) for i in range(width))
        rows.append((number, cells))
        previous = number
    return SheetView(filename=filename, sheet=sheet.name, columns=tuple(column_letter(i) for i in range(1, width + 1)),
                     rows=tuple(rows))
