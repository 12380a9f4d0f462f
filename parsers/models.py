"""What the parsers produce: mutations with their source, issues, and the parse result.

`Mutation.fields` is always in normal JSON form, validated by the type's field model in
`parsers.fields`. `contract_dict` gives exactly the objects that `loonbode parse --json`
promises in `shared/spec/mutations.md`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from parsers.fields import MutationType, normalize_fields

Severity = Literal["error", "warning"]


class Issue(BaseModel):
    model_config = ConfigDict(frozen=True)

    severity: Severity
    message: str
    field: str | None = None  # the field it is about, so a form can show it in place


class Source(BaseModel):
    model_config = ConfigDict(frozen=True)

    part: str  # "body", "subject" or "attachment:<filename>"
    location: str  # "line 4", "lines 4-6", "Mutaties!A5:F5"
    text: str


class Mutation(BaseModel):
    type: MutationType
    employee_id: str | None = None
    employee_name: str | None = None
    fields: dict[str, Any] = Field(default_factory=dict)
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    source: Source
    issues: list[Issue] = Field(default_factory=list)

    @model_validator(mode="after")
    def _normal_fields(self) -> Mutation:
        self.fields = normalize_fields(self.type, self.fields)
        return self

    def contract_dict(self) -> dict[str, Any]:
        """The mutation as `loonbode parse --json` prints it."""
        return {
            "type": self.type,
            "employee_id": self.employee_id,
            "employee_name": self.employee_name,
            "fields": self.fields,
            "confidence": round(self.confidence, 2),
            "source": self.source.model_dump(),
        }


class ParseResult(BaseModel):
    file: str
    employer_id: str | None = None
    auto_reply: bool = False
    bulk: bool = False
    language: Literal["nl", "en"] = "nl"
    sender: str | None = None
    subject: str = ""
    date: dt.datetime | None = None
    message_id: str | None = None
    in_reply_to: str | None = None  # the thread, so an answer finds the question it answers
    references: list[str] = Field(default_factory=list)
    mutations: list[Mutation] = Field(default_factory=list)
    issues: list[Issue] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # how it was read ("Loonbode-sjabloon herkend"); not issues

    def all_issues(self) -> list[Issue]:
        """Message issues, then each mutation's, prefixed with whom and what it is about."""
        from parsers.labels import mutation_label

        issues = list(self.issues)
        for mutation in self.mutations:
            label = mutation_label(mutation)
            issues.extend(Issue(severity=i.severity, message=f"{label}: {i.message}", field=i.field)
                          for i in mutation.issues)
        return issues

    def contract_dict(self) -> dict[str, Any]:
        """The result as `loonbode parse --json` prints it (shared/spec/mutations.md)."""
        return {
            "file": self.file,
            "employer_id": self.employer_id,
            "auto_reply": self.auto_reply,
            "mutations": [m.contract_dict() for m in self.mutations],
            "issues": [{"severity": i.severity, "message": i.message} for i in self.all_issues()],
        }


class LeaveRequest(BaseModel):
    leave_type: Literal["vacation", "special", "parental", "unpaid", "care"] = "vacation"
    start_date: dt.date
    end_date: dt.date
    hours: float | None = None
    part_of_day: Literal["morning", "afternoon"] | None = None
    note: str | None = None
