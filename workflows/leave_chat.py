"""The leave conversation with an employee, whatever chat carries it: link, ask, confirm, balance.

`LeaveChat` takes what the employee sent (a command, a sentence, a button) and returns the
`Reply` to send; it calls `parsers.leave.parse_leave` (the parser behind `loonbode
parse-leave`), `workflows.leave_days` and the ledger, and keeps what a chat is in the
middle of in the database, so a restart continues the conversation. `intake.telegram_bot`
only carries messages between Telegram and this class. Dutch by default, English when the
employee writes English.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from parsers.labels import LEAVE_LABELS
from parsers.leave import message_language, parse_leave
from parsers.models import LeaveRequest
from workflows.leave_days import WorkSchedule, leave_hours
from workflows.leave_ledger import LeaveError, balance, cancel, request_leave
from workflows.models import Employee, LeaveRequestRow
from workflows.periods import AMSTERDAM
from workflows.telegram_links import LinkError, chat, redeem, save_state

CODE = re.compile(r"^\s*(\d{6})\s*$")


@dataclass(frozen=True)
class Reply:
    """What to answer: text, optional buttons (label, data), and whether it replaces the message a
    button was pressed on."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    edit: bool = False


TEXT = {
    "nl": {
        "link": "Welkom bij Loonbode. Stuur de koppelcode van zes cijfers die u van uw werkgever kreeg.",
        "linked": "Gekoppeld, {name}. Vraag verlof aan in een zin, bijvoorbeeld: 'Ik wil vrij van 3 t/m 7 augustus'.",
        "help": "Vraag verlof aan in een zin ('Mag ik vrijdag vrij?'). /saldo toont uw verlofuren, "
                "/aanvragen uw aanvragen, /annuleer <nummer> trekt een aanvraag in.",
        "not_leave": "Dat begrijp ik niet als verlofaanvraag. {why}\nVoorbeeld: 'Ik wil vrij van 3 t/m 7 augustus'.",
        "confirm": "{kind} van {start} t/m {end}: {days} werkdag(en), {hours} uur.\nSaldo daarna: {after} uur.\n"
                   "Klopt dit?",
        "nothing": "Die dagen kosten geen verlofuren ({why}); er is niets aangevraagd.",
        "sent": "Aanvraag {id} is naar uw werkgever gestuurd. U hoort het zodra er een besluit is.",
        "dropped": "Niet aangevraagd.",
        "expired": "Deze vraag is niet meer open; stuur uw verzoek opnieuw.",
        "balance": "Uw verlof: {total} uur (wettelijk {statutory}, bovenwettelijk {extra}).{expiry}",
        "expiry": "\n{hours} uur vervalt op {date}.",
        "requests": "Uw aanvragen:\n{lines}",
        "no_requests": "U heeft nog geen verlof aangevraagd.",
        "yes": "Bevestigen", "no": "Annuleren",
        "bad_code": "Die code klopt niet of is verlopen. Vraag uw werkgever om een nieuwe.",
        "locked": "Te veel verkeerde codes; probeer het over een kwartier opnieuw.",
        "cancel_how": "Stuur /annuleer gevolgd door het nummer van de aanvraag (zie /aanvragen).",
        "cancelled": "Aanvraag {id} is ingetrokken; de uren staan weer op uw saldo.",
        "cancel_past": "Aanvraag {id} is al begonnen of voorbij en kan hier niet meer worden ingetrokken.",
        "status": {"pending": "wacht op besluit", "approved": "goedgekeurd", "rejected": "afgewezen",
                   "cancelled": "ingetrokken"},
    },
    "en": {
        "link": "Welcome to Loonbode. Send the six-digit link code your employer gave you.",
        "linked": "Linked, {name}. Ask for leave in a sentence, for example: 'Can I take Friday off?'.",
        "help": "Ask for leave in a sentence ('Can I take Friday off?'). /saldo shows your leave hours, "
                "/aanvragen your requests, /annuleer <number> withdraws one.",
        "not_leave": "I could not read that as a leave request. {why}\nExample: 'I would like 3 to 7 August off'.",
        "confirm": "{kind} from {start} to {end}: {days} working day(s), {hours} hours.\n"
                   "Balance afterwards: {after} hours.\nIs this right?",
        "nothing": "Those days cost no leave hours ({why}); nothing was requested.",
        "sent": "Request {id} has been sent to your employer. You will hear as soon as it is decided.",
        "dropped": "Not requested.",
        "expired": "This question is no longer open; please send your request again.",
        "balance": "Your leave: {total} hours (statutory {statutory}, extra {extra}).{expiry}",
        "expiry": "\n{hours} hours expire on {date}.",
        "requests": "Your requests:\n{lines}",
        "no_requests": "You have not requested any leave yet.",
        "yes": "Confirm", "no": "Cancel",
        "bad_code": "That code is wrong or has expired. Ask your employer for a new one.",
        "locked": "Too many wrong codes; please try again in a quarter of an hour.",
        "cancel_how": "Send /annuleer followed by the request's number (see /aanvragen).",
        "cancelled": "Request {id} has been withdrawn; the hours are back on your balance.",
        "cancel_past": "Request {id} has already started or passed and cannot be withdrawn here.",
        "status": {"pending": "awaiting a decision", "approved": "approved", "rejected": "rejected",
                   "cancelled": "withdrawn"},
    },
}


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _day(value: dt.date) -> str:
    return value.strftime("%d-%m-%Y")


def language_of(text: str, app_language: str | None) -> str:
    """The language of the words when they tell, else the chat app's language; Dutch by default."""
    found = message_language(text) if text else None
    if found:
        return found
    return "en" if (app_language or "nl").startswith("en") else "nl"


class LeaveChat:
    """One conversation engine over the database; `today` gives the date in Amsterdam (tests fix it)."""

    def __init__(self, engine: Engine, today: Callable[[], dt.date] | None = None) -> None:
        self.engine = engine
        self.today = today or (lambda: dt.datetime.now(AMSTERDAM).date())

    def _employee(self, chat_id: int) -> Employee | None:
        state = chat(self.engine, chat_id)
        if state.employee_id is None:
            return None
        with Session(self.engine) as session:
            return session.get(Employee, state.employee_id)

    # -- commands ----------------------------------------------------------------------------------------------

    def command(self, chat_id: int, name: str, args: list[str], app_language: str | None) -> Reply:
        language = language_of("", app_language)
        if name == "help":
            return Reply(TEXT[language]["help"])
        employee = self._employee(chat_id)
        if employee is None or employee.id is None:
            return Reply(TEXT[language]["link"])
        if name == "start":
            return Reply(TEXT[language]["linked"].format(name=employee.first_name))
        if name == "saldo":
            return self._balance(employee.id, language)
        if name == "aanvragen":
            return self._requests(employee.id, language)
        if name in ("annuleer", "cancel"):
            return self._cancel(chat_id, employee.id, args, language)
        return Reply(TEXT[language]["help"])

    def _balance(self, employee_id: int, language: str) -> Reply:
        found = balance(self.engine, employee_id, self.today())
        expiry = ""
        soonest = min((k for k in (found.statutory, found.extra) if k.next_expiry_on and k.next_expiry_minutes),
                      key=lambda k: k.next_expiry_on, default=None)  # type: ignore[arg-type, return-value]
        if soonest is not None and soonest.next_expiry_on is not None:
            expiry = TEXT[language]["expiry"].format(hours=_number(soonest.next_expiry_hours),
                                                     date=_day(soonest.next_expiry_on))
        return Reply(TEXT[language]["balance"].format(
            total=_number(found.hours), statutory=_number(found.statutory.hours), extra=_number(found.extra.hours),
            expiry=expiry))

    def _requests(self, employee_id: int, language: str) -> Reply:
        with Session(self.engine) as session:
            rows = list(session.exec(select(LeaveRequestRow).where(LeaveRequestRow.employee_id == employee_id)
                                     .order_by(col(LeaveRequestRow.start_date).desc()).limit(10)))
        if not rows:
            return Reply(TEXT[language]["no_requests"])
        lines = "\n".join(f"{r.id}: {_day(r.start_date)} t/m {_day(r.end_date)}, {_number(r.minutes / 60)} uur — "
                          f"{TEXT[language]['status'].get(r.status, r.status)}" for r in rows)
        return Reply(TEXT[language]["requests"].format(lines=lines))

    def _cancel(self, chat_id: int, employee_id: int, args: list[str], language: str) -> Reply:
        """Withdraw a pending request, or an approved one that has not started."""
        number = (args or [""])[0].lstrip("#")
        with Session(self.engine) as session:
            row = session.get(LeaveRequestRow, int(number)) if number.isdigit() else None
        if row is None or row.employee_id != employee_id:
            return Reply(TEXT[language]["cancel_how"])
        if row.start_date <= self.today():
            return Reply(TEXT[language]["cancel_past"].format(id=row.id))
        try:
            cancel(self.engine, row.id or 0, actor=f"telegram:{chat_id}")
        except LeaveError as exc:
            return Reply(str(exc))
        return Reply(TEXT[language]["cancelled"].format(id=row.id))

    # -- conversation ------------------------------------------------------------------------------------------

    def message(self, chat_id: int, words: str, app_language: str | None) -> Reply:
        language = language_of(words, app_language)
        employee = self._employee(chat_id)
        if employee is None:
            code = CODE.match(words)
            if code is None:
                return Reply(TEXT[language]["link"])
            try:
                linked = redeem(self.engine, chat_id, code.group(1))
            except LinkError as exc:
                return Reply(TEXT[language]["locked" if exc.locked else "bad_code"])
            return Reply(TEXT[language]["linked"].format(name=linked.first_name))
        read = parse_leave(words, self.today())
        if not isinstance(read, LeaveRequest):
            return Reply(TEXT[language]["not_leave"].format(why=read.message))
        return self._offer(chat_id, employee, read, words, language)

    def _offer(self, chat_id: int, employee: Employee, read: LeaveRequest, words: str, language: str) -> Reply:
        assert employee.id is not None
        schedule = WorkSchedule(employee.hours_per_week or 40.0, tuple(employee.work_days))
        single = read.start_date == read.end_date
        try:
            days = leave_hours(read.start_date, read.end_date, schedule,
                               half_day=read.part_of_day if single and read.hours is None else None,
                               first_day_hours=read.hours if single and read.hours else None,
                               last_day_hours=read.hours if single and read.hours else None)
        except ValueError as exc:
            return Reply(str(exc))
        if days.hours <= 0:
            why = ", ".join(sorted({d.reason_not_charged for d in days.days if d.reason_not_charged}))
            return Reply(TEXT[language]["nothing"].format(why=why))
        current = balance(self.engine, employee.id, self.today())
        pending = {"leave_type": read.leave_type, "start": read.start_date.isoformat(),
                   "end": read.end_date.isoformat(), "hours": days.hours, "text": words[:2000]}
        save_state(self.engine, chat_id, {"pending": pending}, language=language)
        kind = LEAVE_LABELS[read.leave_type][language]
        text = TEXT[language]["confirm"].format(kind=kind[:1].upper() + kind[1:], start=_day(read.start_date),
                                                end=_day(read.end_date), days=_number(days.working_days),
                                                hours=_number(days.hours), after=_number(current.hours - days.hours))
        return Reply(text, buttons=((TEXT[language]["yes"], "confirm"), (TEXT[language]["no"], "drop")))

    def button(self, chat_id: int, data: str | None) -> Reply:
        state = chat(self.engine, chat_id)
        language = state.language if state.language in TEXT else "nl"
        pending = state.state.get("pending")
        if not pending or state.employee_id is None:
            return Reply(TEXT[language]["expired"], edit=True)
        save_state(self.engine, chat_id, {})
        if data != "confirm":
            return Reply(TEXT[language]["dropped"], edit=True)
        try:
            made = request_leave(self.engine, state.employee_id, pending["leave_type"],
                                 dt.date.fromisoformat(pending["start"]), dt.date.fromisoformat(pending["end"]),
                                 float(pending["hours"]), "telegram", pending.get("text"))
        except LeaveError as exc:
            return Reply(str(exc), edit=True)
        return Reply(TEXT[language]["sent"].format(id=made.id), edit=True)
