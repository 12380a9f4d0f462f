"""The Wet verbetering poortwachter dates from a first sick day, against a table worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from workflows.poortwachter import MILESTONES, due_milestone, milestone_dates, week_ends

D = dt.date

# First sick day -> the first day of week 6, 8, 42, 52 and 93 of illness (first sick day + 7 × (N - 1) days).
TABLE = {
    D(2026, 1, 5): [D(2026, 2, 9), D(2026, 2, 23), D(2026, 10, 19), D(2026, 12, 28), D(2027, 10, 11)],  # Monday
    # Thursday; week 8 falls on Christmas Eve (calendar weeks: holidays do not move it), week 93 after 29 Feb 2028.
    D(2026, 11, 5): [D(2026, 12, 10), D(2026, 12, 24), D(2027, 8, 19), D(2027, 10, 28), D(2028, 8, 10)],
}


@pytest.mark.parametrize(("first_sick_day", "expected"), TABLE.items())
def test_the_milestone_dates_match_the_table(first_sick_day: dt.date, expected: list[dt.date]) -> None:
    dates = milestone_dates(first_sick_day)
    assert [(m.week, m.name_nl) for m, _ in dates] == [
        (6, "probleemanalyse"), (8, "plan van aanpak"), (42, "ziekmelding UWV"), (52, "eerstejaarsevaluatie"),
        (93, "WIA-aanvraag")]
    assert [day for _, day in dates] == expected
    assert all(day.weekday() == first_sick_day.weekday() for day in expected)


def test_a_step_is_due_by_the_last_day_of_its_week() -> None:
    assert week_ends(D(2026, 1, 5), 6) == D(2026, 2, 15)  # the Sunday closing week 6
    assert week_ends(D(2026, 11, 5), 42) == D(2027, 8, 25)


def test_every_milestone_says_what_to_do_in_both_languages() -> None:
    for milestone in MILESTONES:
        assert milestone.name("en") and milestone.todo("en") and milestone.todo("nl").endswith(".")
        assert milestone.todo("en") != milestone.todo("nl")


@pytest.mark.parametrize(("today", "week"), [
    (D(2026, 2, 8), None),      # the day before week 6
    (D(2026, 2, 9), 6),         # the first day of week 6
    (D(2026, 2, 22), 6),        # the 13th day after: still
    (D(2026, 2, 23), 8),        # week 8 takes over
    (D(2026, 3, 8), 8),
    (D(2026, 3, 9), None),      # 14 days after week 8 began: too late to remind
    (D(2026, 10, 19), 42),
    (D(2027, 10, 24), 93),
    (D(2027, 10, 25), None),
])
def test_only_the_latest_passed_milestone_is_due_and_only_for_14_days(today: dt.date, week: int | None) -> None:
    due = due_milestone(D(2026, 1, 5), today)
    assert (due[0].week if due else None) == week


def test_a_case_entered_late_does_not_bring_old_steps() -> None:
    # First sick day ten weeks ago: weeks 6 and 8 passed; week 8 began 14 days ago, so nothing is due.
    assert due_milestone(D(2026, 1, 5), D(2026, 3, 16)) is None
    # Entered while week 8 is recent: only week 8, never week 6 as well.
    due = due_milestone(D(2026, 1, 5), D(2026, 2, 25))
    assert due is not None and (due[0].week, due[1]) == (8, D(2026, 2, 23))
