"""Working days: Monday to Friday, Dutch public holidays excluded (as `workflows.leave_days` counts them).

Deadlines ("5 working days before the run") and reminders ("open after 2 working days")
count in these days. Pure functions over dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from workflows.leave_days import dutch_holidays


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in dutch_holidays(day.year)


def working_days_after(day: dt.date) -> Iterator[dt.date]:
    """The working days after `day`, in order, without end."""
    while True:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            yield day


def add_working_days(day: dt.date, count: int) -> dt.date:
    """`count` working days after `day` (before it, for a negative count); `day` itself when 0."""
    step = dt.timedelta(days=1 if count >= 0 else -1)
    left = abs(count)
    while left:
        day += step
        if is_working_day(day):
            left -= 1
    return day


def on_or_before(day: dt.date) -> dt.date:
    """`day` when it is a working day, else the last working day before it."""
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day
