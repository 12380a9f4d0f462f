"""An employer's leave rules: reading them, and changing them with an audit record.

The rules (`LeaveSettings`, stored in minutes) are the extra-statutory hours a year for a
40-hour week, how many hours the balance may go below zero, and whether public holidays
cost no leave. An employer without a row has the defaults (0, 0, holidays free). Hours come
in as the dashboard's text ("7,5" or "7.5") and are checked here, with Dutch messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from workflows.leave_ledger import to_hours, to_minutes
from workflows.models import AuditEvent, Employer, LeaveSettings

MAX_HOURS = 2000.0  # a year's working hours: more is a typing error
_HOURS = re.compile(r"\d+(?:[.,]\d{1,2})?")


class SettingsError(ValueError):
    """The rules cannot be saved; the message says why, in Dutch."""


@dataclass(frozen=True)
class LeaveRules:
    """An employer's rules in hours, as the dashboard shows and edits them."""

    extra_hours: float  # extra-statutory hours a year for a 40-hour week
    negative_limit_hours: float  # how far the balance may go below zero
    holidays_free: bool  # public holidays cost no leave

    @classmethod
    def of(cls, row: LeaveSettings) -> LeaveRules:
        return cls(extra_hours=to_hours(row.extra_minutes_per_year),
                   negative_limit_hours=to_hours(row.negative_limit_minutes), holidays_free=row.holidays_free)

    def as_detail(self) -> dict[str, float | bool]:
        return {"extra_hours": self.extra_hours, "negative_limit_hours": self.negative_limit_hours,
                "holidays_free": self.holidays_free}


def parse_hours(text: str, what: str) -> float:
    """A number of hours from a form field: "7,5", "7.5" or "40"; at most two decimals, 0 to MAX_HOURS."""
    cleaned = text.strip().replace(" ", "")
    if not cleaned:
        raise SettingsError(f"Vul bij {what} een aantal uren in (0 als er geen zijn).")
    if cleaned.startswith("-"):
        raise SettingsError(f"{what[:1].upper()}{what[1:]} kan niet negatief zijn.")
    if not _HOURS.fullmatch(cleaned):
        raise SettingsError(f"{what[:1].upper()}{what[1:]}: '{text.strip()[:20]}' is geen aantal uren; "
                            "schrijf bijvoorbeeld 7,5.")
    hours = float(cleaned.replace(",", "."))
    if hours > MAX_HOURS:
        raise SettingsError(f"{what[:1].upper()}{what[1:]}: {format_hours(hours)} uur is meer dan de "
                            f"{format_hours(MAX_HOURS)} uur van een heel werkjaar.")
    return hours


def format_hours(hours: float) -> str:
    """Hours the Dutch way: "7,5", "40"."""
    return f"{hours:g}".replace(".", ",")


def get_settings(engine: Engine, employer_id: str) -> LeaveRules:
    """The employer's rules (the defaults when none were saved)."""
    with Session(engine) as session:
        row = session.get(LeaveSettings, employer_id)
    return LeaveRules.of(row or LeaveSettings(employer_id=employer_id))


def save_settings(engine: Engine, employer_id: str, rules: LeaveRules, *, actor: str) -> LeaveRules:
    """Store the employer's rules; an audit event keeps the old and new values when they changed.

    LookupError when the employer does not exist; SettingsError for hours out of range."""
    for hours, what in ((rules.extra_hours, "bovenwettelijk verlof"), (rules.negative_limit_hours, "negatief saldo")):
        if not 0 <= hours <= MAX_HOURS:
            raise SettingsError(f"{what[:1].upper()}{what[1:]} moet tussen 0 en {format_hours(MAX_HOURS)} uur liggen.")
    try:
        return _save(engine, employer_id, rules, actor=actor)
    except IntegrityError:  # another save made the row first: ours becomes an update of it
        return _save(engine, employer_id, rules, actor=actor)


def _save(engine: Engine, employer_id: str, rules: LeaveRules, *, actor: str) -> LeaveRules:
    with Session(engine) as session:
        if session.get(Employer, employer_id) is None:
            raise LookupError(employer_id)
        row = session.get(LeaveSettings, employer_id, with_for_update=True)
        old = LeaveRules.of(row or LeaveSettings(employer_id=employer_id))
        if row is None:
            row = LeaveSettings(employer_id=employer_id)
        row.extra_minutes_per_year = to_minutes(rules.extra_hours)
        row.negative_limit_minutes = to_minutes(rules.negative_limit_hours)
        row.holidays_free = rules.holidays_free
        new = LeaveRules.of(row)
        if new != old:
            session.add(row)
            session.add(AuditEvent(actor=actor, action="leave_settings_changed", subject_type="employer",
                                   subject_id=employer_id, detail={"old": old.as_detail(), "new": new.as_detail()}))
        session.commit()
        return new
