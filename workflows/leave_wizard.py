"""The steps of `/verlof`: asking for leave with buttons — kind, first day, last day, part of the day.

`LeaveWizard` is the step logic only: it gets the wizard's saved state (a small dict that
`workflows.leave_chat.LeaveChat` keeps in the chat state under "wizard", so a restart
continues) and what the employee pressed or typed, and returns a `Turn`: the next state and
question, or the finished `LeaveRequest`, which `LeaveChat` offers for confirmation exactly
as a request written in a sentence. No database and no clock: the work schedule and today
come in. Button data is "w:<step>:<value>" ("w:type:unpaid", "w:start:2026-03-23") or
"w:stop"; a press for another step than the current one is stale. Dutch or English, as the
wizard began.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from parsers.labels import LEAVE_LABELS
from parsers.leave import _dates  # the leave parser's own date reading: "12 augustus", "12-8", "vrijdag"
from parsers.models import LeaveRequest
from workflows.leave_days import WorkSchedule, leave_hours

PREFIX = "w:"
STOP = f"{PREFIX}stop"
KIND, FIRST, LAST, PART = "type", "start", "end", "part"
DATE_STEPS = (FIRST, LAST)
PARTS = ("day", "morning", "afternoon")
# The Telegram adapter puts all buttons of a reply on one row, and Telegram allows 8 buttons a row:
# "alleen die dag", 6 days and "Stoppen" fill it.
DAY_BUTTONS = 6
LOOKAHEAD_DAYS = 62  # how far to look for work days to offer (a long holiday stretch included)

State = dict[str, Any]
Buttons = tuple[tuple[str, str], ...]

TEXT = {
    "nl": {
        "type": "Welk soort verlof wilt u aanvragen?",
        "start": "{kind}. Wat is uw eerste vrije dag? Kies een dag of typ een datum, bijvoorbeeld '12 augustus' of "
                 "'12-8'.",
        "end": "{kind} vanaf {first}. Wat is uw laatste vrije dag? Kies een dag of typ een datum.",
        "part": "{kind} op {first}. De hele dag of een halve dag?",
        "only": "Alleen die dag", "day": "Hele dag", "morning": "Ochtend", "afternoon": "Middag",
        "stop": "Stoppen", "stopped": "Gestopt; er is niets aangevraagd.",
        "not_a_date": "Dat lees ik niet als datum.",
        "too_early": "Kies een dag vanaf {day}.",
        "weekdays": ("ma", "di", "wo", "do", "vr", "za", "zo"),
    },
    "en": {
        "type": "What kind of leave would you like to request?",
        "start": "{kind}. What is your first day off? Pick a day or type a date, for example '12 August' or '12-8'.",
        "end": "{kind} from {first}. What is your last day off? Pick a day or type a date.",
        "part": "{kind} on {first}. The whole day or half a day?",
        "only": "Just that day", "day": "Whole day", "morning": "Morning", "afternoon": "Afternoon",
        "stop": "Stop", "stopped": "Stopped; nothing was requested.",
        "not_a_date": "I could not read that as a date.",
        "too_early": "Please pick a day from {day}.",
        "weekdays": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    },
}


@dataclass(frozen=True)
class Turn:
    """The wizard's answer to one step: the state to keep (None: the wizard is over) and the question
    with its buttons, or the finished request to offer for confirmation."""

    language: str
    state: State | None
    text: str = ""
    buttons: Buttons = ()
    request: LeaveRequest | None = None


def day_label(day: dt.date, language: str, *, year: bool = False) -> str:
    """"ma 23-03" / "Mon 23-03" for a button; with the year for a sentence."""
    return f"{TEXT[language]['weekdays'][day.weekday()]} {day:%d-%m}" + (f"-{day:%Y}" if year else "")


def is_work_day(day: dt.date, schedule: WorkSchedule) -> bool:
    """Whether a day off on `day` costs leave: a work day of the schedule and no public holiday."""
    return leave_hours(day, day, schedule).hours > 0


def work_days_from(first: dt.date, schedule: WorkSchedule, count: int = DAY_BUTTONS) -> list[dt.date]:
    """Up to `count` work days from `first` on (included), within `LOOKAHEAD_DAYS`."""
    days = (first + dt.timedelta(days=offset) for offset in range(LOOKAHEAD_DAYS))
    return [day for day in days if is_work_day(day, schedule)][:count]


def read_date(words: str, today: dt.date, earliest: dt.date) -> dt.date | None:
    """The first date `words` name on or after `earliest`, or None.

    Read as a leave sentence reads it, against today; a date that then falls before `earliest`
    is read once more counting from `earliest` ("vrijdag" as the last day of leave that starts
    next Monday is the Friday after it).
    """
    for reference in (today, earliest - dt.timedelta(days=1)):
        ahead = [day for day in _dates(words, reference) if day >= earliest]
        if ahead:
            return ahead[0]
    return None


def waits_for_date(state: State | None) -> bool:
    """Whether the wizard is at a step where typed text is read as a date."""
    return state is not None and state.get("step") in DATE_STEPS


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


class LeaveWizard:
    """The `/verlof` steps for one employee's schedule on one day."""

    def __init__(self, schedule: WorkSchedule, today: dt.date) -> None:
        self.schedule = schedule
        self.today = today

    def begin(self, language: str) -> Turn:
        """The first question: which kind of leave."""
        return self._ask({"step": KIND, "language": language if language in TEXT else "nl"})

    def press(self, state: State | None, data: str) -> Turn | None:
        """The step after a button press; None when the button is stale (no wizard, or another step)."""
        if not state or state.get("language") not in TEXT:
            return None
        if data == STOP:
            return Turn(state["language"], None, TEXT[state["language"]]["stopped"])
        step, _, value = data.removeprefix(PREFIX).partition(":")
        if step != state.get("step"):
            return None
        if step == KIND:
            return self._ask({**state, "step": FIRST, "kind": value}) if value in LEAVE_LABELS else None
        if step == PART:
            return self._finish(state, value) if value in PARTS else None
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return None
        return self._choose_day(state, day) if day >= self._earliest(state) else None

    def typed(self, state: State, words: str) -> Turn:
        """The step after a typed date; a hint and the same question when the words name no usable date."""
        texts, earliest = TEXT[state["language"]], self._earliest(state)
        if not _dates(words, self.today):
            return self._ask(state, hint=texts["not_a_date"])
        day = read_date(words, self.today, earliest)
        if day is None:
            return self._ask(state, hint=texts["too_early"].format(day=day_label(earliest, state["language"],
                                                                                 year=True)))
        return self._choose_day(state, day)

    # -- steps -------------------------------------------------------------------------------------------------

    def _earliest(self, state: State) -> dt.date:
        """The first day the current date step accepts: today, or the first day of leave."""
        return dt.date.fromisoformat(state["start"]) if state.get("step") == LAST else self.today

    def _choose_day(self, state: State, day: dt.date) -> Turn:
        if state["step"] == FIRST:
            return self._ask({**state, "step": LAST, "start": day.isoformat()})
        if day.isoformat() == state["start"] and is_work_day(day, self.schedule):
            return self._ask({**state, "step": PART, "end": day.isoformat()})
        return self._finish({**state, "end": day.isoformat()}, "day")

    def _finish(self, state: State, part: str) -> Turn:
        request = LeaveRequest(leave_type=state["kind"], start_date=dt.date.fromisoformat(state["start"]),
                               end_date=dt.date.fromisoformat(state["end"]),
                               part_of_day=None if part == "day" else part)
        return Turn(state["language"], None, request=request)

    # -- questions ---------------------------------------------------------------------------------------------

    def _ask(self, state: State, *, hint: str = "") -> Turn:
        """The question of the state's step with its buttons, after `hint` when there is one."""
        language, step = state["language"], state["step"]
        texts = TEXT[language]
        if step == KIND:
            text, buttons = texts[KIND], self._kind_buttons(language)
        else:
            first = dt.date.fromisoformat(state["start"]) if "start" in state else self.today
            text = texts[step].format(kind=capitalised(LEAVE_LABELS[state["kind"]][language]),
                                      first=day_label(first, language, year=True))
            buttons = self._part_buttons(language) if step == PART else self._day_buttons(step, first, language)
        return Turn(language, state, f"{hint}\n{text}" if hint else text, (*buttons, (texts["stop"], STOP)))

    def _kind_buttons(self, language: str) -> Buttons:
        return tuple((capitalised(labels[language]), f"{PREFIX}{KIND}:{kind}")
                     for kind, labels in LEAVE_LABELS.items())

    def _day_buttons(self, step: str, first: dt.date, language: str) -> Buttons:
        if step == FIRST:
            return tuple((day_label(day, language), f"{PREFIX}{FIRST}:{day}")
                         for day in work_days_from(self.today, self.schedule))
        later = work_days_from(first + dt.timedelta(days=1), self.schedule)
        return ((TEXT[language]["only"], f"{PREFIX}{LAST}:{first}"),
                *((day_label(day, language), f"{PREFIX}{LAST}:{day}") for day in later))

    def _part_buttons(self, language: str) -> Buttons:
        return tuple((TEXT[language][part], f"{PREFIX}{PART}:{part}") for part in PARTS)
