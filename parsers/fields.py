"""The fields of each mutation type, with their normal forms.

One pydantic model per type (`shared/spec/mutations.md`). Validators here only bring
values into their normal form (IBAN compact and upper-case, postcode `1234 AB`, BSN
nine digits); they never reject a value for its content. Whether a value is *right*
(an IBAN checksum, a plausible date, a required field) is judged by the rules in
`parsers.validation`, which add readable issues instead of failing, so that a reviewer
always gets a draft to correct.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict

from parsers.numbers import parse_number

MutationType = Literal[
    "hire",
    "termination",
    "sick",
    "recovery",
    "hours",
    "salary_change",
    "hours_change",
    "one_off_payment",
    "expense",
    "personal_data_change",
]
HoursKind = Literal["worked", "overtime", "extra", "irregular"]
SalaryPeriod = Literal["month", "four_weeks", "week", "hour", "year"]

PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _number(value: Any) -> Any:
    """Accept "7,5" and "3.450,00" as well as numbers; 3450.0 becomes 3450, which reads better."""
    if isinstance(value, str):
        parsed = parse_number(value)
        if parsed is None:
            return value
        value = parsed
    if isinstance(value, float):
        return int(value) if value.is_integer() else round(value, 2)
    return value


Number = Annotated[int | float, BeforeValidator(_number)]


def _iban(value: Any) -> Any:
    return re.sub(r"[\s.\-]", "", value).upper() if isinstance(value, str) else value


def _bsn(value: Any) -> Any:
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, str):
        digits = re.sub(r"[\s.\-]", "", value)
        # An 8-digit BSN is written without its leading zero now and then.
        return digits.zfill(9) if digits.isdigit() and len(digits) == 8 else digits
    return value


def _postal_code(value: Any) -> Any:
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d{4})\s*([A-Za-z]{2})\s*", value)
        if match:
            return f"{match.group(1)} {match.group(2).upper()}"
        return value.strip()
    return value


def _text(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return " ".join(value.split()) if isinstance(value, str) else value


def _phone(value: Any) -> Any:
    if isinstance(value, int):
        return str(value)
    # Digits as written: spaces and dashes go, a leading + stays.
    return re.sub(r"[\s\-().]", "", value) if isinstance(value, str) else value


def _period(value: Any) -> Any:
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    return value


Text = Annotated[str, BeforeValidator(_text)]
Iban = Annotated[str, BeforeValidator(_iban)]
Bsn = Annotated[str, BeforeValidator(_bsn)]
PostalCode = Annotated[str, BeforeValidator(_postal_code)]
Phone = Annotated[str, BeforeValidator(_phone)]
Period = Annotated[str, BeforeValidator(_period)]
Email = Annotated[str, BeforeValidator(lambda v: v.strip().lower() if isinstance(v, str) else v)]


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HireFields(_Fields):
    start_date: dt.date | None = None
    job_title: Text | None = None
    hours_per_week: Number | None = None
    salary_amount: Number | None = None
    salary_period: SalaryPeriod | None = None
    contract_end_date: dt.date | None = None
    birth_date: dt.date | None = None
    bsn: Bsn | None = None
    iban: Iban | None = None
    email: Email | None = None
    phone: Phone | None = None
    street: Text | None = None
    house_number: Text | None = None
    postal_code: PostalCode | None = None
    city: Text | None = None


class TerminationFields(_Fields):
    end_date: dt.date | None = None
    reason: Text | None = None


class SickFields(_Fields):
    start_date: dt.date | None = None
    percentage: Number | None = 100


class RecoveryFields(_Fields):
    date: dt.date | None = None
    percentage: Number | None = 100


class HoursFields(_Fields):
    hours: Number | None = None
    kind: HoursKind | None = None
    period: Period | None = None
    date: dt.date | None = None
    rate_percentage: Number | None = None


class SalaryChangeFields(_Fields):
    effective_date: dt.date | None = None
    salary_amount: Number | None = None
    salary_period: SalaryPeriod | None = None


class HoursChangeFields(_Fields):
    effective_date: dt.date | None = None
    hours_per_week: Number | None = None


class PaymentFields(_Fields):
    amount: Number | None = None
    description: Text | None = None
    period: Period | None = None


class PersonalDataFields(_Fields):
    iban: Iban | None = None
    street: Text | None = None
    house_number: Text | None = None
    postal_code: PostalCode | None = None
    city: Text | None = None
    last_name: Text | None = None
    email: Email | None = None
    phone: Phone | None = None
    effective_date: dt.date | None = None


FIELD_MODELS: dict[str, type[_Fields]] = {
    "hire": HireFields,
    "termination": TerminationFields,
    "sick": SickFields,
    "recovery": RecoveryFields,
    "hours": HoursFields,
    "salary_change": SalaryChangeFields,
    "hours_change": HoursChangeFields,
    "one_off_payment": PaymentFields,
    "expense": PaymentFields,
    "personal_data_change": PersonalDataFields,
}

# Required per type, as the spec marks them in bold; personal data needs at least one
# of its data fields, which `parsers.validation` checks separately.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "hire": ("start_date",),
    "termination": ("end_date",),
    "sick": ("start_date", "percentage"),
    "recovery": ("date", "percentage"),
    "hours": ("hours", "kind"),
    "salary_change": ("effective_date", "salary_amount"),
    "hours_change": ("effective_date", "hours_per_week"),
    "one_off_payment": ("amount",),
    "expense": ("amount",),
    "personal_data_change": (),
}
PERSONAL_DATA_FIELDS = ("iban", "street", "house_number", "postal_code", "city", "last_name",
                        "email", "phone")


def normalize_fields(mutation_type: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The fields in their normal JSON form (ISO dates, plain numbers), None left out."""
    model = FIELD_MODELS[mutation_type].model_validate(fields)
    return model.model_dump(mode="json", exclude_none=True)
