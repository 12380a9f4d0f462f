"""Free-text mail, Dutch and English, each mutation type, through `parse_mail`.

The mails are written here, in the styles employers use; they are not the shared corpus.
The reference date is Wednesday 18 March 2026 unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt

from parsers.mail import parse_mail
from tests.parsers.conftest import ATELIER, build_mail, only


def parse(roster, body: str, **kwargs):
    return parse_mail(build_mail(body, **kwargs), roster, filename="t.eml")


# -- sick and recovery ---------------------------------------------------------------------

def test_it_reads_a_dutch_sick_report_since_a_weekday(roster):
    m = only(parse(roster, "Hoi,\n\nPriya is sinds maandag ziek.\n\nGroet,\nRia"))
    assert (m.type, m.employee_id, m.fields) == ("sick", "72", {"start_date": "2026-03-16", "percentage": 100})
    assert m.source.text == "Priya is sinds maandag ziek."
    assert m.source.location == "line 3"


def test_it_reads_a_partial_sick_report(roster):
    m = only(parse(roster, "Gerrit is sinds 10 maart voor 50% arbeidsongeschikt."))
    assert m.fields == {"start_date": "2026-03-10", "percentage": 50}


def test_it_gives_everyone_in_a_group_their_own_sick_report(roster):
    result = parse(roster, "Gerrit en Priya zijn allebei ziek sinds maandag.")
    assert sorted(m.employee_id for m in result.mutations) == ["71", "72"]
    assert {m.fields["start_date"] for m in result.mutations} == {"2026-03-16"}


def test_it_reads_an_english_sick_call_from_yesterday(roster):
    m = only(parse(roster, "Hi,\n\nDaniel called in sick yesterday.\n\nThanks,\nMo", sender=ATELIER))
    assert (m.type, m.employee_id, m.fields["start_date"]) == ("sick", "9002", "2026-03-17")


def test_it_assumes_the_mail_date_for_a_sick_report_without_a_date_and_says_so(roster):
    m = only(parse(roster, "Stijn is ziek."))
    assert m.fields["start_date"] == "2026-03-18"
    assert any("aangenomen" in i.message for i in m.issues)


def test_it_reads_partial_recovery_as_half_days(roster):
    m = only(parse(roster, "Stijn werkt sinds gisteren weer halve dagen."))
    assert (m.type, m.employee_id, m.fields) == ("recovery", "73", {"date": "2026-03-17", "percentage": 50})


def test_it_reads_an_english_full_recovery(roster):
    m = only(parse(roster, "Hannah has been back at work full-time since Monday 16 March.", sender=ATELIER))
    assert (m.type, m.fields) == ("recovery", {"date": "2026-03-16", "percentage": 100})


# -- employment -----------------------------------------------------------------------------

def test_it_reads_out_of_service_per_a_date_as_the_day_before(roster):
    m = only(parse(roster, "Gerrit gaat met pensioen. Hij is per 1 mei uit dienst."))
    assert (m.type, m.employee_id, m.fields["end_date"]) == ("termination", "71", "2026-04-30")


def test_it_reads_an_english_resignation_with_its_last_working_day(roster):
    m = only(parse(roster, "Daniel has resigned. His last working day is 30 April.", sender=ATELIER))
    assert (m.type, m.employee_id, m.fields["end_date"]) == ("termination", "9002", "2026-04-30")


def test_it_reads_a_dutch_hire_in_prose_with_a_pronoun_for_the_salary(roster):
    body = ("Per 1 april komt Lotte Smits bij ons werken als monteur, 40 uur per week. "
            "Haar salaris wordt € 2.800,- bruto per maand.")
    m = only(parse(roster, body))
    assert (m.type, m.employee_id, m.employee_name) == ("hire", None, "Lotte Smits")
    assert m.fields == {"start_date": "2026-04-01", "job_title": "monteur", "hours_per_week": 40,
                        "salary_amount": 2800, "salary_period": "month"}
    assert any("ontbreekt" in i.message and "BSN" in i.message for i in m.issues)


def test_it_reads_a_hire_sent_as_label_value_lines(roster):
    body = """Beste,

Volgende maand begint er een nieuwe medewerker. De gegevens:

Naam: Jesse Brouwer
Functie: Werkplaatschef
Geboortedatum: 14-02-1990
BSN: 111222333
IBAN: NL91 ABNA 0417 1643 00
Adres: Dorpsstraat 3
Postcode en plaats: 1234 AB Ergenshuizen
Startdatum: 1 april 2026
Uren: 36 per week
Salaris: € 3.100 bruto per maand

Groet,
Ria"""
    m = only(parse(roster, body))
    assert m.employee_name == "Jesse Brouwer"
    assert m.fields == {
        "start_date": "2026-04-01", "job_title": "Werkplaatschef", "birth_date": "1990-02-14", "bsn": "111222333",
        "iban": "NL91ABNA0417164300", "street": "Dorpsstraat", "house_number": "3", "postal_code": "1234 AB",
        "city": "Ergenshuizen", "hours_per_week": 36, "salary_amount": 3100, "salary_period": "month"}
    assert not [i for i in m.issues if i.severity == "error"]


def test_it_flags_a_bsn_that_fails_the_eleven_test(roster):
    body = "Per 1 april komt Jesse Brouwer bij ons in dienst.\nBSN: 123456789"
    m = only(parse(roster, body))
    assert m.fields["bsn"] == "123456789"
    assert any("11-proef" in i.message for i in m.issues)


def test_it_reads_an_english_hire(roster):
    body = ("We have hired Sarah Lindqvist. She will join us as Office Manager on 1 April, "
            "32 hours a week, at EUR 3,600 gross per month.")
    m = only(parse(roster, body, sender=ATELIER))
    assert m.employee_name == "Sarah Lindqvist"
    assert m.fields == {"start_date": "2026-04-01", "job_title": "Office Manager", "hours_per_week": 32,
                        "salary_amount": 3600, "salary_period": "month"}


# -- hours -----------------------------------------------------------------------------------

def test_it_reads_overtime_with_its_rate_and_month(roster):
    m = only(parse(roster, "Stijn heeft in februari 12,5 overuren gemaakt à 150%."))
    assert m.fields == {"kind": "overtime", "hours": 12.5, "rate_percentage": 150, "period": "2026-02"}


def test_it_reads_english_extra_hours_not_as_overtime(roster):
    body = "Hannah worked 6 extra hours in February on top of her 40 (normal rate, no overtime premium)."
    m = only(parse(roster, body, sender=ATELIER))
    assert m.fields == {"kind": "extra", "hours": 6, "period": "2026-02"}


def test_a_heading_gives_its_month_and_kind_to_the_bullets_below(roster):
    body = "Overuren februari:\n- Gerrit 4\n- Priya 2,5\n\nGroet, Ria"
    result = parse(roster, body)
    got = sorted((m.employee_id, m.fields["hours"], m.fields["kind"], m.fields["period"]) for m in result.mutations)
    assert got == [("71", 4, "overtime", "2026-02"), ("72", 2.5, "overtime", "2026-02")]


def test_it_reads_irregular_hours_and_clock_notation(roster):
    result = parse(roster, "Uren februari:\n- Priya 8 ORT-uren\n- Stijn heeft 7:30 uur meer gewerkt (meeruren)")
    got = {m.employee_id: (m.fields["kind"], m.fields["hours"]) for m in result.mutations}
    assert got == {"72": ("irregular", 8), "73": ("extra", 7.5)}


# -- pay --------------------------------------------------------------------------------------

def test_it_reads_a_new_hourly_wage_without_the_word_salary(roster):
    m = only(parse(roster, "Karin gaat per 1 april naar € 16,40 per uur."))
    assert (m.type, m.employee_id) == ("salary_change", "74")
    assert m.fields == {"effective_date": "2026-04-01", "salary_amount": 16.4, "salary_period": "hour"}


def test_it_reads_an_english_salary_raise(roster):
    m = only(parse(roster, "Daniel's salary goes up to EUR 3,250 gross per month as of April 1st.", sender=ATELIER))
    assert m.fields == {"effective_date": "2026-04-01", "salary_amount": 3250, "salary_period": "month"}


def test_it_reads_a_bonus_tied_to_a_pay_month(roster):
    m = only(parse(roster, "Bas krijgt een bonus van € 750,- bruto, graag met het salaris van maart uitbetalen."))
    assert (m.type, m.employee_id, m.fields["amount"], m.fields["period"]) == ("one_off_payment", "75", 750,
                                                                               "2026-03")


def test_a_request_phrased_as_a_question_is_still_a_mutation(roster):
    body = "Could you add a one-off payment of EUR 500 for Daniel to the March payroll?"
    m = only(parse(roster, body, sender=ATELIER))
    assert (m.type, m.employee_id, m.fields) == ("one_off_payment", "9002", {"amount": 500, "period": "2026-03"})


def test_it_reads_an_expense_claim_in_dutch_and_english(roster):
    nl = only(parse(roster, "Karin heeft € 45,90 reiskosten gemaakt, graag declareren."))
    en = only(parse(roster, "Hannah has an expense claim of EUR 120.00 for a course.", sender=ATELIER))
    assert (nl.type, nl.employee_id, nl.fields["amount"]) == ("expense", "74", 45.9)
    assert (en.type, en.employee_id, en.fields["amount"]) == ("expense", "9001", 120)


def test_it_reads_a_change_of_contract_hours_not_the_old_value(roster):
    nl = only(parse(roster, "Stijn gaat per 1 april 32 uur per week werken in plaats van 38."))
    en = only(parse(roster, "From 1 May, Hannah goes from 40 to 24 hours a week.", sender=ATELIER))
    assert nl.fields == {"effective_date": "2026-04-01", "hours_per_week": 32}
    assert en.fields == {"effective_date": "2026-05-01", "hours_per_week": 24}


# -- personal data -----------------------------------------------------------------------------

def test_it_reads_a_new_iban_in_compact_form(roster):
    m = only(parse(roster, "Het rekeningnummer van Priya is gewijzigd: NL91 ABNA 0417 1643 00."))
    assert (m.type, m.fields) == ("personal_data_change", {"iban": "NL91ABNA0417164300"})


def test_it_reads_a_move_with_the_date_it_takes_effect(roster):
    m = only(parse(roster, "Daniel moved house. His new address as of 1 April is Nieuwe Gracht 7, 2011 NB Haarlem.",
                   sender=ATELIER))
    assert m.fields == {"street": "Nieuwe Gracht", "house_number": "7", "postal_code": "2011 NB",
                        "city": "Haarlem", "effective_date": "2026-04-01"}


def test_the_new_last_name_is_not_mistaken_for_a_person(roster):
    m = only(parse(roster, "De achternaam van Priya wordt Hoek."))
    assert (m.employee_id, m.fields) == ("72", {"last_name": "Hoek"})


# -- who is meant ------------------------------------------------------------------------------

def test_it_never_guesses_between_two_employees_with_one_first_name(roster):
    m = only(parse(roster, "Thomas heeft 3 overuren gemaakt in februari."))
    assert m.employee_id is None
    assert any("Thomas de Wit" in i.message and "Thomas Kok" in i.message for i in m.issues)


def test_a_full_name_settles_who_is_meant(roster):
    m = only(parse(roster, "Thomas de Wit heeft 3 overuren gemaakt in februari."))
    assert m.employee_id == "76"


def test_initials_and_a_title_find_the_employee(roster):
    m = only(parse(roster, "Mevrouw K. Verbeek is per 1 april uit dienst."))
    assert m.employee_id == "74"


def test_a_name_not_on_the_roster_stays_a_name_with_an_issue(roster):
    m = only(parse(roster, "Mike Jansen heeft 10 overuren gemaakt in februari."))
    assert (m.employee_id, m.employee_name) == (None, "Mike Jansen")
    assert any("niet in het personeelsbestand" in i.message for i in m.issues)


def test_a_small_typo_still_finds_the_employee_with_a_warning(roster):
    m = only(parse(roster, "Priyaa Ramdin is sinds maandag ziek."))
    assert m.employee_id == "72"


# -- what is not a mutation ---------------------------------------------------------------------

def test_a_question_for_information_is_not_a_mutation(roster):
    assert parse(roster, "Kun je checken of de overuren van Gerrit van februari verwerkt zijn?").mutations == []


def test_a_plan_that_is_not_decided_is_not_a_mutation(roster):
    body = "We denken erover om Karin per 1 juni 32 uur te laten werken. Nog niet verwerken!"
    assert parse(roster, body).mutations == []


def test_quoted_earlier_mail_and_the_signature_are_not_read(roster):
    body = """Priya is sinds gisteren ziek.

Met vriendelijke groet,
Ria Hoek
Garage Hoek B.V. | IBAN NL91 ABNA 0417 1643 00 | Kerkstraat 1, 1234 AB Ergens

Op di 17 mrt. 2026 om 10:00 schreef Loonbureau <mutaties@bureau.example>:
> Gerrit heeft 5 overuren gemaakt, klopt dat?
"""
    m = only(parse(roster, body))
    assert (m.type, m.employee_id) == ("sick", "72")


def test_the_subject_counts_when_the_body_is_short(roster):
    m = only(parse(roster, "per vandaag\n\nRia", subject="Ziekmelding Stijn van der Linden"))
    assert (m.type, m.employee_id, m.fields["start_date"]) == ("sick", "73", "2026-03-18")


def test_english_mail_is_recognised_as_english(roster):
    result = parse(roster, "Hi, Hannah has been off sick since Monday. Thanks!", sender=ATELIER)
    assert result.language == "en"


def test_relative_dates_use_the_mail_date_in_amsterdam(roster):
    # 23:30 UTC on Sunday is already Monday in Amsterdam.
    sent = dt.datetime(2026, 3, 15, 23, 30, tzinfo=dt.UTC)
    m = only(parse(roster, "Gerrit is vandaag ziek.", sent=sent))
    assert m.fields["start_date"] == "2026-03-16"
