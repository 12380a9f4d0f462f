"""Leave days: how many hours a leave request costs, day by day, under a work schedule.

Pure functions: no database and no clock. A leave request names a first and last date;
every date in between is listed, and charged the schedule's hours per day unless it is not
a work day (weekend, or a weekday the employee does not work) or a Dutch public holiday
the employer gives off (`holidays_free`, an employer setting). The first and last day can
carry explicit hours ("4 uur vrij op dinsdag"), and a single day can be a half day.

Public holidays come from the `holidays` package (country NL, Dutch names), with two
corrections applied here: Goede vrijdag is left out (the package lists it, but it is no
general day off), and Bevrijdingsdag follows the `liberation_day` rule rather than the
package's own choice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, get_args

import holidays

LiberationDay = Literal["always", "lustrum", "never"]
HalfDay = Literal["morning", "afternoon"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()
MAX_RANGE_DAYS = 366  # a leave request spans at most a (leap) year
GOOD_FRIDAY = "Goede vrijdag"
LIBERATION_DAY = "Bevrijdingsdag"
NAME_SEPARATOR = "; "  # how the holidays package joins two holidays on one date


@dataclass(frozen=True)
class WorkSchedule:
    """Contract hours per week spread evenly over the work days ("mon" … "sun")."""

    hours_per_week: float
    work_days: tuple[str, ...]

    def __post_init__(self) -> None:
        days = tuple(str(day).strip().lower() for day in self.work_days)
        unknown = [day for day in days if day not in WEEKDAYS]
        if unknown:
            raise ValueError(f"Onbekende werkdag: {', '.join(unknown)} (gebruik {', '.join(WEEKDAYS)}).")
        if len(set(days)) != len(days):
            raise ValueError("Een werkdag staat dubbel in het rooster.")
        if not days:
            raise ValueError("Een rooster zonder werkdagen heeft geen uren per dag.")
        if isinstance(self.hours_per_week, bool) or not isinstance(self.hours_per_week, int | float):
            raise ValueError("Het aantal uren per week moet een getal zijn.")
        if not 0 < self.hours_per_week <= 168:
            raise ValueError("Het aantal uren per week moet groter dan 0 en hooguit 168 zijn, "
                             f"niet {self.hours_per_week}.")
        object.__setattr__(self, "work_days", days)

    @property
    def hours_per_day(self) -> float:
        return self.hours_per_week / len(self.work_days)


@dataclass(frozen=True)
class ChargedDay:
    """One date of a leave range: the hours it costs, and why it costs nothing when it does."""

    date: dt.date
    hours: float
    reason_not_charged: str | None = None  # "weekend", "geen werkdag" or the holiday's name


@dataclass(frozen=True)
class LeaveDays:
    """Every date of a leave range, the hours charged and those hours in work days."""

    days: tuple[ChargedDay, ...]
    hours: float  # rounded to 2 decimals
    working_days: float  # hours / hours per day, rounded to 4 decimals


def _check_liberation_day(liberation_day: str) -> None:
    if liberation_day not in get_args(LiberationDay):
        raise ValueError(f"Onbekende keuze voor Bevrijdingsdag: {liberation_day!r} "
                         f"(kies uit {', '.join(get_args(LiberationDay))}).")


@lru_cache(maxsize=256)
def _holidays_of_year(year: int, liberation_day: str) -> tuple[tuple[dt.date, str], ...]:
    """The year's holidays after the corrections, cached per year and rule."""
    result: dict[dt.date, str] = {}
    for day, joined in holidays.country_holidays("NL", years=year, language="nl").items():
        names = [name for name in joined.split(NAME_SEPARATOR) if name not in (GOOD_FRIDAY, LIBERATION_DAY)]
        if names:
            result[day] = NAME_SEPARATOR.join(names)
    if liberation_day == "always" or (liberation_day == "lustrum" and year % 5 == 0):
        may_5 = dt.date(year, 5, 5)
        # Hemelvaartsdag can fall on 5 May (2005, 2016): keep both names, in a fixed order.
        names = result[may_5].split(NAME_SEPARATOR) if may_5 in result else []
        result[may_5] = NAME_SEPARATOR.join(sorted([*names, LIBERATION_DAY]))
    return tuple(sorted(result.items()))


def dutch_holidays(year: int, *, liberation_day: LiberationDay = "lustrum") -> dict[dt.date, str]:
    """The Dutch public holidays of `year`, date → Dutch name.

    Included (holidays package, NL): Nieuwjaarsdag (1 Jan); Eerste en Tweede paasdag;
    Koningsdag (27 April, or Saturday 26 April when the 27th is a Sunday, e.g. 2025, 2031,
    2036; Koninginnedag before 2014); Hemelvaartsdag; Eerste en Tweede pinksterdag; Eerste
    en Tweede kerstdag (25 and 26 Dec). Eerste paas- and pinksterdag are Sundays.

    Left out: Goede vrijdag, which holidays 0.108 lists for NL but which is no holiday under
    the Algemene termijnenwet and a day off only under some CAOs.

    Bevrijdingsdag (5 May) is a national holiday every year (Algemene termijnenwet), but most CAOs give it
    off only in lustrum years (every fifth year: 2025, 2030); holidays 0.108 lists it only in
    those years. Here `liberation_day` decides: "always", "lustrum" (year divisible by 5) or
    "never".

    The result is a fresh dict; the work behind it is cached per year.
    """
    _check_liberation_day(liberation_day)
    return dict(_holidays_of_year(year, liberation_day))


def leave_hours(start: dt.date, end: dt.date, schedule: WorkSchedule, *, holidays_free: bool = True,
                liberation_day: LiberationDay = "lustrum", first_day_hours: float | None = None,
                last_day_hours: float | None = None, half_day: HalfDay | None = None) -> LeaveDays:
    """The hours a leave from `start` to `end` (both included) costs under `schedule`.

    A date costs nothing when it is not one of the schedule's work days ("weekend" on a
    Saturday or Sunday, "geen werkdag" otherwise), or when it is a public holiday and the
    employer gives holidays off (`holidays_free`; the reason is the holiday's name). Any
    other date costs `schedule.hours_per_day`, unless `first_day_hours` / `last_day_hours`
    name the hours of the first / last date, or `half_day` (only for a single date) makes
    it half a day; morning and afternoon cost the same. Explicit hours do not make a free
    date cost anything.
    """
    if end < start:
        raise ValueError(f"De einddatum ({end.isoformat()}) ligt vóór de begindatum ({start.isoformat()}).")
    length = (end - start).days + 1
    if length > MAX_RANGE_DAYS:
        raise ValueError(f"Een verlofperiode mag hooguit {MAX_RANGE_DAYS} dagen beslaan; "
                         f"{start.isoformat()} tot en met {end.isoformat()} beslaat er {length}.")
    _check_liberation_day(liberation_day)
    for hours in (first_day_hours, last_day_hours):
        if hours is not None and not 0 <= hours <= 24:
            raise ValueError(f"Het aantal verlofuren op een dag moet tussen 0 en 24 liggen, niet {hours}.")
    if half_day is not None:
        if half_day not in get_args(HalfDay):
            raise ValueError(f"Een halve dag is 'morning' of 'afternoon', niet {half_day!r}.")
        if start != end:
            raise ValueError("Een halve dag vrij kan alleen voor één dag, niet voor een periode.")
        if first_day_hours is not None or last_day_hours is not None:
            raise ValueError("Geef een halve dag of een aantal uren op, niet allebei.")
    if start == end and first_day_hours is not None and last_day_hours is not None \
            and first_day_hours != last_day_hours:
        raise ValueError("Voor één dag verschillen de uren van de eerste en de laatste dag; geef er één op.")

    free: dict[dt.date, str] = {}
    if holidays_free:
        for year in range(start.year, end.year + 1):
            free.update(_holidays_of_year(year, liberation_day))

    per_day = schedule.hours_per_day
    days: list[ChargedDay] = []
    total = 0.0
    for offset in range(length):
        day = start + dt.timedelta(days=offset)
        if WEEKDAYS[day.weekday()] not in schedule.work_days:
            days.append(ChargedDay(day, 0.0, "weekend" if day.weekday() >= 5 else "geen werkdag"))
            continue
        if day in free:
            days.append(ChargedDay(day, 0.0, free[day]))
            continue
        hours = per_day
        if half_day is not None:
            hours = per_day / 2
        elif day == start and first_day_hours is not None:
            hours = float(first_day_hours)
        elif day == end and last_day_hours is not None:
            hours = float(last_day_hours)
        total += hours
        days.append(ChargedDay(day, round(hours, 4)))
    return LeaveDays(days=tuple(days), hours=round(total, 2), working_days=round(total / per_day, 4))


def overlaps(a_start: dt.date, a_end: dt.date, b_start: dt.date, b_end: dt.date) -> bool:
    """Whether two date ranges, both ends included, share at least one date."""
    if a_end < a_start or b_end < b_start:
        raise ValueError("Een periode eindigt vóór ze begint.")
    return a_start <= b_end and b_start <= a_end
