"""Rules that judge a mutation's fields and explain what is wrong, in Dutch.

Each rule is a small function that looks at one thing and returns issues; none of them
rejects a draft. The queue shows the issues beside the fields, so a reviewer sees at
once what to check ("BSN voldoet niet aan de 11-proef", "ontbreekt: BSN, geboortedatum").
The same rules run when a reviewer edits a draft.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from stdnum import iban as stdnum_iban
from stdnum.nl import bsn as stdnum_bsn
from stdnum.nl import postcode as stdnum_postcode

from parsers.fields import PERSONAL_DATA_FIELDS, REQUIRED_FIELDS, normalize_fields
from parsers.labels import field_label
from parsers.models import Issue

Fields = dict[str, Any]
Rule = Callable[[str, Fields, dt.date], list[Issue]]

# What payroll needs before a new employee can be paid, beyond the spec's required start date.
HIRE_PAYROLL_FIELDS = ("birth_date", "bsn", "iban", "street", "house_number", "postal_code", "city",
                       "hours_per_week", "salary_amount")


def _error(message: str, field: str | None = None) -> Issue:
    return Issue(severity="error", message=message, field=field)


def _warning(message: str, field: str | None = None) -> Issue:
    return Issue(severity="warning", message=message, field=field)


def required_present(mutation_type: str, fields: Fields, reference: dt.date) -> list[Issue]:
    missing = [f for f in REQUIRED_FIELDS[mutation_type] if fields.get(f) in (None, "")]
    if mutation_type == "personal_data_change" and not any(fields.get(f) for f in PERSONAL_DATA_FIELDS):
        return [_error("ontbreekt: de nieuwe gegevens (IBAN, adres, naam, e-mail of telefoon)")]
    if not missing:
        return []
    return [_error("ontbreekt: " + ", ".join(field_label(f) for f in missing), missing[0])]


def hire_complete(mutation_type: str, fields: Fields, reference: dt.date) -> list[Issue]:
    if mutation_type != "hire":
        return []
    missing = [f for f in HIRE_PAYROLL_FIELDS if fields.get(f) in (None, "")]
    if {"street", "house_number", "postal_code", "city"} <= set(missing):
        missing = [f for f in missing if f not in ("house_number", "postal_code", "city")]
    if not missing:
        return []
    labels = ["adres" if f == "street" and "postal_code" not in fields else field_label(f) for f in missing]
    return [_warning("ontbreekt: " + ", ".join(labels), missing[0])]


def bsn_valid(mutation_type: str, fields: Fields, reference: dt.date) -> list[Issue]:
    value = fields.get("bsn")
    if value and not stdnum_bsn.is_valid(str(value)):
        return [_error(f"BSN {value} voldoet niet aan de 11-proef", "bsn")]
    return []


def iban_valid(mutation_type: str, fields: Fields, reference: dt.date) -> list[Issue]:
    value = fields.get("iban")
    if value and not stdnum_iban.is_valid(str(value)):
        return [_error(f"IBAN {value} is ongeldig (controlegetal klopt niet)", "iban")]
    return []


def postal_code_valid(mutation_type: str, fields: Fields, reference: dt.date) -> list[Issue]:
    value = fields.get("postal_code")
    if value and not stdnum_postcode.is_valid(str(value)):
        return [_warning(f"postcode {value} is geen Nederlandse postcode", "postal_code")]
    return []


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


# (field, days before the mail, days after the mail) that a date can sensibly lie in.
_DATE_WINDOWS: dict[str, dict[str, tuple[int, int]]] = {
    "sick": {"start_date": (366, 14)},
    "recovery": {"date": (366, 31)},
    "termination": {"end_date": (366, 730)},
    "hire": {"start_date": (92, 366), "contract_end_date": (0, 3660)},
    "salary_change": {"effective_date": (366, 366)},
    "hours_change": {"effective_date": (366, 366)},
    "hours": {"date": (400, 31)},
    "personal_data_change": {"effective_date": (366, 366)},
}


def dates_plausible(mutation_type: str, fields: Fields, reference: dt.date) -> list[Issue]:
    issues = []
    for name, (before, after) in _DATE_WINDOWS.get(mutation_type, {}).items():
        value = _as_date(fields.get(name))
        if value is None:
            continue
        if value < reference - dt.timedelta(days=before) or value > reference + dt.timedelta(days=after):
            issues.append(_warning(f"{field_label(name)} {value:%d-%m-%Y} ligt ver van de maildatum "
                                   f"{reference:%d-%m-%Y}; klopt het jaar?", name))
    birth = _as_date(fields.get("birth_date"))
    if birth is not None:
        age = (reference - birth).days / 365.25
        if not 13 <= age <= 80:
            issues.append(_warning(f"geboortedatum {birth:%d-%m-%Y} geeft een leeftijd van {age:.0f} jaar",
                                   "birth_date"))
    start, end = _as_date(fields.get("start_date")), _as_date(fields.get("contract_end_date"))
    if start and end and end < start:
        issues.append(_error("einddatum contract ligt vóór de ingangsdatum", "contract_end_date"))
    return issues


# (field, lowest, highest) for numbers, per type, with the unit for the message.
_NUMBER_RANGES: dict[str, list[tuple[str, float, float, str]]] = {
    "hours": [("hours", 0.01, 400, "uur"), ("rate_percentage", 100, 300, "%")],
    "hours_change": [("hours_per_week", 1, 60, "uur per week")],
    "hire": [("hours_per_week", 1, 60, "uur per week")],
    "sick": [("percentage", 1, 100, "%")],
    "recovery": [("percentage", 1, 100, "%")],
    "one_off_payment": [("amount", 0.01, 100_000, "euro")],
    "expense": [("amount", 0.01, 10_000, "euro")],
}
_SALARY_RANGES = {"hour": (9, 250), "week": (300, 6_000), "four_weeks": (1_100, 25_000),
                  "month": (1_200, 30_000), "year": (14_000, 400_000)}


def numbers_plausible(mutation_type: str, fields: Fields, reference: dt.date) -> list[Issue]:
    issues = []
    for name, low, high, unit in _NUMBER_RANGES.get(mutation_type, []):
        value = fields.get(name)
        if isinstance(value, int | float) and not low <= value <= high:
            issues.append(_warning(f"{field_label(name)} {value:g} {unit} is ongebruikelijk; klopt dit?", name))
    amount, period = fields.get("salary_amount"), fields.get("salary_period")
    if isinstance(amount, int | float) and period in _SALARY_RANGES:
        low, high = _SALARY_RANGES[period]
        if not low <= amount <= high:
            per = {"hour": "per uur", "week": "per week", "four_weeks": "per 4 weken", "month": "per maand",
                   "year": "per jaar"}[period]
            issues.append(_warning(f"salaris € {amount:,.2f} {per} is ongebruikelijk; klopt het bedrag of "
                                   f"de periode?".replace(",", "X").replace(".", ",").replace("X", "."),
                                   "salary_amount"))
    return issues


RULES: tuple[Rule, ...] = (required_present, hire_complete, bsn_valid, iban_valid, postal_code_valid,
                           dates_plausible, numbers_plausible)


def validate(mutation_type: str, fields: Fields, *, reference: dt.date) -> list[Issue]:
    """Every rule's issues for fields as a form or a parser gives them (normalised first)."""
    return validate_normal(mutation_type, normalize_fields(mutation_type, fields), reference=reference)


def validate_normal(mutation_type: str, fields: Fields, *, reference: dt.date) -> list[Issue]:
    """Every rule's issues for fields already in normal form (a `Mutation`'s fields)."""
    issues: list[Issue] = []
    for rule in RULES:
        issues.extend(rule(mutation_type, fields, reference))
    return issues
