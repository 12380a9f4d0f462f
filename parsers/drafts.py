"""Mutations under construction, and how two readings of the same change merge.

A mail often says one thing twice ("heeft ontslag genomen" … "zijn laatste werkdag is
vrijdag"): both sentences build a `Draft` for the same type and person, and `DraftSet`
merges them as long as their fields agree. `Draft.to_mutation` gives the finished model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from parsers.models import Issue, Mutation, Source
from parsers.people import Match, fold
from parsers.roster import Employee


@dataclass
class Draft:
    type: str
    part: str
    lines: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    location: str | None = None  # set for sheet cells ("Blad1!A5:F5"); else built from lines
    employee: Employee | None = None
    candidates: tuple[Employee, ...] = ()
    name: str | None = None  # the name as written, for hires and names not on the roster
    match_score: float = 1.0
    fields: dict[str, Any] = field(default_factory=dict)
    assumed: dict[str, str] = field(default_factory=dict)  # field → why it was assumed
    issues: list[Issue] = field(default_factory=list)
    certainty: float = 0.9  # how clearly the words said this type

    @classmethod
    def for_match(cls, mutation_type: str, match: Match | None, name: str | None, **kwargs: Any) -> Draft:
        draft = cls(mutation_type, **kwargs)
        if match is not None:
            draft.employee = match.employee
            draft.candidates = match.employees if match.ambiguous else ()
            draft.match_score = match.score
        draft.name = name
        return draft

    @property
    def person_key(self) -> str:
        if self.employee is not None:
            return f"employee:{self.employee.number}"
        if self.candidates:
            return "candidates:" + ",".join(sorted(e.number for e in self.candidates))
        return f"name:{fold(self.name or '')}#{id(self) if not self.name else ''}"

    def set(self, name: str, value: Any, *, overwrite: bool = False) -> None:
        if value is None or value == "":
            return
        if overwrite or name not in self.fields or name in self.assumed:
            self.fields[name] = value
            self.assumed.pop(name, None)

    def assume(self, name: str, value: Any, why: str) -> None:
        """Fill a field the mail left open, and say so to the reviewer."""
        if name not in self.fields and value is not None:
            self.fields[name] = value
            self.assumed[name] = why

    def add_source(self, line: int | None, text: str) -> None:
        if line is not None and line not in self.lines:
            self.lines.append(line)
        text = " ".join(text.split())
        if text and text not in self.texts:
            self.texts.append(text)

    def conflicts_with(self, other: Draft) -> bool:
        for name, value in other.fields.items():
            if name in self.fields and name not in self.assumed and name not in other.assumed \
                    and self.fields[name] != value:
                return True
        return False

    def absorb(self, other: Draft) -> None:
        for name, value in other.fields.items():
            if name in other.assumed:
                self.assume(name, value, other.assumed[name])
            else:
                self.set(name, value)
        for line in other.lines:
            if line not in self.lines:
                self.lines.append(line)
        for text in other.texts:
            if text not in self.texts:
                self.texts.append(text)
        self.issues.extend(i for i in other.issues if i not in self.issues)
        self.certainty = max(self.certainty, other.certainty)
        if self.name is None:
            self.name = other.name

    @property
    def display_name(self) -> str | None:
        if self.employee is not None:
            return self.employee.full_name
        return self.name

    def source(self) -> Source:
        if self.location:
            location = self.location
        elif not self.lines:
            location = "-"
        else:
            lines = sorted(self.lines)
            location = f"line {lines[0]}" if len(lines) == 1 else \
                f"lines {', '.join(str(n) for n in lines)}"
        return Source(part=self.part, location=location, text=" … ".join(self.texts)[:2000])

    def to_mutation(self, issues: list[Issue], confidence: float) -> Mutation:
        return Mutation(
            type=self.type,  # type: ignore[arg-type]
            employee_id=self.employee.number if self.employee is not None and self.type != "hire" else None,
            employee_name=self.display_name,
            fields=self.fields,
            confidence=confidence,
            source=self.source(),
            issues=issues,
        )


@dataclass
class DraftSet:
    """The drafts of one message, merged per type, person and kind of hours."""

    drafts: list[Draft] = field(default_factory=list)

    def add(self, draft: Draft) -> Draft:
        for existing in self.drafts:
            if self._same_change(existing, draft) and not existing.conflicts_with(draft):
                existing.absorb(draft)
                return existing
        self.drafts.append(draft)
        return draft

    @staticmethod
    def _same_change(a: Draft, b: Draft) -> bool:
        if a is b or a.type != b.type or a.person_key != b.person_key or a.part != b.part:
            return False
        return not (a.type == "hours" and a.fields.get("kind") != b.fields.get("kind"))

    def remove(self, drafts: list[Draft]) -> None:
        self.drafts = [d for d in self.drafts if all(d is not x for x in drafts)]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.drafts)

    def __len__(self) -> int:
        return len(self.drafts)
