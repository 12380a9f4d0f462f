"""Payroll periods: the month (YYYY-MM) a mutation belongs to.

A mutation that names its period keeps it; otherwise the date it takes effect decides
(first sick day, last day employed, effective date…); a mutation with neither belongs to
the month the mail arrived in, in Amsterdam.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2]|P(0[1-9]|1[0-3]))$")  # a month, or a four-weekly period
# The date that decides the period, per mutation type, in order of preference.
DECIDING_DATES: dict[str, tuple[str, ...]] = {
    "hire": ("start_date",),
    "termination": ("end_date",),
    "sick": ("start_date",),
    "recovery": ("date",),
    "hours": ("date",),
    "salary_change": ("effective_date",),
    "hours_change": ("effective_date",),
    "personal_data_change": ("effective_date",),
    "leave": ("first_day",),  # approved unpaid or parental leave (workflows/leave_drafts.py)
}


def deciding_date(mutation_type: str, fields: dict[str, Any]) -> dt.date | None:
    """The date the mutation takes effect, when its fields give one."""
    for name in DECIDING_DATES.get(mutation_type, ()):
        value = fields.get(name)
        if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                continue
    return None


def draft_period(mutation_type: str, fields: dict[str, Any], received_at: dt.datetime) -> str:
    """The month (YYYY-MM) a mutation belongs to; `workflows.payroll_periods` maps it onto a
    four-weekly employer's periods."""
    named = fields.get("period")
    if isinstance(named, str) and PERIOD.match(named):
        return named
    deciding = deciding_date(mutation_type, fields)
    if deciding is not None:
        return deciding.strftime("%Y-%m")
    arrived = received_at if received_at.tzinfo else received_at.replace(tzinfo=dt.UTC)
    return arrived.astimezone(AMSTERDAM).strftime("%Y-%m")


def is_period(value: str) -> bool:
    return bool(PERIOD.match(value))
