"""Dutch and English words for mutation types and fields, as a payroll clerk says them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from parsers.models import LeaveRequest, Mutation

TYPE_LABELS: dict[str, dict[str, str]] = {
    "hire": {"nl": "indienstmelding", "en": "new hire"},
    "termination": {"nl": "uitdienstmelding", "en": "termination"},
    "sick": {"nl": "ziekmelding", "en": "sick report"},
    "recovery": {"nl": "herstelmelding", "en": "recovery report"},
    "hours": {"nl": "uren", "en": "hours"},
    "salary_change": {"nl": "salariswijziging", "en": "salary change"},
    "hours_change": {"nl": "wijziging contracturen", "en": "change of contract hours"},
    "one_off_payment": {"nl": "eenmalige uitkering", "en": "one-off payment"},
    "expense": {"nl": "declaratie", "en": "expense claim"},
    "personal_data_change": {"nl": "wijziging persoonsgegevens", "en": "change of personal details"},
    "leave": {"nl": "verlof met gevolgen voor het loon", "en": "leave that changes pay"},
}

FIELD_LABELS: dict[str, dict[str, str]] = {
    "start_date": {"nl": "ingangsdatum", "en": "start date"},
    "end_date": {"nl": "laatste werkdag", "en": "last working day"},
    "effective_date": {"nl": "ingangsdatum", "en": "effective date"},
    "date": {"nl": "datum", "en": "date"},
    "percentage": {"nl": "percentage", "en": "percentage"},
    "hours": {"nl": "uren", "en": "hours"},
    "kind": {"nl": "soort uren", "en": "kind of hours"},
    "period": {"nl": "periode", "en": "period"},
    "rate_percentage": {"nl": "toeslagpercentage", "en": "rate"},
    "salary_amount": {"nl": "salaris", "en": "salary"},
    "salary_period": {"nl": "salarisperiode", "en": "salary period"},
    "hours_per_week": {"nl": "uren per week", "en": "hours per week"},
    "amount": {"nl": "bedrag", "en": "amount"},
    "description": {"nl": "omschrijving", "en": "description"},
    "job_title": {"nl": "functie", "en": "job title"},
    "contract_end_date": {"nl": "einddatum contract", "en": "contract end date"},
    "birth_date": {"nl": "geboortedatum", "en": "date of birth"},
    "bsn": {"nl": "BSN", "en": "BSN"},
    "iban": {"nl": "IBAN", "en": "IBAN"},
    "email": {"nl": "e-mailadres", "en": "e-mail address"},
    "phone": {"nl": "telefoonnummer", "en": "phone number"},
    "street": {"nl": "straat", "en": "street"},
    "house_number": {"nl": "huisnummer", "en": "house number"},
    "postal_code": {"nl": "postcode", "en": "postcode"},
    "city": {"nl": "woonplaats", "en": "city"},
    "last_name": {"nl": "achternaam", "en": "last name"},
    "reason": {"nl": "reden", "en": "reason"},
    "leave_type": {"nl": "soort verlof", "en": "kind of leave"},
    "first_day": {"nl": "eerste verlofdag", "en": "first day of leave"},
    "last_day": {"nl": "laatste verlofdag", "en": "last day of leave"},
    "withdrawn": {"nl": "ingetrokken", "en": "withdrawn"},
}


def type_label(mutation_type: str, language: str = "nl") -> str:
    return TYPE_LABELS.get(mutation_type, {}).get(language, mutation_type)


def field_label(field: str, language: str = "nl") -> str:
    return FIELD_LABELS.get(field, {}).get(language, field)


def mutation_label(mutation: Mutation, language: str = "nl") -> str:
    """"Sem de Jong (indienstmelding)", for lists and issue messages."""
    who = mutation.employee_name or mutation.employee_id or ("onbekend" if language == "nl" else "unknown")
    return f"{who} ({type_label(mutation.type, language)})"


_KIND_WORDS = {"worked": {"nl": "gewerkte uren", "en": "hours worked"},
               "overtime": {"nl": "overuren", "en": "overtime"},
               "extra": {"nl": "meeruren", "en": "extra hours"},
               "irregular": {"nl": "ORT-uren", "en": "unsocial hours"}}
_PERIOD_WORDS = {"month": {"nl": "per maand", "en": "per month"}, "hour": {"nl": "per uur", "en": "per hour"},
                 "week": {"nl": "per week", "en": "per week"}, "four_weeks": {"nl": "per 4 weken", "en": "per 4 weeks"},
                 "year": {"nl": "per jaar", "en": "per year"}}
_MONEY_FIELDS = {"salary_amount", "amount"}


def money(value: float, language: str = "nl") -> str:
    """€ 3.450,00 in Dutch, € 3,450.00 in English."""
    text = f"{value:,.2f}"
    return "€ " + (text.replace(",", "X").replace(".", ",").replace("X", ".") if language == "nl" else text)


def field_value(field: str, value: object, language: str = "nl") -> str:
    """A field's value as a payroll clerk writes it."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return f"{value[8:]}-{value[5:7]}-{value[:4]}"
    if field in _MONEY_FIELDS and isinstance(value, int | float):
        return money(float(value), language)
    if field == "kind" and isinstance(value, str):
        return _KIND_WORDS.get(value, {}).get(language, value)
    if field == "leave_type" and isinstance(value, str):
        return LEAVE_LABELS.get(value, {}).get(language, value)
    if field == "withdrawn" and isinstance(value, bool):
        return ("ja" if value else "nee") if language == "nl" else ("yes" if value else "no")
    if field == "salary_period" and isinstance(value, str):
        return _PERIOD_WORDS.get(value, {}).get(language, value)
    if field in ("percentage", "rate_percentage"):
        return f"{value}%"
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",") if language == "nl" else f"{value:g}"
    return str(value)


def describe_fields(fields: dict[str, object], language: str = "nl") -> str:
    """"uren: 7,5, soort uren: overuren, periode: 2026-02" for lists and confirmations."""
    return ", ".join(f"{field_label(k, language)}: {field_value(k, v, language)}" for k, v in fields.items())


LEAVE_LABELS = {"vacation": {"nl": "vakantieverlof", "en": "holiday"},
                "special": {"nl": "bijzonder verlof", "en": "special leave"},
                "parental": {"nl": "ouderschapsverlof", "en": "parental leave"},
                "unpaid": {"nl": "onbetaald verlof", "en": "unpaid leave"},
                "care": {"nl": "zorgverlof", "en": "care leave"}}


def describe_leave(request: LeaveRequest, language: str = "nl") -> str:
    """"vakantieverlof van 03-08-2026 t/m 07-08-2026" as the bot and the CLI say it."""
    kind = LEAVE_LABELS[request.leave_type][language]
    start, end = (f"{d:%d-%m-%Y}" for d in (request.start_date, request.end_date))
    when = (f"op {start}" if language == "nl" else f"on {start}") if start == end else \
        (f"van {start} t/m {end}" if language == "nl" else f"from {start} to {end}")
    extra = ""
    if request.hours:
        extra = f", {request.hours:g} uur" if language == "nl" else f", {request.hours:g} hours"
    elif request.part_of_day:
        words = {"morning": {"nl": "ochtend", "en": "morning"}, "afternoon": {"nl": "middag", "en": "afternoon"}}
        extra = f", {words[request.part_of_day][language]}"
    return f"{kind} {when}{extra}"
