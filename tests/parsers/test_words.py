"""Unit tests for the small readers: numbers, dates, months, names, cues and values."""

from __future__ import annotations

import datetime as dt

import pytest

from parsers.cues import classify, find_cues
from parsers.dates import find_dates, find_months, period_of
from parsers.numbers import find_amounts, parse_hours, parse_number
from parsers.people import RosterIndex
from parsers.values import find_address, find_ibans, find_phones, salary_period_near

WEDNESDAY = dt.date(2026, 3, 18)


@pytest.mark.parametrize(("text", "value"), [
    ("€ 2.650,-", 2650), ("2650", 2650), ("3.100,00", 3100), ("3,900", 3900), ("86.40", 86.4),
    ("14,25", 14.25), ("1.000", 1000), ("7½", 7.5), ("0,5", 0.5), ("1.234.567,89", 1234567.89),
])
def test_it_reads_numbers_in_dutch_and_english_notation(text, value):
    assert parse_number(text.replace("€", "").strip()) == pytest.approx(value)


@pytest.mark.parametrize(("text", "value"), [("7,5", 7.5), ("7:30", 7.5), ("7.5 uur", 7.5), ("7½", 7.5),
                                             ("0:45", 0.75)])
def test_it_reads_hours_as_decimals(text, value):
    assert parse_hours(text) == pytest.approx(value)


def test_it_finds_amounts_only_where_money_is_marked():
    found = [a.value for a in find_amounts("€ 2.650,- en 2650 euro en EUR 3.100,00 en 12 uur en €15,50 per uur")]
    assert found == [2650, 2650, 3100, 15.5]


def _resolve(text: str, prefer: str = "nearest") -> list[dt.date | None]:
    return [m.resolve(WEDNESDAY, prefer) for m in find_dates(text)]  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "prefer", "expected"), [
    ("sinds maandag", "past", dt.date(2026, 3, 16)),
    ("since Tuesday", "past", dt.date(2026, 3, 17)),
    ("per 1 april", "future", dt.date(2026, 4, 1)),
    ("met ingang van 1 maart jl.", "future", dt.date(2026, 3, 1)),
    ("per 1-4", "future", dt.date(2026, 4, 1)),
    ("volgende week dinsdag", "future", dt.date(2026, 3, 24)),
    ("per de 1e", "future", dt.date(2026, 4, 1)),
    ("gisteren", "past", dt.date(2026, 3, 17)),
    ("vanochtend", "past", WEDNESDAY),
    ("June 1st", "future", dt.date(2026, 6, 1)),
    ("1 januari", "future", dt.date(2027, 1, 1)),
    ("vrijdag a.s.", "past", dt.date(2026, 3, 20)),
    ("03-11-2001", "past", dt.date(2001, 11, 3)),
    ("2026-10-14", "past", dt.date(2026, 10, 14)),
    ("31 December 2026", "past", dt.date(2026, 12, 31)),
])
def test_it_resolves_dates_against_the_mail_date(text, prefer, expected):
    assert _resolve(text, prefer)[0] == expected


def test_a_greeting_is_not_a_date():
    assert find_dates("Morgen,") == []
    assert find_dates("Goedemorgen Ria,") == []


def test_numbers_that_are_no_dates_stay_numbers():
    assert find_dates("24/7 bereikbaar, ma-vr 8-17") == []
    assert find_dates("in maart 6 uur") == []


def test_it_names_months_for_pay_periods():
    periods = [m.period for m in find_months("in maart, the November payroll, 07-2026, deze maand", WEDNESDAY)]
    assert periods == ["2026-03", "2025-11", "2026-07", "2026-03"]


def test_a_month_leans_to_the_past_but_next_month_is_ahead():
    assert period_of(WEDNESDAY, 2) == "2026-02"
    assert period_of(WEDNESDAY, 4) == "2026-04"
    assert period_of(dt.date(2026, 1, 5), 12) == "2025-12"


def test_the_verb_may_is_not_the_month():
    assert find_months("Could you check whether she may take leave?", WEDNESDAY) == []


def test_it_finds_employees_by_every_usual_form_of_their_name(roster):
    index = RosterIndex(roster.employer("garage-hoek"))

    def who(text: str) -> list[str]:
        return [m.employee.number for m in index.find(text) if m.employee]

    assert who("Stijn van der Linden") == ["73"]
    assert who("S. van der Linden") == ["73"]
    assert who("Stijn vd Linden") == ["73"]
    assert who("mevrouw Ramdin") == ["72"]
    assert who("Priya's loon") == ["72"]
    assert who("pnr 71 en Gerrit") == ["71", "71"]


def test_a_shared_last_name_is_ambiguous(roster):
    index = RosterIndex(roster.employer("garage-hoek"))
    mention = next(m for m in index.find("Verbeek is ziek") if m.match)
    assert mention.match.ambiguous
    assert sorted(e.number for e in mention.match.employees) == ["74", "75"]


def test_the_verb_zijn_is_no_pronoun_but_the_possessive_is(roster):
    index = RosterIndex(roster.employer("garage-hoek"))
    assert [m.pronoun for m in index.find("Ze zijn allebei ziek")] == ["third"]
    assert [m.pronoun for m in index.find("zijn laatste werkdag")] == ["third"]


def test_a_table_row_is_resolved_by_number_before_name(roster):
    index = RosterIndex(roster.employer("garage-hoek"))
    assert index.resolve(number="72", name="Verkeerde Naam").employee.number == "72"
    assert index.resolve(number=None, name="Ramdin, Priya").employee.number == "72"


@pytest.mark.parametrize(("text", "kind"), [
    ("Overuren 125%", ("hours", "overtime")), ("Meeruren", ("hours", "extra")), ("ORT", ("hours", "irregular")),
    ("Extra hours (meeruren)", ("hours", "extra")), ("Gewerkte uren", ("hours", "worked")),
    ("Declaratie reiskosten", ("expense", None)), ("Bonus", ("one_off_payment", None)),
    ("Ziek", ("sick", None)), ("Hersteld", ("recovery", None)), ("Uit dienst", ("termination", None)),
    ("Nieuw brutosalaris per maand", ("salary_change", None)),
    ("Wijziging contracturen per week", ("hours_change", None)),
])
def test_it_classifies_mutation_kinds_in_cells(text, kind):
    cue = classify(text)
    assert cue is not None and (cue.type, cue.kind) == kind


def test_a_negated_cue_does_not_count():
    assert [c.kind for c in find_cues("6 extra hours, no overtime premium")] == ["extra"]


def test_it_reads_ibans_addresses_phones_and_salary_periods():
    assert [f.value for f in find_ibans("IBAN: NL91 ABNA 0417 1643 00.")] == ["NL91ABNA0417164300"]
    address = find_address("verhuisd naar Burgemeester van Leeuwenlaan 12-b, 1064 KL Amsterdam.")
    assert address is not None
    assert address.fields() == {"street": "Burgemeester van Leeuwenlaan", "house_number": "12-b",
                                "postal_code": "1064 KL", "city": "Amsterdam"}
    assert [f.value for f in find_phones("bel 06-12345678 of +31 20 555 0199")] == ["0612345678", "+31205550199"]
    assert salary_period_near("€ 16,40 per uur", 7) == "hour"
    assert salary_period_near("3350 euro bruto pm", 9) == "month"
    assert salary_period_near("EUR 42.000 per year", 10) == "year"


def test_a_hurried_misspelling_of_a_cue_word_still_counts():
    assert [c.type for c in find_cues("priya heeft zich vanochtend zeik gemeld")] == ["sick"]
    assert [c.kind for c in find_cues("Gerrit 5 overuern")] == ["overtime"]


def test_a_word_one_letter_from_a_cue_is_not_taken_for_it():
    assert find_cues("Ik wil het even zien") == []


@pytest.mark.parametrize(("text", "months"), [
    ("Jan Visser heeft 4 uur gewerkt.", []),
    ("April de Vries is ziek.", []),
    ("June worked 5 hours.", []),
    ("Uren over Jan 2026", [(2026, 1)]),
    ("in April 4 uur extra", [(2026, 4)]),
    ("5 hours in June", [(2026, 6)]),
])
def test_a_month_that_is_also_a_first_name_needs_a_year_or_a_word_before_it(text: str, months: list) -> None:
    assert [(m.year, m.month) for m in find_months(text, dt.date(2026, 11, 27))] == months
