"""Leave requests from chat, Dutch and English (`parsers.leave`). Today is Wednesday 10 June 2026."""

from __future__ import annotations

import datetime as dt

import pytest

from parsers.leave import NotALeaveRequest, parse_leave

TODAY = dt.date(2026, 6, 10)
D = dt.date


@pytest.mark.parametrize(("text", "expected"), [
    ("Ik wil graag vrij van 17 t/m 21 augustus", ("vacation", D(2026, 8, 17), D(2026, 8, 21), None, None)),
    ("mag ik donderdag vrij", ("vacation", D(2026, 6, 11), D(2026, 6, 11), None, None)),
    ("Kan ik maandagochtend vrij krijgen?", ("vacation", D(2026, 6, 15), D(2026, 6, 15), None, "morning")),
    ("Vrijdagmiddag vrij graag", ("vacation", D(2026, 6, 12), D(2026, 6, 12), None, "afternoon")),
    ("3 uur verlof op 19 juni", ("vacation", D(2026, 6, 19), D(2026, 6, 19), 3, None)),
    ("Vakantie 29/6 t/m 10/7", ("vacation", D(2026, 6, 29), D(2026, 7, 10), None, None)),
    ("Ik wil vrij van 30 december tot en met 3 januari", ("vacation", D(2026, 12, 30), D(2027, 1, 3), None, None)),
    ("Bijzonder verlof voor de uitvaart van mijn oom op vrijdag", ("special", D(2026, 6, 12), D(2026, 6, 12), None,
                                                                   None)),
    ("Ouderschapsverlof op vrijdag 3 juli", ("parental", D(2026, 7, 3), D(2026, 7, 3), None, None)),
    ("zorgverlof morgen en overmorgen, mijn vader komt uit het ziekenhuis",
     ("care", D(2026, 6, 11), D(2026, 6, 12), None, None)),
    ("onbetaald verlof 1 t/m 12 september", ("unpaid", D(2026, 9, 1), D(2026, 9, 12), None, None)),
    ("Could I have next Monday off?", ("vacation", D(2026, 6, 15), D(2026, 6, 15), None, None)),
    ("I'd like to take holiday from 3 to 7 August", ("vacation", D(2026, 8, 3), D(2026, 8, 7), None, None)),
    ("Can I take 2.5 hours off on Thursday afternoon?", ("vacation", D(2026, 6, 11), D(2026, 6, 11), 2.5, None)),
])
def test_it_reads_leave_requests(text, expected):
    got = parse_leave(text, TODAY)
    assert not isinstance(got, NotALeaveRequest), got
    assert (got.leave_type, got.start_date, got.end_date, got.hours, got.part_of_day) == expected


@pytest.mark.parametrize("text", [
    "Hoeveel vakantie-uren heb ik nog?", "How many days off do I have left?", "Wie is er vrijdag vrij?",
    "Ik ben ziek vandaag", "hoi", "Thanks!", "Wanneer komt het vakantiegeld?", "", "🌴🌴🌴",
    "Ik wil vrij",  # no day named: the bot asks for the dates
])
def test_what_is_no_leave_request_gets_a_reason(text):
    got = parse_leave(text, TODAY)
    assert isinstance(got, NotALeaveRequest) and got.message


def test_the_reason_is_in_english_for_an_english_writer():
    got = parse_leave("How many days off do I have left?", TODAY)
    assert isinstance(got, NotALeaveRequest) and got.message.startswith("This does not look")
