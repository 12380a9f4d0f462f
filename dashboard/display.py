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
