"""The Wet verbetering poortwachter milestones of a sick case, from its first sick day. Pure functions.

The law counts weeks of illness from the first sick day: that day is day 1 of week 1, so
week N starts on `first_sick_day + 7 * (N - 1)` days and ends six days later. A step the
law wants "in week N" is reminded on the first day of week N (`milestone_dates`), which
leaves the whole week to do it; the mail names the last day of that week as "by when"
(`week_ends`). Calendar days, not working days: the law counts weeks of illness.

The steps (employer and employee share them; the bureau keeps the employer to them):

- week 6: probleemanalyse — the company doctor (bedrijfsarts) writes the problem analysis.
- week 8: plan van aanpak — employer and employee agree the plan, and a case manager is named.
- week 42: ziekmelding UWV — the employer reports the employee to UWV (the 42nd-week report).
- week 52: eerstejaarsevaluatie — employer and employee evaluate the first year and set the second.
- week 93: WIA-aanvraag — the employee applies to UWV for WIA, with the employer's reintegration report.

A case entered late should not bring every step it already passed at once: `due_milestone`
gives only the latest passed step, and only while it passed less than `LATE_DAYS` days ago.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

LATE_DAYS = 14  # a step is still reminded on its first day of week N and the 13 days after it


@dataclass(frozen=True)
class Milestone:
    week: int
    name_nl: str
    name_en: str
    todo_nl: str  # what is to be done, in a sentence
    todo_en: str

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_nl

    def todo(self, language: str) -> str:
        return self.todo_en if language == "en" else self.todo_nl


MILESTONES: tuple[Milestone, ...] = (
    Milestone(6, "probleemanalyse", "problem analysis",
              "De bedrijfsarts of arbodienst stelt de probleemanalyse op.",
              "The company doctor (occupational health service) draws up the problem analysis."),
    Milestone(8, "plan van aanpak", "action plan",
              "Werkgever en werknemer stellen samen het plan van aanpak op en wijzen een casemanager aan.",
              "Employer and employee draw up the action plan together and appoint a case manager."),
    Milestone(42, "ziekmelding UWV", "sickness report to UWV",
              "De werkgever meldt de werknemer ziek bij UWV (de 42e-weekmelding).",
              "The employer reports the employee as sick to UWV (the 42nd-week report)."),
    Milestone(52, "eerstejaarsevaluatie", "first-year evaluation",
              "Werkgever en werknemer evalueren het eerste ziektejaar en leggen de afspraken voor het tweede "
              "jaar vast.",
              "Employer and employee evaluate the first year of sickness and agree the plan for the second year."),
    Milestone(93, "WIA-aanvraag", "WIA application",
              "De werknemer vraagt de WIA-uitkering aan bij UWV; de werkgever levert het re-integratieverslag aan.",
              "The employee applies to UWV for WIA benefit; the employer provides the reintegration report."),
)


def week_starts(first_sick_day: dt.date, week: int) -> dt.date:
    """The first day of week `week` of illness (week 1 starts on the first sick day)."""
    return first_sick_day + dt.timedelta(days=7 * (week - 1))


def week_ends(first_sick_day: dt.date, week: int) -> dt.date:
    """The last day of week `week` of illness: when a step due "in week N" must be done."""
    return week_starts(first_sick_day, week) + dt.timedelta(days=6)


def milestone_dates(first_sick_day: dt.date) -> list[tuple[Milestone, dt.date]]:
    """Every milestone with the day it is reminded on (the first day of its week), in order."""
    return [(milestone, week_starts(first_sick_day, milestone.week)) for milestone in MILESTONES]


def due_milestone(first_sick_day: dt.date, today: dt.date) -> tuple[Milestone, dt.date] | None:
    """The milestone to remind of on `today`: the latest one passed, while less than LATE_DAYS ago; else None."""
    passed = [(milestone, day) for milestone, day in milestone_dates(first_sick_day) if day <= today]
    if not passed:
        return None
    milestone, day = passed[-1]
    return (milestone, day) if (today - day).days < LATE_DAYS else None
