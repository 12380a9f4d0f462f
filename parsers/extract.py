"""The fields of one mutation, read from the clause that states it.

Each `fields_for_<type>` takes the words about one person and one change ("per 1 april
een loonsverhoging naar € 3.450,- bruto per maand") and returns what they state. Dates
resolve against the mail's date, leaning the way the type suggests: a sick report looks
back ("sinds maandag"), a change looks ahead ("per 1 juli").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from parsers.dates import MONTHS, DateMention, Prefer, find_dates, find_months, period_of
from parsers.numbers import Quantity, find_amounts, find_numbers, find_percentages, parse_number
from parsers.values import (
    find_address,
    find_bsn,
    find_emails,
    find_ibans,
    find_job_title,
    find_phones,
    salary_period_near,
)

# Words right before a date that make it the first day of something new, so the last
# day of the old situation is the day before ("uit dienst per 1 juli" → 30 juni).
_FROM_WORDS_RE = re.compile(
    r"(?:\bper|\bvanaf|\bm\.i\.v\.?|met\s+ingang\s+van|\bas\s+of|\bfrom|\beffective|with\s+effect\s+from|"
    r"\bstarting|\bingangsdatum:?|\bingaande|gaat\s+in\s+(?:op|per)?|takes\s+effect\s+(?:on)?)\s*$", re.IGNORECASE)
_LAST_DAY_RE = re.compile(r"laatste\s+(?:werk)?dag|last\s+(?:working\s+)?day|t/m|tot\s+en\s+met|until|through",
                          re.IGNORECASE)
_UNTIL_WORDS_RE = re.compile(r"(?:\bt/m|\btot\s+en\s+met|\btot|\buntil|\btill|\bthrough|\beinde|\bend(?:s|ing)?"
                             r"|\beinddatum|\bend\s+date|\bloopt\s+tot)\s*(?:\w+\s+){0,2}$", re.IGNORECASE)
_BIRTH_WORDS_RE = re.compile(r"(?:geboren|geboortedatum|geb\.|born|birth|dob)\W*(?:\w+\W+){0,2}$", re.IGNORECASE)
_HOURS_UNIT_RE = re.compile(r"^\s*(?:uur|uren|u\b|hours?|hrs?|h\b|overuren|meeruren|over-?uren|ort|extra|"
                            r"meer|overtime)", re.IGNORECASE)
_PER_WEEK_RE = re.compile(r"^\s*(?:-\s*)?(?:uur|uren|hours?|hrs?|u|h)?\s*(?:per|p/?|a|in\s+de|/)\s*(?:week|wk|w)\b"
                          r"|^\s*-?\s*urige?\b|^\s*(?:uur|uren|hours?)?\s*(?:contract|werkweek|week)",
                          re.IGNORECASE)
# "24 uur werken", "op 36 uur": contract hours without "per week".
_WORK_HOURS_RE = re.compile(r"^\s*(?:uur|uren|hours?|hrs?)\s+(?:per\s+week\s+|in\s+de\s+week\s+)?"
                            r"(?:(?:gaan|gaat|zal|zou|wil|te)\s+)?"
                            r"(?:werken|work|working)\b", re.IGNORECASE)
# Words before a number that make it the old value, not the new one.
_OLD_VALUE_RE = re.compile(r"(?:\bipv|\bi\.p\.v\.?|in\s+plaats\s+van|instead\s+of|on\s+top\s+of\s+(?:his|her|their)|"
                           r"boven(?:op)?\s+(?:zijn|haar)|\(was|\(nu|\(now|\(currently|\(previously|\bnot|\bniet|"
                           r"nu\s+is\s+dat(?:\s+nog)?|was\s+(?:it|dat)|currently)\s*(?:€|eur)?\s*$", re.IGNORECASE)
_FROM_RE = re.compile(r"\b(?:van|from)\s*(?:€|eur)?\s*$", re.IGNORECASE)
_TO_RE = re.compile(r"\b(?:naar|to|tot)\b", re.IGNORECASE)


def _is_old_value(text: str, start: int, end: int) -> bool:
    """"in plaats van 32", "(was 3.520)", "van 40 naar 32": a number that is what it used to be."""
    before = text[:start][-25:]
    # "krijgt er € 1,25 per uur bij": a raise, not the new wage.
    raise_only = bool(re.search(r"\ber\s+(?:€|eur)?\s*$", before, re.I)
                      and re.match(r"[^.;,]{0,20}\bbij\b", text[end:]))
    return raise_only or bool(_OLD_VALUE_RE.search(before) or (_FROM_RE.search(before) and
                                                               _TO_RE.search(text[end:end + 30])))


_FUTURE_TENSE_RE = re.compile(r"\b(?:will|'ll|’ll|going\s+to|gaat|gaan|zal|zullen|komt|komen|begint|starts?)\b",
                              re.IGNORECASE)
_HALF_RE = re.compile(r"\b(?:halve\s+dagen|halve\s+dag|halftime|halve\s+tijd|half\s+days?|part[-\s]time|"
                      r"parttime|deeltijd|gedeeltelijk|partly|partially)\b", re.IGNORECASE)
_FULL_RE = re.compile(r"\b(?:volledig\s+(?:hersteld|aan\s+het\s+werk|aan\s+de\s+slag|hervat|beter)|weer\s+volledig|"
                      r"full[-\s]?time|fully\s+(?:recovered|fit|back)|helemaal\s+(?:hersteld|beter)|100\s*%)",
                      re.IGNORECASE)
_PAYROLL_RE = re.compile(r"(?:salaris\w*|loon\w*|verloning|uitbetaling|payroll|salar(?:y|ies)|pay\s*run|paycheck|"
                         r"payslip|loonrun|run|\bmee\s+(?:in|met)|meenemen\s+(?:in|met)|uitbetalen\s+in|paid\s+in|"
                         r"payable\s+(?:in|with))", re.IGNORECASE)
_LAST_NAME_RE = re.compile(
    r"(?:achternaam|last\s+name|surname|family\s+name)\s+(?:[\w'’]+\s+){0,3}?(?:wordt|is\s+nu|is\s+voortaan|naar|"
    r"to|changed\s+to|becomes|become|will\s+be|is\s+now|:)\s*(?P<name>(?:(?:van|de|der|den|ter|ten|el)\s+)*[A-Z][\w'’\-]+)"
    r"|achternaam\s+(?P<name3>(?:(?:van|de|der|den|ter|ten|el)\s+)*[A-Z][\w'’\-]+)\s+(?:te\s+(?:voeren|dragen|gebruiken)|"
    r"aan\s+te\s+nemen|aannemen|in\b|op\b|gebruiken|voeren|dragen)"
    r"|(?:heet\s+(?:nu|voortaan)|is\s+now\s+called)\s+(?P<name2>(?:(?:van|de|der|den|ter|ten|el)\s+)*"
    r"[A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-]+)?)"
)
_EMAIL_CUE_RE = re.compile(r"e-?mail|mail\s*adres|mailadres", re.IGNORECASE)
_PHONE_CUE_RE = re.compile(r"\b(?:telefoon\w*|mobiel\w*|(?:mobiele?\s+)?nummer|phone|mobile|number|tel|gsm)\b",
                           re.IGNORECASE)


@dataclass(frozen=True)
class Facts:
    """Everything a clause states that fields are made of, found once."""

    text: str
    dates: list[DateMention]
    amounts: list[Quantity]
    percentages: list[Quantity]
    numbers: list[Quantity]  # plain numbers that are no date, amount, percentage or code

    @classmethod
    def of(cls, text: str) -> Facts:
        dates = find_dates(text)
        amounts = find_amounts(text)
        percentages = find_percentages(text)
        used = [(d.start, d.end) for d in dates] + [(a.start, a.end) for a in amounts] + \
               [(p.start, p.end) for p in percentages] + _code_spans(text)
        numbers = [n for n in find_numbers(text) if not any(a <= n.start < b for a, b in used)]
        return cls(text, dates, amounts, percentages, numbers)

    def date(self, reference: dt.date, prefer: Prefer, *, skip_birth: bool = True) -> dt.date | None:
        if _FUTURE_TENSE_RE.search(self.text):
            # "he'll work again from Wednesday", "gaat vanaf maandag weer werken".
            prefer = "future"
        for mention in self.dates:
            before = self.text[:mention.start]
            if skip_birth and _BIRTH_WORDS_RE.search(before[-30:]):
                continue
            if _UNTIL_WORDS_RE.search(before[-25:]):
                continue
            resolved = mention.resolve(reference, prefer)
            if resolved:
                return resolved
        return None


def _code_spans(text: str) -> list[tuple[int, int]]:
    """IBANs, BSNs, phone numbers, postcodes, e-mail addresses, personnel numbers: not quantities."""
    spans = [(f.start, f.end) for f in find_ibans(text)] + [(f.start, f.end) for f in find_phones(text)]
    spans += [(f.start, f.end) for f in find_emails(text)]
    spans += [(m.start(), m.end()) for m in re.finditer(r"\b\d{4}\s?[A-Z]{2}\b|\b\d{7,}\b", text)]
    spans += [(m.start(), m.end()) for m in re.finditer(r"\b(?:pnr|nr|nummer|personeelsnummer)\.?\s*:?\s*\d+",
                                                        text, re.IGNORECASE)]
    # "week 23" is a week number; "vorige week 6 overuren" is six hours.
    spans += [(m.start(), m.end()) for m in re.finditer(
        r"(?<!vorige )(?<!afgelopen )(?<!deze )(?<!volgende )(?<!last )(?<!this )(?<!next )\b(?:wk|week)\s*\d{1,2}\b"
        r"(?!\s*(?:uur|uren|u\b|hours?|hrs?|overuren|meeruren|extra))", text, re.IGNORECASE)]
    return spans


Fields = dict[str, Any]


def fields_for_sick(f: Facts, reference: dt.date) -> Fields:
    fields: Fields = {"start_date": f.date(reference, "past")}
    percentage = next((p.value for p in f.percentages if 0 < p.value <= 100), None)
    fields["percentage"] = percentage if percentage is not None else 100
    return fields


def fields_for_recovery(f: Facts, reference: dt.date) -> Fields:
    fields: Fields = {"date": f.date(reference, "past")}
    percentage = next((p.value for p in f.percentages if 0 < p.value <= 100), None)
    if percentage is None:
        percentage = 50 if _HALF_RE.search(f.text) and not _FULL_RE.search(f.text) else 100
    fields["percentage"] = percentage
    return fields


_ENDS_RE = re.compile(r"(?:\bends?|\bending|\beindigt|\beinde|laatste\s+(?:werk)?dag|"
                      r"last\s+(?:working\s+)?(?:day|shift)|\bleaves?\s+on|\bt/m|tot\s+en\s+met|\buntil|\bloopt\s+af\s+op|\bper|\bas\s+of|\bfrom|"
                      r"met\s+ingang\s+van|\bvanaf|\beffective)\W*(?:\w+\W+){0,3}$", re.IGNORECASE)


def fields_for_termination(f: Facts, reference: dt.date) -> Fields:
    says_last_day = _LAST_DAY_RE.search(f.text)
    # "received 28 April … the notice period ends 31 May": the date that ends it counts.
    ending = [m for m in f.dates if _ENDS_RE.search(f.text[:m.start][-40:])]
    for mention in ending or f.dates:
        resolved = mention.resolve(reference, "future")
        if resolved is None:
            continue
        before = f.text[:mention.start]
        if not says_last_day and _FROM_WORDS_RE.search(before[-30:]):
            resolved -= dt.timedelta(days=1)
        return {"end_date": resolved}
    return {}


def hours_value(f: Facts, cue_start: int, cue_end: int) -> float | None:
    """The number of hours a cue is about: the number glued to it or to an hours unit."""
    if cue_start == cue_end:
        # A kind given by a heading ("Overuren februari:") over "Gerrit 4": the first number.
        return next((n.value for n in f.numbers if not _PER_WEEK_RE.match(f.text[n.end:])), None)
    best: tuple[int, float] | None = None
    for n in f.numbers:
        after = f.text[n.end:]
        if _PER_WEEK_RE.match(after) or _is_old_value(f.text, n.start, n.end):
            continue
        if not _HOURS_UNIT_RE.match(after) and not (n.end <= cue_start and not f.text[n.end:cue_start].strip()):
            continue
        distance = cue_start - n.end if n.end <= cue_start else n.start - cue_end
        distance = abs(distance)
        if best is None or distance < best[0]:
            best = (distance, n.value)
    return best[1] if best else None


_TIMES_RATE_RE = re.compile(r"(?<![\d.,])([1-3](?:[.,]\d{1,2})?)\s*[x×](?![\w])", re.IGNORECASE)


def rate_of(text: str, percentages: list[Quantity]) -> float | None:
    """"à 150%", "tegen 125%", "at 1.5x": the rate hours are paid at."""
    rate = next((p.value for p in percentages if 100 <= p.value <= 300), None)
    if rate is None:
        times = _TIMES_RATE_RE.search(text)
        value = parse_number(times.group(1)) if times else None
        if value is not None and 1 < value <= 3:
            rate = round(value * 100)
    return rate


def fields_for_hours(f: Facts, kind: str, cue_start: int, cue_end: int, reference: dt.date) -> Fields:
    fields: Fields = {"kind": kind, "hours": hours_value(f, cue_start, cue_end)}
    rate = rate_of(f.text, f.percentages)
    if rate is not None and kind != "extra":
        fields["rate_percentage"] = rate
    specific = next((d for d in f.dates if d.kind != "first_of_next_month"), None)
    if specific is not None:
        fields["date"] = specific.resolve(reference, "past")
    months = find_months(f.text, reference)
    if months:
        fields["period"] = months[0].period
    elif fields.get("date"):
        fields["period"] = fields["date"].strftime("%Y-%m")
    return fields


def contract_hours(f: Facts) -> float | None:
    """"32 uur per week", "28 hours a week", "een 24-urige werkweek" — not the old value."""
    for n in f.numbers:
        if _PER_WEEK_RE.match(f.text[n.end:]) and not _is_old_value(f.text, n.start, n.end):
            return n.value
    for n in f.numbers:
        if _WORK_HOURS_RE.match(f.text[n.end:]) and not _is_old_value(f.text, n.start, n.end):
            return n.value
    # "contracturen van 32 naar 28": the number after "naar"/"to".
    m = re.search(r"(?:naar|to|wordt|becomes)\s+(?P<n>\d+(?:[.,]\d+)?)\s*(?:uur|uren|hours?)?\b", f.text, re.I)
    return parse_number(m.group("n")) if m else None


def fields_for_hours_change(f: Facts, reference: dt.date) -> Fields:
    return {"effective_date": f.date(reference, "future"), "hours_per_week": contract_hours(f)}


PERIOD_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("hour", re.compile(r"uurloon|uurtarief|per\s+uur|hourly|per\s+hour|an\s+hour", re.I)),
    ("year", re.compile(r"jaarsalaris|jaarloon|per\s+jaar|annual\w*|per\s+(?:year|annum)|a\s+year|yearly", re.I)),
    ("four_weeks", re.compile(r"vierweken|4[-\s]?weken|four[-\s]week", re.I)),
    ("week", re.compile(r"weekloon|per\s+week|weekly", re.I)),
    ("month", re.compile(r"maandsalaris|maandloon|per\s+maand|monthly|per\s+month|a\s+month", re.I)),
]


def _period_before(text: str, start: int) -> str | None:
    """"monthly gross € 2.780", "annual salary of EUR 78,000": the period just before the amount."""
    before = text[max(0, start - 40):start]
    found = [(m.start(), period) for period, pattern in PERIOD_WORDS for m in pattern.finditer(before)]
    return max(found)[1] if found else None


def salary(f: Facts, context: str = "") -> tuple[float | None, str | None]:
    """The new salary and its period: the amount after "naar"/"to", never the old one."""
    candidates = [a for a in f.amounts if not _is_old_value(f.text, a.start, a.end)]
    if not candidates:
        # "Gerrit: 3.640 (was 3.520)" under a heading about wages: a bare number.
        candidates = [n for n in f.numbers if (n.value >= 100 or n.value != int(n.value))
                      and not _is_old_value(f.text, n.start, n.end)]
    if not candidates:
        return None, None
    chosen = candidates[0]
    for amount in candidates:
        if re.search(r"(?:naar|to|wordt|bedraagt|becomes|of|komt\s+(?:dan\s+)?op|totaal)\s*$",
                     f.text[:amount.start][-16:], re.I):
            chosen = amount
    period = salary_period_near(f.text, chosen.end) or _period_before(f.text, chosen.start)
    if period is None:
        words = f"{context} {f.text}"
        period = next((p for p, pattern in PERIOD_WORDS if pattern.search(words)), None)
    if period is None:
        period = "hour" if chosen.value < 100 else "month"
    return chosen.value, period


def fields_for_salary_change(f: Facts, reference: dt.date) -> Fields:
    amount, period = salary(f)
    return {"effective_date": f.date(reference, "future"), "salary_amount": amount, "salary_period": period}


def payroll_period(f: Facts, reference: dt.date) -> str | None:
    """The pay month a payment is tied to ("met het salaris van juni", "the November payroll")."""
    compound = _MONTH_COMPOUND_RE.search(f.text)
    if compound:
        # "met het decembersalaris", "de junirun".
        return period_of(reference, MONTHS[compound.group(1).lower()])
    for month in find_months(f.text, reference):
        before = f.text[max(0, month.start - 40):month.start]
        after = f.text[month.end:month.end + 15]
        if _PAYROLL_RE.search(before) or _PAYROLL_RE.match(after.strip()):
            return month.period
    return None


_MONTH_COMPOUND_RE = re.compile(r"\b(januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|"
                                r"december)(?:salaris|loon|run|betaling|verloning|uitbetaling)\b", re.IGNORECASE)
_MILEAGE_RE = re.compile(r"(?P<km>\d{1,5})\s*km\s*(?:a|à|x|×|\*|tegen|at)\s*(?:€|eur)?\s*(?P<rate>\d+[.,]\d{1,2})",
                         re.IGNORECASE)


def fields_for_payment(f: Facts, reference: dt.date, cue_start: int) -> Fields:
    mileage = _MILEAGE_RE.search(f.text)
    if mileage and not any(re.search(r"=\s*$", f.text[:a.start][-4:]) for a in f.amounts):
        # "120 km a 0,23": the claim is the product.
        rate = parse_number(mileage.group("rate")) or 0
        return {"amount": round(int(mileage.group("km")) * rate, 2), "period": payroll_period(f, reference)}
    if not f.amounts:
        return {"amount": None}
    # "412 km x € 0,23 = € 94,76": the result counts, not the rate.
    after_equals = [a for a in f.amounts if re.search(r"=\s*$", f.text[:a.start][-4:])]
    amount = after_equals[-1] if after_equals else min(f.amounts, key=lambda a: abs(a.start - cue_start))
    return {"amount": amount.value, "period": payroll_period(f, reference)}


def fields_for_personal_data(f: Facts, reference: dt.date, first_name: str | None = None) -> Fields:
    fields: Fields = {}
    ibans = find_ibans(f.text)
    if ibans:
        fields["iban"] = ibans[0].value
    address = find_address(f.text)
    if address and address.postal_code:
        fields.update(address.fields())
    m = _LAST_NAME_RE.search(f.text)
    if m:
        fields["last_name"] = m.group("name") or m.group("name2") or m.group("name3")
        if first_name and fields["last_name"].split()[0].casefold() == first_name.casefold():
            # "heet voortaan Lieke Hendriksen": the first name stays, the rest is the new last name.
            fields["last_name"] = fields["last_name"].split(None, 1)[-1]
    if _EMAIL_CUE_RE.search(f.text):
        emails = find_emails(f.text)
        if emails:
            fields["email"] = emails[0].value
    if _PHONE_CUE_RE.search(f.text):
        phones = [p for p in find_phones(f.text) if not any(i.start <= p.start < i.end for i in ibans)]
        if phones:
            fields["phone"] = phones[0].value
    if fields:
        fields["effective_date"] = _effective_date(f, reference)
    return fields


def _effective_date(f: Facts, reference: dt.date) -> dt.date | None:
    """A date the change takes effect ("per 1 mei", "as of 1 October"), not a wedding day."""
    for mention in f.dates:
        before = f.text[:mention.start][-30:]
        if _FROM_WORDS_RE.search(before) or mention.kind == "first_of_next_month":
            return mention.resolve(reference, "future")
        if re.search(r"\b(?:sinds|since)\s*$", before, re.IGNORECASE):
            # "woont sinds 1 april op …": the move took effect then.
            return mention.resolve(reference, "past")
    return None


def fields_for_hire(f: Facts, reference: dt.date) -> Fields:
    fields: Fields = {"start_date": f.date(reference, "future")}
    for mention in f.dates:
        before = f.text[:mention.start]
        if _UNTIL_WORDS_RE.search(before[-40:]):
            fields["contract_end_date"] = mention.resolve(reference, "future")
        elif _BIRTH_WORDS_RE.search(before[-30:]):
            fields["birth_date"] = mention.resolve(reference, "past")
    title = find_job_title(f.text)
    if title:
        fields["job_title"] = title.value
    fields["hours_per_week"] = contract_hours(f)
    if f.amounts:
        fields["salary_amount"], fields["salary_period"] = salary(f)
    bsn = find_bsn(f.text)
    if bsn:
        fields["bsn"] = bsn[0].value
    personal = fields_for_personal_data(f, reference)
    personal.pop("effective_date", None)
    personal.pop("last_name", None)
    if "email" not in personal and find_emails(f.text):
        personal["email"] = find_emails(f.text)[0].value
    fields.update(personal)
    return {k: v for k, v in fields.items() if v is not None}
