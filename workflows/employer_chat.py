"""A chat linked to an employer contact (a dashboard user): deciding on leave with buttons.

New requests arrive as messages with Goedkeuren/Afwijzen buttons (`notifier.leave_approvals`,
data `la:<id>` and `lr:<id>`); `/aanvragen` lists what still waits, with the same buttons.
Approving is one press; rejecting asks for the reason first, and the next message is it.
An employee's data change (/gegevens) is confirmed the same way (`dc:<id>`, `dr:<id>`,
`/gegevens` lists them), by `workflows.details_chat.ChangeDecisions`.
A contact decides only on its own employer's employees (bureau users on any), as in the
dashboard; the decision and the employee's message are committed together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from parsers.labels import LEAVE_LABELS
from workflows.chat_base import ChatHooks, Reply, is_request_number
from workflows.details_chat import CONFIRM as CONFIRM_CHANGE
from workflows.details_chat import REJECT as REJECT_CHANGE
from workflows.details_chat import REJECTING as REJECTING_CHANGE
from workflows.details_chat import ChangeDecisions
from workflows.leave_ledger import LeaveError, decide
from workflows.models import Employee, LeaveRequestRow, LeaveStatus, User, UserRole
from workflows.telegram_links import chat, save_state

APPROVE, REJECT = "la", "lr"  # the button data notifier.leave_approvals writes: "la:12"
MAX_LISTED = 10

TEXT = {
    "nl": {
        "help": "Hier komen de verlofaanvragen van uw medewerkers binnen; beslis met de knoppen. /aanvragen toont "
                "wat nog op u wacht, /gegevens de wijzigingen van gegevens die u nog moet bevestigen.",
        "none": "Er wachten geen verlofaanvragen op u.",
        "waiting": "Wachten op uw besluit:\n{lines}",
        "line": "{id}: {name}, {kind} {start} t/m {end} ({hours} uur)",
        "approve": "✓ {id}", "reject": "✗ {id}",
        "approved": "Goedgekeurd: {line}. {first} hoort het in de chat.",
        "why": "Waarom wijst u aanvraag {id} af ({name})? Stuur de reden; de medewerker leest die.",
        "rejected": "Afgewezen: {line}. {first} hoort het, met uw reden.",
        "gone": "Aanvraag {id} is niet van u om te beslissen.",
        "decided": "Over aanvraag {id} is al beslist: {status}.",
        "status": {"approved": "goedgekeurd", "rejected": "afgewezen", "cancelled": "ingetrokken"},
    },
    "en": {
        "help": "Your employees' leave requests arrive here; decide with the buttons. /aanvragen shows what is still "
                "waiting for you, /gegevens the changes of personal details still to confirm.",
        "none": "No leave requests are waiting for you.",
        "waiting": "Waiting for your decision:\n{lines}",
        "line": "{id}: {name}, {kind} {start} to {end} ({hours} hours)",
        "approve": "✓ {id}", "reject": "✗ {id}",
        "approved": "Approved: {line}. {first} will hear in the chat.",
        "why": "Why do you reject request {id} ({name})? Send the reason; the employee will read it.",
        "rejected": "Rejected: {line}. {first} will hear, with your reason.",
        "gone": "Request {id} is not yours to decide.",
        "decided": "Request {id} has already been decided: {status}.",
        "status": {"approved": "approved", "rejected": "rejected", "cancelled": "withdrawn"},
    },
}


class EmployerChat:
    def __init__(self, engine: Engine, hooks: ChatHooks, today: Callable[[], dt.date]) -> None:
        self.engine, self.hooks, self.today = engine, hooks, today
        self.changes = ChangeDecisions(engine, hooks)

    def _request(self, session: Session, user: User, request_id: int) -> tuple[LeaveRequestRow, Employee] | None:
        request = session.get(LeaveRequestRow, request_id)
        employee = session.get(Employee, request.employee_id) if request else None
        if request is None or employee is None:
            return None
        if user.role == UserRole.EMPLOYER and employee.employer_id != user.employer_id:
            return None
        return request, employee

    def _line(self, request: LeaveRequestRow, employee: Employee, language: str) -> str:
        return TEXT[language]["line"].format(
            id=request.id, name=employee.full_name,
            kind=LEAVE_LABELS.get(request.leave_type, LEAVE_LABELS["vacation"])[language],
            start=request.start_date.strftime("%d-%m-%Y"), end=request.end_date.strftime("%d-%m-%Y"),
            hours=f"{request.minutes / 60:g}".replace(".", ",") if language == "nl" else f"{request.minutes / 60:g}")

    def command(self, user: User, name: str, language: str) -> Reply:
        if name in ("gegevens", "details"):
            return self.changes.waiting(user, language)
        if name != "aanvragen":
            return Reply(TEXT[language]["help"])
        with Session(self.engine) as session:
            query = (select(LeaveRequestRow, Employee)
                     .join(Employee, Employee.id == LeaveRequestRow.employee_id)  # type: ignore[arg-type]
                     .where(LeaveRequestRow.status == LeaveStatus.PENDING))
            if user.role == UserRole.EMPLOYER:
                query = query.where(Employee.employer_id == user.employer_id)
            rows = session.exec(query.order_by(col(LeaveRequestRow.start_date)).limit(MAX_LISTED)).all()
        if not rows:
            return Reply(TEXT[language]["none"])
        words = TEXT[language]
        buttons = tuple(button for request, _ in rows for button in (
            (words["approve"].format(id=request.id), f"{APPROVE}:{request.id}"),
            (words["reject"].format(id=request.id), f"{REJECT}:{request.id}")))
        lines = "\n".join(self._line(request, employee, language) for request, employee in rows)
        return Reply(words["waiting"].format(lines=lines), buttons, columns=2)

    def button(self, chat_id: int, user: User, data: str, language: str) -> Reply:
        action, _, number = data.partition(":")
        if action in (CONFIRM_CHANGE, REJECT_CHANGE):
            return self.changes.button(chat_id, user, data, language)
        words = TEXT[language]
        with Session(self.engine) as session:
            found = self._request(session, user, int(number)) if is_request_number(number) else None
        if found is None:
            return Reply(words["gone"].format(id=number), edit=True)
        request, employee = found
        if request.status != LeaveStatus.PENDING:
            return Reply(self._already(request, language), edit=True)
        if action == REJECT:
            save_state(self.engine, chat_id, {"rejecting": request.id}, language=language)
            return Reply(words["why"].format(id=request.id, name=employee.full_name), edit=True)
        return self._decide(user, request, employee, language, approve=True, reason=None, edit=True)

    def message(self, chat_id: int, user: User, words: str, language: str) -> Reply:
        state = chat(self.engine, chat_id).state
        if isinstance(state.get(REJECTING_CHANGE), int):  # the reason for rejecting a data change
            return self.changes.reason(chat_id, user, state[REJECTING_CHANGE], words, language)
        rejecting = state.get("rejecting")
        if not isinstance(rejecting, int):
            return Reply(TEXT[language]["help"])
        save_state(self.engine, chat_id, {})
        with Session(self.engine) as session:
            found = self._request(session, user, rejecting)
        if found is None:
            return Reply(TEXT[language]["gone"].format(id=rejecting))
        if found[0].status != LeaveStatus.PENDING:
            return Reply(self._already(found[0], language))
        return self._decide(user, found[0], found[1], language, approve=False, reason=words, edit=False)

    def _already(self, request: LeaveRequestRow, language: str) -> str:
        words = TEXT[language]
        return words["decided"].format(id=request.id, status=words["status"].get(request.status, request.status))

    def _decide(self, user: User, request: LeaveRequestRow, employee: Employee, language: str, *, approve: bool,
                reason: str | None, edit: bool) -> Reply:
        assert request.id is not None
        try:
            decided = decide(self.engine, request.id, approve, actor=user.email, today=self.today(), reason=reason,
                             on_decided=self.hooks.on_decided)
        except LeaveError as exc:
            return Reply(str(exc), edit=edit)
        key = "approved" if approve else "rejected"
        return Reply(TEXT[language][key].format(line=self._line(decided, employee, language),
                                                        first=employee.first_name), edit=edit)
