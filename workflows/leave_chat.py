"""The leave conversation with an employee, whatever chat carries it: link, ask, confirm, balance.

`LeaveChat` takes what the employee sent (a command, a sentence, a button) and returns the
`Reply` to send; it calls `parsers.leave.parse_leave` (the parser behind `loonbode
parse-leave`) or, for `/verlof`, the button steps of `workflows.leave_wizard`, then
`workflows.leave_days` and the ledger, and keeps what a chat is in the middle of in the
database, so a restart continues the conversation. `/gegevens` (own data and changes to it)
is `workflows.details_chat`. `intake.telegram_bot` only carries messages between Telegram
and this class. Dutch by default, English when the employee
writes English.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from parsers.labels import LEAVE_LABELS, describe_leave
from parsers.leave import message_language, parse_leave
from parsers.models import LeaveRequest
from workflows.chat_base import ChatHooks, Reply, is_request_number
from workflows.chat_linking import link_message, linked_text, welcome
from workflows.details_chat import CONFIRM as CONFIRM_CHANGE
from workflows.details_chat import PREFIX as DETAILS
from workflows.details_chat import REJECT as REJECT_CHANGE
from workflows.details_chat import DetailsChat
from workflows.employer_chat import APPROVE, REJECT, EmployerChat
from workflows.leave_days import WorkSchedule, leave_hours
from workflows.leave_ledger import CHARGED_TYPES, LeaveError, balance, cancel, request_leave
from workflows.leave_settings import get_settings
from workflows.leave_wizard import PREFIX, LeaveWizard, Turn, waits_for_date
from workflows.models import Employee, LeaveRequestRow, TelegramChat, User
from workflows.periods import AMSTERDAM
from workflows.telegram_links import chat, save_state

TEXT = {
    "nl": {
        "help": "Vraag verlof aan met /verlof of in een zin ('Mag ik vrijdag vrij?'). /saldo toont uw verlofuren, "
                "/aanvragen uw aanvragen, /annuleer <nummer> trekt een aanvraag in. /gegevens toont uw gegevens "
                "en hoe u een wijziging doorgeeft.",
        "not_leave": "Dat begrijp ik niet als verlofaanvraag. {why}\nVoorbeeld: 'Ik wil vrij van 3 t/m 7 augustus'.",
        "confirm": "{kind} van {start} t/m {end}: {days} werkdag(en), {hours} uur.\n{after}\nKlopt dit?",
        "after": "Saldo daarna: {hours} uur.",
        "not_charged": "Dit verlof gaat niet van uw vakantiesaldo af.",
        "nothing": "Die dagen kosten geen verlofuren ({why}); er is niets aangevraagd.",
        "sent": "Aanvraag {id} is naar uw werkgever gestuurd. U hoort het zodra er een besluit is.",
        "dropped": "Niet aangevraagd.",
        "expired": "Deze vraag is niet meer open; stuur uw verzoek opnieuw.",
        "balance": "Uw verlof: {total} uur (wettelijk {statutory}, bovenwettelijk {extra}).{expiry}",
        "expiry": "\n{hours} uur vervalt op {date}.",
        "requests": "Uw aanvragen:\n{lines}",
        "no_requests": "U heeft nog geen verlof aangevraagd.",
        "yes": "Bevestigen", "no": "Annuleren",
        "cancel_how": "Stuur /annuleer gevolgd door het nummer van de aanvraag (zie /aanvragen).",
        "cancelled": "Aanvraag {id} is ingetrokken; de uren staan weer op uw saldo.",
        "cancel_past": "Aanvraag {id} is al begonnen of voorbij en kan hier niet meer worden ingetrokken.",
        "status": {"pending": "wacht op besluit", "approved": "goedgekeurd", "rejected": "afgewezen",
                   "cancelled": "ingetrokken"},
    },
    "en": {
        "help": "Ask for leave with /leave or in a sentence ('Can I take Friday off?'). /saldo shows your leave hours, "
                "/aanvragen your requests, /annuleer <number> withdraws one. /details shows your personal details "
                "and how to have them changed.",
        "not_leave": "I could not read that as a leave request. {why}\nExample: 'I would like 3 to 7 August off'.",
        "confirm": "{kind} from {start} to {end}: {days} working day(s), {hours} hours.\n{after}\nIs this right?",
        "after": "Balance afterwards: {hours} hours.",
        "not_charged": "This leave does not come off your holiday balance.",
        "nothing": "Those days cost no leave hours ({why}); nothing was requested.",
        "sent": "Request {id} has been sent to your employer. You will hear as soon as it is decided.",
        "dropped": "Not requested.",
        "expired": "This question is no longer open; please send your request again.",
        "balance": "Your leave: {total} hours (statutory {statutory}, extra {extra}).{expiry}",
        "expiry": "\n{hours} hours expire on {date}.",
        "requests": "Your requests:\n{lines}",
        "no_requests": "You have not requested any leave yet.",
        "yes": "Confirm", "no": "Cancel",
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

    def __init__(self, engine: Engine, today: Callable[[], dt.date] | None = None,
                 hooks: ChatHooks | None = None) -> None:
        self.engine = engine
        self.today = today or (lambda: dt.datetime.now(AMSTERDAM).date())
        self.hooks = hooks or ChatHooks()
        self.employer = EmployerChat(engine, self.hooks, self.today)
        self.details = DetailsChat(engine, self.hooks, self.today)

    def _employee(self, chat_id: int) -> Employee | None:
        state = chat(self.engine, chat_id)
        if state.employee_id is None:
            return None
        with Session(self.engine) as session:
            return session.get(Employee, state.employee_id)

    def _user(self, state: TelegramChat) -> User | None:
        """The employer contact a chat is linked to, while that dashboard account is active."""
        if state.user_id is None:
            return None
        with Session(self.engine) as session:
            user = session.get(User, state.user_id)
        return user if user is not None and user.active else None

    # -- commands ----------------------------------------------------------------------------------------------

    def command(self, chat_id: int, name: str, args: list[str], app_language: str | None) -> Reply:
        state = chat(self.engine, chat_id)
        language = language_of("", app_language) if state.linked_at is None else _saved_language(state)
        user = self._user(state)
        if user is not None:
            return self.employer.command(user, name, language)
        if name == "help" and state.employee_id is not None:
            return Reply(TEXT[language]["help"])
        employee = self._employee(chat_id)
        if employee is None or employee.id is None:
            return Reply(welcome(language))
        if name == "start":
            return Reply(linked_text(employee, language))
        if name == "saldo":
            return self._balance(employee.id, language)
        if name == "aanvragen":
            return self._requests(employee.id, language)
        if name in ("annuleer", "cancel"):
            return self._cancel(chat_id, employee.id, args, language)
        if name in ("verlof", "leave"):
            return self._wizard_step(chat_id, employee, self._wizard(employee).begin(language), edit=False)
        if name in ("gegevens", "details"):
            return self.details.show(chat_id, employee, language)
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
            row = session.get(LeaveRequestRow, int(number)) if is_request_number(number) else None
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
        state = chat(self.engine, chat_id)
        user = self._user(state)
        if user is not None:
            return self.employer.message(chat_id, user, words, language)
        employee = self._employee(chat_id)
        if employee is None:
            answer = link_message(self.engine, self.hooks, chat_id, words, language)
            if answer.linked is not None:
                save_state(self.engine, chat_id, {}, language=language)
            return Reply(answer.text)
        state = chat(self.engine, chat_id)
        if self.details.waiting(state):  # a new address, IBAN or other value for /gegevens
            return self.details.typed(chat_id, employee, words, state)
        wizard = state.state.get("wizard")
        if waits_for_date(wizard):
            return self._wizard_step(chat_id, employee, self._wizard(employee).typed(wizard, words), edit=False)
        read = parse_leave(words, self.today())
        if not isinstance(read, LeaveRequest):
            return Reply(TEXT[language]["not_leave"].format(why=read.message))
        return self._offer(chat_id, employee, read, words, language)

    def _offer(self, chat_id: int, employee: Employee, read: LeaveRequest, words: str, language: str, *,
               edit: bool = False) -> Reply:
        """What the request costs and the balance after it, with Bevestigen/Annuleren; the request waits in the
        chat state for the button. Sentences and `/verlof` both end here."""
        assert employee.id is not None
        single = read.start_date == read.end_date
        rules = get_settings(self.engine, employee.employer_id)
        try:
            days = leave_hours(read.start_date, read.end_date, _schedule(employee), holidays_free=rules.holidays_free,
                               half_day=read.part_of_day if single and read.hours is None else None,
                               first_day_hours=read.hours if single and read.hours else None,
                               last_day_hours=read.hours if single and read.hours else None)
        except ValueError as exc:
            return Reply(str(exc), edit=edit)
        if days.hours <= 0:
            why = ", ".join(sorted({d.reason_not_charged for d in days.days if d.reason_not_charged}))
            return Reply(TEXT[language]["nothing"].format(why=why), edit=edit)
        current = balance(self.engine, employee.id, self.today())
        pending = {"leave_type": read.leave_type, "start": read.start_date.isoformat(),
                   "end": read.end_date.isoformat(), "hours": days.hours, "text": words[:2000]}
        save_state(self.engine, chat_id, {"pending": pending}, language=language)
        kind = LEAVE_LABELS[read.leave_type][language]
        after = (TEXT[language]["after"].format(hours=_number(current.hours - days.hours))
                 if read.leave_type in CHARGED_TYPES else TEXT[language]["not_charged"])
        text = TEXT[language]["confirm"].format(kind=kind[:1].upper() + kind[1:], start=_day(read.start_date),
                                                end=_day(read.end_date), days=_number(days.working_days),
                                                hours=_number(days.hours), after=after)
        return Reply(text, buttons=((TEXT[language]["yes"], "confirm"), (TEXT[language]["no"], "drop")), edit=edit)

    def button(self, chat_id: int, data: str | None) -> Reply:
        state = chat(self.engine, chat_id)
        language = _saved_language(state)
        user = self._user(state)
        if user is not None and data and data.partition(":")[0] in (APPROVE, REJECT, CONFIRM_CHANGE, REJECT_CHANGE):
            return self.employer.button(chat_id, user, data, language)
        if data and data.startswith(DETAILS):
            employee = self._employee(chat_id) if user is None else None
            if employee is None:
                return Reply(TEXT[language]["expired"], edit=True)
            return self.details.button(chat_id, employee, data, state)
        if data and data.startswith(PREFIX):
            employee = self._employee(chat_id)
            turn = self._wizard(employee).press(state.state.get("wizard"), data) if employee is not None else None
            if employee is None or turn is None:
                return Reply(TEXT[language]["expired"], edit=True)
            return self._wizard_step(chat_id, employee, turn, edit=True)
        pending = state.state.get("pending")
        if not pending or state.employee_id is None:
            return Reply(TEXT[language]["expired"], edit=True)
        save_state(self.engine, chat_id, {})
        if data != "confirm":
            return Reply(TEXT[language]["dropped"], edit=True)
        try:
            made = request_leave(self.engine, state.employee_id, pending["leave_type"],
                                 dt.date.fromisoformat(pending["start"]), dt.date.fromisoformat(pending["end"]),
                                 float(pending["hours"]), "telegram", pending.get("text"),
                                 actor=f"telegram:{chat_id}", on_requested=self.hooks.on_requested)
        except LeaveError as exc:
            return Reply(str(exc), edit=True)
        return Reply(TEXT[language]["sent"].format(id=made.id), edit=True)

    # -- /verlof: the button steps of workflows.leave_wizard ----------------------------------------------------

    def _wizard(self, employee: Employee) -> LeaveWizard:
        return LeaveWizard(_schedule(employee), self.today())

    def _wizard_step(self, chat_id: int, employee: Employee, turn: Turn, *, edit: bool) -> Reply:
        """Keep the wizard's state (or end it) and ask its next question, or offer the finished request."""
        save_state(self.engine, chat_id, {"wizard": turn.state} if turn.state else {}, language=turn.language)
        if turn.request is not None:
            words = f"/verlof: {describe_leave(turn.request, turn.language)}"
            return self._offer(chat_id, employee, turn.request, words, turn.language, edit=edit)
        return Reply(turn.text, turn.buttons, edit=edit)


def _saved_language(state: TelegramChat) -> str:
    return state.language if state.language in TEXT else "nl"


def _schedule(employee: Employee) -> WorkSchedule:
    return WorkSchedule(employee.hours_per_week or 40.0, tuple(employee.work_days))
