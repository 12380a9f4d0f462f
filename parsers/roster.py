"""The roster: employers, the addresses they mail from, and their employees.

This is the master data a parser needs to resolve who a mail is about. It is read from
`roster.json` (see `shared/spec/mutations.md`) or built from the database by the
service; the parser only ever sees these models.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_WORK_DAYS: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]


class Employee(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: str
    first_name: str
    prefix: str = ""
    last_name: str
    birth_date: dt.date | None = None
    hours_per_week: float | None = None
    email: str | None = None
    work_days: list[Weekday] = Field(default_factory=lambda: list(DEFAULT_WORK_DAYS))
    start_date: dt.date | None = None
    paid_hourly: bool = False  # paid by the hour (an extension to the spec's roster; optional)

    @field_validator("number", mode="before")
    @classmethod
    def _number_as_text(cls, value: object) -> object:
        # Personnel numbers arrive as JSON numbers as often as strings.
        return str(value).strip() if isinstance(value, int | float) else value

    @field_validator("prefix", mode="before")
    @classmethod
    def _prefix_never_none(cls, value: object) -> object:
        return "" if value is None else value

    @field_validator("email", mode="before")
    @classmethod
    def _email_lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) and value.strip() else None

    @property
    def last_name_with_prefix(self) -> str:
        return f"{self.prefix} {self.last_name}".strip()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name_with_prefix}".strip()


class Employer(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    senders: list[str] = Field(default_factory=list)
    employees: list[Employee] = Field(default_factory=list)

    @field_validator("senders", mode="before")
    @classmethod
    def _senders_lower(cls, value: object) -> object:
        if isinstance(value, list):
            return [str(v).strip().lower() for v in value if str(v).strip()]
        return value

    def employee(self, number: str) -> Employee | None:
        return next((e for e in self.employees if e.number == number), None)


class Roster(BaseModel):
    model_config = ConfigDict(frozen=True)

    employers: list[Employer] = Field(default_factory=list)

    @cached_property
    def _by_sender(self) -> dict[str, Employer]:
        return {s: employer for employer in self.employers for s in employer.senders}

    def employer_for_sender(self, address: str | None) -> Employer | None:
        """The employer that mails from `address` (case-insensitive), or None."""
        if not address:
            return None
        return self._by_sender.get(address.strip().lower())

    def employer(self, employer_id: str) -> Employer | None:
        return next((e for e in self.employers if e.id == employer_id), None)
