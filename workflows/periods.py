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
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
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


def draft_period(mutation_type: str, fields: dict[str, Any], received_at: dt.datetime) -> str:
    named = fields.get("period")
    if isinstance(named, str) and PERIOD.match(named):
        return named
    for name in DECIDING_DATES.get(mutation_type, ()):
        value = fields.get(name)
        if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", value):
            return value[:7]
    arrived = received_at if received_at.tzinfo else received_at.replace(tzinfo=dt.UTC)
    return arrived.astimezone(AMSTERDAM).strftime("%Y-%m")


def is_period(value: str) -> bool:
    return bool(PERIOD.match(value))
