"""Leave days: hours per schedule, Dutch public holidays, half days and explicit hours, and the errors.

Plain functions, no database: every test asserts exact hours on dates whose weekday and
holidays are checked against the calendar.
"""

from __future__ import annotations

import datetime as dt

import pytest

from workflows.leave_days import (
    ChargedDay,
    LeaveDays,
    WorkSchedule,
    dutch_holidays,
    leave_hours,
    overlaps,
)

FULL_TIME = WorkSchedule(40, ("mon", "tue", "wed", "thu", "fri"))
D = dt.date


def reasons(leave: LeaveDays) -> dict[dt.date, str | None]:
    return {day.date: day.reason_not_charged for day in leave.days}


def charged(leave: LeaveDays) -> dict[dt.date, float]:
    return {day.date: day.hours for day in leave.days}


# --- schedules -------------------------------------------------------------------------------


def test_full_time_week_charges_five_days_of_eight_hours() -> None:
    leave = leave_hours(D(2026, 3, 2), D(2026, 3, 8), FULL_TIME)  # Monday to Sunday, no holidays

    assert leave.hours == 40.0
    assert leave.working_days == 5.0
    assert leave.days == (
        ChargedDay(D(2026, 3, 2), 8.0),
        ChargedDay(D(2026, 3, 3), 8.0),
        ChargedDay(D(2026, 3, 4), 8.0),
        ChargedDay(D(2026, 3, 5), 8.0),
        ChargedDay(D(2026, 3, 6), 8.0),
        ChargedDay(D(2026, 3, 7), 0.0, "weekend"),
        ChargedDay(D(2026, 3, 8), 0.0, "weekend"),
    )


def test_mon_wed_fri_at_24_hours_is_8_hours_a_day() -> None:
    schedule = WorkSchedule(24, ("mon", "wed", "fri"))
    leave = leave_hours(D(2026, 3, 2), D(2026, 3, 8), schedule)

    assert schedule.hours_per_day == 8.0
    assert leave.hours == 24.0
    assert leave.working_days == 3.0
    assert charged(leave)[D(2026, 3, 3)] == 0.0
    assert reasons(leave)[D(2026, 3, 3)] == "geen werkdag"
    assert reasons(leave)[D(2026, 3, 5)] == "geen werkdag"
    assert reasons(leave)[D(2026, 3, 7)] == "weekend"


def test_four_days_of_eight_is_32_hours_a_week() -> None:
    schedule = WorkSchedule(32, ("mon", "tue", "wed", "thu"))
    leave = leave_hours(D(2026, 3, 2), D(2026, 3, 6), schedule)

    assert leave.hours == 32.0
    assert leave.working_days == 4.0
    assert leave.days[-1] == ChargedDay(D(2026, 3, 6), 0.0, "geen werkdag")


def test_36_hours_over_five_days_is_7_2_hours_a_day() -> None:
    schedule = WorkSchedule(36, ("mon", "tue", "wed", "thu", "fri"))
    leave = leave_hours(D(2026, 3, 2), D(2026, 3, 6), schedule)

    assert schedule.hours_per_day == pytest.approx(7.2)
    assert [day.hours for day in leave.days] == [7.2] * 5
    assert leave.hours == 36.0
    assert leave.working_days == 5.0


def test_work_days_are_normalised_to_a_tuple() -> None:
    schedule = WorkSchedule(24, ["Mon", " wed", "FRI"])  # type: ignore[arg-type]  # as stored on Employee

    assert schedule.work_days == ("mon", "wed", "fri")
    assert hash(schedule) == hash(WorkSchedule(24, ("mon", "wed", "fri")))


def test_every_date_of_the_range_is_listed() -> None:
    leave = leave_hours(D(2026, 1, 1), D(2026, 12, 31), FULL_TIME)

    assert len(leave.days) == 365
    assert [day.date for day in leave.days] == [D(2026, 1, 1) + dt.timedelta(days=n) for n in range(365)]
    # 2026 has 261 weekdays; 6 holidays fall on one: 1 Jan, Easter Monday, Koningsdag, Ascension,
    # Whit Monday, 25 Dec (Friday). 26 Dec is a Saturday; 5 May (Tuesday) is no lustrum.
    assert leave.working_days == 255.0
    assert leave.hours == 2040.0


# --- holidays --------------------------------------------------------------------------------


def test_range_across_the_year_end_skips_christmas_and_new_years_day() -> None:
    leave = leave_hours(D(2025, 12, 22), D(2026, 1, 2), FULL_TIME)

    assert leave.hours == 56.0  # 10 weekdays, 3 of them holidays
    assert leave.working_days == 7.0
    free = {day.date: day.reason_not_charged for day in leave.days if day.hours == 0}
    assert free == {
        D(2025, 12, 25): "Eerste kerstdag",
        D(2025, 12, 26): "Tweede kerstdag",
        D(2025, 12, 27): "weekend",
        D(2025, 12, 28): "weekend",
        D(2026, 1, 1): "Nieuwjaarsdag",
    }


def test_holidays_are_charged_when_the_employer_does_not_give_them_off() -> None:
    leave = leave_hours(D(2025, 12, 22), D(2026, 1, 2), FULL_TIME, holidays_free=False)

    assert leave.hours == 80.0
    assert charged(leave)[D(2025, 12, 25)] == 8.0
    assert reasons(leave)[D(2025, 12, 25)] is None
    assert reasons(leave)[D(2025, 12, 27)] == "weekend"


@pytest.mark.parametrize("year", [2025, 2031, 2036])
def test_koningsdag_moves_to_saturday_26_april_when_27_april_is_a_sunday(year: int) -> None:
    assert D(year, 4, 27).weekday() == 6
    holidays = dutch_holidays(year)

    assert holidays[D(year, 4, 26)] == "Koningsdag"
    assert D(year, 4, 27) not in holidays


def test_koningsdag_on_27_april_otherwise() -> None:
    assert dutch_holidays(2026)[D(2026, 4, 27)] == "Koningsdag"
    leave = leave_hours(D(2026, 4, 27), D(2026, 4, 27), FULL_TIME)
    assert leave.hours == 0.0
    assert leave.days == (ChargedDay(D(2026, 4, 27), 0.0, "Koningsdag"),)


def test_koningsdag_on_saturday_is_free_for_a_saturday_worker() -> None:
    schedule = WorkSchedule(40, ("tue", "wed", "thu", "fri", "sat"))
    leave = leave_hours(D(2025, 4, 22), D(2025, 4, 27), schedule)  # Tuesday to Sunday

    assert leave.hours == 32.0
    assert reasons(leave)[D(2025, 4, 26)] == "Koningsdag"
    assert reasons(leave)[D(2025, 4, 27)] == "weekend"

    charged_saturday = leave_hours(D(2025, 4, 22), D(2025, 4, 27), schedule, holidays_free=False)
    assert charged_saturday.hours == 40.0


def test_koningsdag_on_saturday_is_a_weekend_day_for_a_weekday_worker() -> None:
    leave = leave_hours(D(2025, 4, 22), D(2025, 4, 27), FULL_TIME)

    assert leave.hours == 32.0  # Tuesday to Friday
    assert reasons(leave)[D(2025, 4, 26)] == "weekend"


def test_liberation_day_follows_the_holidays_package_in_lustrum_years() -> None:
    assert dutch_holidays(2025)[D(2025, 5, 5)] == "Bevrijdingsdag"
    assert dutch_holidays(2030)[D(2030, 5, 5)] == "Bevrijdingsdag"  # a Sunday
    assert D(2026, 5, 5) not in dutch_holidays(2026)
    assert dutch_holidays(2026, liberation_day="always")[D(2026, 5, 5)] == "Bevrijdingsdag"
    assert D(2025, 5, 5) not in dutch_holidays(2025, liberation_day="never")


def test_liberation_day_2025_is_free_in_a_lustrum_year() -> None:
    leave = leave_hours(D(2025, 5, 5), D(2025, 5, 9), FULL_TIME)  # Monday 5 May to Friday

    assert leave.hours == 32.0
    assert reasons(leave)[D(2025, 5, 5)] == "Bevrijdingsdag"
    assert leave_hours(D(2025, 5, 5), D(2025, 5, 9), FULL_TIME, liberation_day="never").hours == 40.0


def test_liberation_day_2026_is_charged_by_default_and_free_with_always() -> None:
    assert D(2026, 5, 5).weekday() == 1  # Tuesday
    assert leave_hours(D(2026, 5, 4), D(2026, 5, 8), FULL_TIME).hours == 40.0

    always = leave_hours(D(2026, 5, 4), D(2026, 5, 8), FULL_TIME, liberation_day="always")
    assert always.hours == 32.0
    assert reasons(always)[D(2026, 5, 5)] == "Bevrijdingsdag"


def test_liberation_day_rule_keeps_ascension_day_on_5_may() -> None:
    assert dutch_holidays(2005, liberation_day="never")[D(2005, 5, 5)] == "Hemelvaartsdag"
    assert dutch_holidays(2005)[D(2005, 5, 5)] == "Bevrijdingsdag; Hemelvaartsdag"
    assert dutch_holidays(2016)[D(2016, 5, 5)] == "Hemelvaartsdag"
    assert dutch_holidays(2016, liberation_day="always")[D(2016, 5, 5)] == "Bevrijdingsdag; Hemelvaartsdag"


def test_good_friday_is_not_a_holiday() -> None:
    assert D(2026, 4, 3) not in dutch_holidays(2026)
    assert leave_hours(D(2026, 4, 3), D(2026, 4, 3), FULL_TIME).hours == 8.0


def test_dutch_holidays_of_2026() -> None:
    assert dutch_holidays(2026) == {
        D(2026, 1, 1): "Nieuwjaarsdag",
        D(2026, 4, 5): "Eerste paasdag",
        D(2026, 4, 6): "Tweede paasdag",
        D(2026, 4, 27): "Koningsdag",
        D(2026, 5, 14): "Hemelvaartsdag",
        D(2026, 5, 24): "Eerste pinksterdag",
        D(2026, 5, 25): "Tweede pinksterdag",
        D(2026, 12, 25): "Eerste kerstdag",
        D(2026, 12, 26): "Tweede kerstdag",
    }


def test_dutch_holidays_returns_a_fresh_dict() -> None:
    first = dutch_holidays(2026)
    first.clear()

    assert len(dutch_holidays(2026)) == 9


def test_easter_monday_week() -> None:
    leave = leave_hours(D(2026, 4, 6), D(2026, 4, 10), FULL_TIME)

    assert leave.hours == 32.0
    assert leave.days[0] == ChargedDay(D(2026, 4, 6), 0.0, "Tweede paasdag")


def test_whit_monday_week() -> None:
    leave = leave_hours(D(2026, 5, 25), D(2026, 5, 29), FULL_TIME)

    assert leave.hours == 32.0
    assert leave.days[0] == ChargedDay(D(2026, 5, 25), 0.0, "Tweede pinksterdag")


def test_easter_sunday_is_free_for_a_sunday_worker() -> None:
    schedule = WorkSchedule(16, ("sat", "sun"))
    leave = leave_hours(D(2026, 4, 4), D(2026, 4, 5), schedule)

    assert leave.hours == 8.0
    assert reasons(leave) == {D(2026, 4, 4): None, D(2026, 4, 5): "Eerste paasdag"}


def test_week_with_ascension_day() -> None:
    leave = leave_hours(D(2026, 5, 11), D(2026, 5, 17), WorkSchedule(36, ("mon", "tue", "wed", "thu", "fri")))

    assert leave.hours == 28.8  # 4 × 7.2
    assert leave.working_days == 4.0
    assert reasons(leave)[D(2026, 5, 14)] == "Hemelvaartsdag"


# --- half days and explicit hours ------------------------------------------------------------


@pytest.mark.parametrize("half_day", ["morning", "afternoon"])
def test_half_day_is_half_the_hours_per_day(half_day: str) -> None:
    schedule = WorkSchedule(36, ("mon", "tue", "wed", "thu", "fri"))
    leave = leave_hours(D(2026, 3, 3), D(2026, 3, 3), schedule, half_day=half_day)  # type: ignore[arg-type]

    assert leave.hours == 3.6
    assert leave.working_days == 0.5
    assert leave.days == (ChargedDay(D(2026, 3, 3), 3.6),)


def test_half_day_on_a_holiday_costs_nothing() -> None:
    leave = leave_hours(D(2026, 5, 14), D(2026, 5, 14), FULL_TIME, half_day="morning")

    assert leave.hours == 0.0
    assert leave.days == (ChargedDay(D(2026, 5, 14), 0.0, "Hemelvaartsdag"),)


def test_four_hours_off_on_tuesday() -> None:
    leave = leave_hours(D(2026, 3, 3), D(2026, 3, 3), FULL_TIME, first_day_hours=4)

    assert leave.hours == 4.0
    assert leave.working_days == 0.5
    assert leave_hours(D(2026, 3, 3), D(2026, 3, 3), FULL_TIME, last_day_hours=2.5).hours == 2.5


def test_explicit_hours_on_first_and_last_day_of_a_range() -> None:
    leave = leave_hours(D(2026, 3, 3), D(2026, 3, 6), FULL_TIME, first_day_hours=4, last_day_hours=2)

    assert [day.hours for day in leave.days] == [4.0, 8.0, 8.0, 2.0]
    assert leave.hours == 22.0
    assert leave.working_days == 2.75


def test_explicit_hours_on_a_weekend_day_cost_nothing() -> None:
    leave = leave_hours(D(2026, 3, 7), D(2026, 3, 9), FULL_TIME, first_day_hours=4, last_day_hours=3)

    assert [(day.hours, day.reason_not_charged) for day in leave.days] == [
        (0.0, "weekend"), (0.0, "weekend"), (3.0, None)]
    assert leave.hours == 3.0


# --- errors ----------------------------------------------------------------------------------


def test_end_before_start_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"einddatum \(2026-03-05\) ligt vóór de begindatum \(2026-03-06\)"):
        leave_hours(D(2026, 3, 6), D(2026, 3, 5), FULL_TIME)


def test_a_range_of_366_days_is_allowed_but_not_367() -> None:
    assert len(leave_hours(D(2028, 1, 1), D(2028, 12, 31), FULL_TIME).days) == 366
    with pytest.raises(ValueError, match="hooguit 366 dagen"):
        leave_hours(D(2026, 1, 1), D(2027, 1, 2), FULL_TIME)


def test_a_schedule_without_work_days_is_an_error() -> None:
    with pytest.raises(ValueError, match="zonder werkdagen"):
        WorkSchedule(40, ())


@pytest.mark.parametrize(("hours", "days", "message"), [
    (40, ("mon", "maandag"), "Onbekende werkdag: maandag"),
    (40, ("mon", "mon"), "dubbel"),
    (0, ("mon",), "groter dan 0 en hooguit 168"),
    (-8, ("mon",), "groter dan 0 en hooguit 168"),
])
def test_invalid_schedules(hours: float, days: tuple[str, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkSchedule(hours, days)


def test_half_day_over_a_range_is_an_error() -> None:
    with pytest.raises(ValueError, match="halve dag vrij kan alleen voor één dag"):
        leave_hours(D(2026, 3, 3), D(2026, 3, 4), FULL_TIME, half_day="morning")


def test_half_day_with_explicit_hours_is_an_error() -> None:
    with pytest.raises(ValueError, match="niet allebei"):
        leave_hours(D(2026, 3, 3), D(2026, 3, 3), FULL_TIME, half_day="afternoon", first_day_hours=4)


def test_unknown_half_day_is_an_error() -> None:
    with pytest.raises(ValueError, match="'morning' of 'afternoon'"):
        leave_hours(D(2026, 3, 3), D(2026, 3, 3), FULL_TIME, half_day="evening")  # type: ignore[arg-type]


def test_different_first_and_last_hours_on_one_day_is_an_error() -> None:
    with pytest.raises(ValueError, match="geef er één op"):
        leave_hours(D(2026, 3, 3), D(2026, 3, 3), FULL_TIME, first_day_hours=4, last_day_hours=3)


@pytest.mark.parametrize("hours", [-1, 25])
def test_explicit_hours_out_of_range_are_an_error(hours: float) -> None:
    with pytest.raises(ValueError, match="tussen 0 en 24"):
        leave_hours(D(2026, 3, 3), D(2026, 3, 5), FULL_TIME, last_day_hours=hours)


def test_unknown_liberation_day_rule_is_an_error() -> None:
    with pytest.raises(ValueError, match="Bevrijdingsdag"):
        dutch_holidays(2025, liberation_day="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Bevrijdingsdag"):
        leave_hours(D(2025, 5, 5), D(2025, 5, 5), FULL_TIME, liberation_day="sometimes")  # type: ignore[arg-type]


# --- overlaps --------------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b", "expected"), [
    ((D(2026, 3, 2), D(2026, 3, 6)), (D(2026, 3, 6), D(2026, 3, 10)), True),  # share the last day
    ((D(2026, 3, 2), D(2026, 3, 6)), (D(2026, 3, 7), D(2026, 3, 10)), False),  # adjacent
    ((D(2026, 3, 6), D(2026, 3, 10)), (D(2026, 3, 2), D(2026, 3, 6)), True),  # a starts on b's last day
    ((D(2026, 3, 2), D(2026, 3, 31)), (D(2026, 3, 10), D(2026, 3, 10)), True),  # contained
    ((D(2026, 3, 10), D(2026, 3, 10)), (D(2026, 3, 2), D(2026, 3, 31)), True),
    ((D(2026, 3, 11), D(2026, 3, 20)), (D(2026, 3, 2), D(2026, 3, 10)), False),  # b before a
])
def test_overlaps(a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date], expected: bool) -> None:
    assert overlaps(*a, *b) is expected


def test_overlaps_rejects_a_reversed_range() -> None:
    with pytest.raises(ValueError, match="eindigt vóór ze begint"):
        overlaps(D(2026, 3, 6), D(2026, 3, 2), D(2026, 3, 1), D(2026, 3, 10))
