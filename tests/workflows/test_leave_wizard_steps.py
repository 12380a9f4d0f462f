"""The `/verlof` steps without a chat: which days are offered, how typed dates are read, stale presses.

Plain functions and states built in code; the dates are checked against the 2026 calendar.
"""

from __future__ import annotations

import datetime as dt

from workflows.leave_days import WorkSchedule
from workflows.leave_wizard import (
    DAY_BUTTONS,
    STOP,
    LeaveWizard,
    Turn,
    day_label,
    read_date,
    waits_for_date,
    work_days_from,
)

D = dt.date
TODAY = D(2026, 3, 18)  # a Wednesday
MON_TO_THU = WorkSchedule(32, ("mon", "tue", "wed", "thu"))
WIZARD = LeaveWizard(MON_TO_THU, TODAY)


def walk(*presses: str, language: str = "nl") -> Turn:
    turn = WIZARD.begin(language)
    for data in presses:
        found = WIZARD.press(turn.state, data)
        assert found is not None, data
        turn = found
    return turn


def test_it_labels_days_in_both_languages() -> None:
    assert day_label(D(2026, 3, 23), "nl") == "ma 23-03"
    assert day_label(D(2026, 3, 23), "en") == "Mon 23-03"
    assert day_label(D(2026, 3, 29), "nl", year=True) == "zo 29-03-2026"


def test_it_offers_work_days_only_skipping_weekends_days_not_worked_and_holidays() -> None:
    # Koningsdag is Monday 27 April 2026; the schedule works mon-thu.
    assert work_days_from(D(2026, 4, 23), MON_TO_THU) == [D(2026, 4, 23), D(2026, 4, 28), D(2026, 4, 29),
                                                          D(2026, 4, 30), D(2026, 5, 4), D(2026, 5, 5)]
    # Hemelvaartsdag, Thursday 14 May 2026; 5 May is no day off outside lustrum years.
    assert D(2026, 5, 14) not in work_days_from(D(2026, 5, 11), MON_TO_THU, 10)
    assert D(2026, 5, 5) in work_days_from(D(2026, 5, 4), MON_TO_THU)


def test_it_reads_typed_dates_on_or_after_the_earliest_day() -> None:
    assert read_date("12 augustus", TODAY, TODAY) == D(2026, 8, 12)
    assert read_date("12-8", TODAY, TODAY) == D(2026, 8, 12)
    assert read_date("Mon 23-03", TODAY, TODAY) == D(2026, 3, 23)
    # "vrijdag" as the last day of leave from Monday 23 March is the Friday after it, not this week's.
    assert read_date("vrijdag", TODAY, D(2026, 3, 23)) == D(2026, 3, 27)
    assert read_date("maandag", TODAY, D(2026, 3, 23)) == D(2026, 3, 23)
    assert read_date("10-3", TODAY, TODAY) is None  # passed
    assert read_date("hallo", TODAY, TODAY) is None


def test_the_first_step_asks_for_the_kind_with_a_stop_button() -> None:
    turn = WIZARD.begin("en")
    assert turn.state == {"step": "type", "language": "en"}
    assert turn.buttons[0] == ("Holiday", "w:type:vacation")
    assert turn.buttons[-1] == ("Stop", STOP)
    assert WIZARD.begin("fr").language == "nl"


def test_every_step_fits_telegram_limits() -> None:
    for turn in (walk(), walk("w:type:vacation"), walk("w:type:vacation", "w:start:2026-03-23"),
                 walk("w:type:vacation", "w:start:2026-03-23", "w:end:2026-03-23")):
        assert len(turn.buttons) <= 8  # one row of at most 8 buttons
        assert all(len(data.encode()) <= 64 for _, data in turn.buttons)
    assert len(walk("w:type:vacation").buttons) == DAY_BUTTONS + 1


def test_a_range_ends_in_a_request() -> None:
    turn = walk("w:type:parental", "w:start:2026-03-23", "w:end:2026-04-02")
    assert turn.state is None and turn.request is not None
    assert (turn.request.leave_type, turn.request.start_date, turn.request.end_date, turn.request.part_of_day) == (
        "parental", D(2026, 3, 23), D(2026, 4, 2), None)


def test_a_single_work_day_asks_for_the_part_and_a_day_off_does_not() -> None:
    part = walk("w:type:vacation", "w:start:2026-03-23", "w:end:2026-03-23")
    assert part.state is not None and part.state["step"] == "part"
    afternoon = WIZARD.press(part.state, "w:part:afternoon")
    assert afternoon is not None and afternoon.request is not None
    assert afternoon.request.part_of_day == "afternoon"

    typed_friday = WIZARD.typed(walk("w:type:vacation").state or {}, "vrijdag 20 maart")
    assert typed_friday.state is not None and typed_friday.state["step"] == "end"
    single = WIZARD.press(typed_friday.state, "w:end:2026-03-20")
    assert single is not None and single.request is not None  # no work day: straight to the offer


def test_stale_or_unknown_presses_are_refused() -> None:
    first_day = walk("w:type:vacation")
    assert WIZARD.press(None, "w:type:vacation") is None
    assert WIZARD.press({}, STOP) is None
    assert WIZARD.press(first_day.state, "w:type:care") is None  # another step
    assert WIZARD.press(first_day.state, "w:start:2026-03-17") is None  # yesterday
    assert WIZARD.press(first_day.state, "w:start:23-03") is None
    assert WIZARD.press(walk().state, "w:type:sabbatical") is None
    last_day = walk("w:type:vacation", "w:start:2026-03-23")
    assert WIZARD.press(last_day.state, "w:end:2026-03-19") is None  # before the first day
    stopped = WIZARD.press(last_day.state, STOP)
    assert stopped is not None and stopped.state is None and stopped.text == "Gestopt; er is niets aangevraagd."


def test_typed_text_that_is_no_usable_date_gets_a_hint_and_the_step_stays() -> None:
    state = walk("w:type:vacation", language="en").state
    assert state is not None and waits_for_date(state) and not waits_for_date(walk().state)
    turn = WIZARD.typed(state, "whenever")
    assert turn.state == state and turn.text.startswith("I could not read that as a date.\nHoliday. What is")
    early = WIZARD.typed(state, "10 March")
    assert early.state == state and early.text.startswith("Please pick a day from Wed 18-03-2026.")
    assert [data for _, data in turn.buttons] == [data for _, data in early.buttons]
