"""The /gegevens conversation: an employee sees their own data and asks for a change; the employer's
contact confirms or rejects it with buttons.

Employee (`DetailsChat`): /gegevens (/details) shows `workflows.personal_details.own_details`
with the buttons Adres wijzigen, IBAN wijzigen and Andere wijziging (data `g:address`,
`g:iban`, `g:other`). The bot then waits for the new value as plain text, reads it with the
parser's own finders (`parsers.values`, `parsers.extract.fields_for_personal_data`; an IBAN
must pass python-stdnum's checksum), echoes what it understood (IBAN masked) with
Bevestigen/Annuleren (`g:yes`, `g:no`) and on Bevestigen stores the request
(`request_change`), which asks the employer. Where a chat stands is kept in its state under
`details` (`{"kind": ...}` while waiting for a value, with `fields` and `text` once read),
so a restart continues it.

Employer contact (`ChangeDecisions`): the request arrives with Bevestigen/Afwijzen (`dc:<id>`,
`dr:<id>`, `notifier.data_change_notices`); /gegevens lists what waits. Confirming is one
press; rejecting asks for the reason, and the next message is it. A contact decides only on
its own employer's employees (bureau users on any), as in the dashboard.

Dutch by default, English when the chat is English.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session
from stdnum import iban as stdnum_iban
from stdnum.nl import postcode as stdnum_postcode

from parsers.extract import Facts, fields_for_personal_data
from parsers.fields import PERSONAL_DATA_FIELDS
from parsers.labels import field_label
from parsers.leave import message_language
from parsers.values import find_address, find_emails, find_ibans, find_phones, find_street
from workflows.chat_base import ChatHooks, Reply, is_request_number
from workflows.models import DataChangeRequest, Employee, TelegramChat, User, UserRole
from workflows.personal_details import (
    ADDRESS,
    MAX_PENDING,
    ChangeStatus,
    DataChangeError,
    change_in_scope,
    check_fields,
    confirm_change,
    describe_change,
    own_details,
    request_change,
    waiting_changes,
)
from workflows.telegram_links import chat, save_state

PREFIX = "g:"  # the employee's buttons: "g:address", "g:yes"
STATE = "details"  # the chat state's key while a change is being asked for
KINDS = ("address", "iban", "other")
YES, NO = "yes", "no"
CONFIRM, REJECT = "dc", "dr"  # the employer contact's buttons, as notifier.data_change_notices writes them
REJECTING = "rejecting_change"  # the employer chat's state while it waits for a rejection's reason
MAX_LISTED = 10

TEXT = {
    "nl": {
        "address": "Adres wijzigen", "iban": "IBAN wijzigen", "other": "Andere wijziging",
        "ask_address": "Stuur uw nieuwe adres in één bericht: straat, huisnummer, postcode en plaats. Bijvoorbeeld:\n"
                       "Nieuw adres: Dorpsstraat 12, 1234 AB Utrecht\nGaat het later in, zet er dan 'per 1 mei' bij.",
        "ask_iban": "Stuur uw nieuwe IBAN (rekeningnummer), bijvoorbeeld: NL00 BANK 0123 4567 89.",
        "ask_other": "Wat wilt u wijzigen? Schrijf het in één bericht, bijvoorbeeld:\nMijn achternaam is nu Jansen\n"
                     "Nieuw telefoonnummer 06 12345678\nNieuw e-mailadres: naam@voorbeeld.nl",
        "no_address": "Ik kon daar geen volledig adres in lezen; ik mis: {missing}. Stuur straat, huisnummer, postcode "
                      "en plaats samen, bijvoorbeeld: Dorpsstraat 12, 1234 AB Utrecht.",
        "bad_postcode": "{postcode} is geen Nederlandse postcode. Stuur het adres nog eens.",
        "no_iban": "Ik zie geen IBAN in uw bericht. Een Nederlands IBAN begint met NL en heeft 18 tekens, "
                   "bijvoorbeeld NL00 BANK 0123 4567 89.",
        "bad_iban": "Dat IBAN klopt niet: het controlegetal of de lengte past niet. Kijk het nog eens na (bankpas of "
                    "bankapp) en stuur het opnieuw.",
        "nothing": "Ik kon daar geen wijziging in lezen. Schrijf bijvoorbeeld: 'Mijn achternaam is nu Jansen', "
                   "'Nieuw telefoonnummer 06 12345678' of 'Nieuw e-mailadres: naam@voorbeeld.nl'.",
        "invalid": "Dat kan ik zo niet doorgeven: {why}. Stuur het nog eens.",
        "confirm": "U wilt dit wijzigen:\n{lines}\nKlopt dit? Na uw bevestiging vragen wij uw werkgever om het te "
                   "bevestigen.",
        "sent": "Verzoek {id} is naar uw werkgever gestuurd. Na bevestiging verwerkt de salarisadministratie het; u "
                "hoort het hier.",
        "too_many": f"Er wachten al {MAX_PENDING} verzoeken op uw werkgever; wacht eerst op een besluit.",
        "dropped": "Niets gewijzigd.",
        "expired": "Deze vraag is niet meer open; stuur uw verzoek opnieuw.",
        "yes": "Bevestigen", "no": "Annuleren",
    },
    "en": {
        "address": "Change address", "iban": "Change IBAN", "other": "Other change",
        "ask_address": "Send your new address in one message: street, house number, postcode and city. For example:\n"
                       "New address: Dorpsstraat 12, 1234 AB Utrecht\nIf it starts later, add 'from 1 May'.",
        "ask_iban": "Send your new IBAN (bank account number), for example: NL00 BANK 0123 4567 89.",
        "ask_other": "What do you want to change? Write it in one message, for example:\nMy last name is now Jansen\n"
                     "New phone number 06 12345678\nNew e-mail address: name@example.com",
        "no_address": "I could not read a complete address in that; missing: {missing}. Send street, house number, "
                      "postcode and city together, for example: Dorpsstraat 12, 1234 AB Utrecht.",
        "bad_postcode": "{postcode} is not a Dutch postcode. Please send the address again.",
        "no_iban": "I see no IBAN in your message. A Dutch IBAN starts with NL and has 18 characters, for example "
                   "NL00 BANK 0123 4567 89.",
        "bad_iban": "That IBAN is not valid: its check digits or length do not add up. Please check it (bank card or "
                    "banking app) and send it again.",
        "nothing": "I could not read a change in that. Write for example: 'My last name is now Jansen', 'New phone "
                   "number 06 12345678' or 'New e-mail address: name@example.com'.",
        "invalid": "I cannot pass that on like this: {why}. Please send it again.",
        "confirm": "You want to change:\n{lines}\nIs this right? Once you confirm, we ask your employer to confirm it.",
        "sent": "Request {id} has been sent to your employer. Once confirmed, the payroll team processes it; you will "
                "hear it here.",
        "too_many": f"{MAX_PENDING} requests are already waiting for your employer; please wait for a decision first.",
        "dropped": "Nothing changed.",
        "expired": "This question is no longer open; please send your request again.",
        "yes": "Confirm", "no": "Cancel",
    },
}

EMPLOYER_TEXT = {
    "nl": {
        "none": "Er wachten geen wijzigingen van gegevens op u.",
        "waiting": "Wijzigingen van gegevens die op uw bevestiging wachten:\n{lines}",
        "line": "{id}: {name} ({number}) — {what}",
        "confirm": "✓ {id}", "reject": "✗ {id}",
        "confirmed": "Bevestigd: verzoek {id} van {name}. De salarisadministratie verwerkt het; {first} hoort het in "
                     "de chat.",
        "why": "Waarom wijst u verzoek {id} af ({name})? Stuur de reden; de medewerker leest die.",
        "rejected": "Afgewezen: verzoek {id} van {name}. {first} hoort het, met uw reden.",
        "gone": "Verzoek {id} is niet van u om te beslissen.",
        "decided": "Over verzoek {id} is al beslist: {status}.",
        "status": {ChangeStatus.CONFIRMED: "bevestigd", ChangeStatus.REJECTED: "afgewezen"},
    },
    "en": {
        "none": "No changes of personal details are waiting for you.",
        "waiting": "Changes of personal details waiting for your confirmation:\n{lines}",
        "line": "{id}: {name} ({number}) — {what}",
        "confirm": "✓ {id}", "reject": "✗ {id}",
        "confirmed": "Confirmed: request {id} from {name}. The payroll team will process it; {first} will hear in the "
                     "chat.",
        "why": "Why do you reject request {id} ({name})? Send the reason; the employee will read it.",
        "rejected": "Rejected: request {id} from {name}. {first} will hear, with your reason.",
        "gone": "Request {id} is not yours to decide.",
        "decided": "Request {id} has already been decided: {status}.",
        "status": {ChangeStatus.CONFIRMED: "confirmed", ChangeStatus.REJECTED: "rejected"},
    },
}


@dataclass(frozen=True)
class ReadChange:
    """What a typed value gave: the fields, or the TEXT key of the problem and what fills it in."""

    fields: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None
    values: dict[str, str] = field(default_factory=dict)


def _language(state: TelegramChat) -> str:
    return state.language if state.language in TEXT else "nl"


def _effective_date(words: str, reference: dt.date, first_name: str | None) -> dict[str, Any]:
    found = fields_for_personal_data(Facts.of(words), reference, first_name).get("effective_date")
    return {"effective_date": found} if found else {}


def _address(words: str, language: str) -> ReadChange:
    found = find_address(words)
    parts = found.fields() if found is not None else {}
    if "street" not in parts:  # "Dorpsstraat 12 Utrecht": the street is there, the postcode is not
        street = find_street(words)
        parts = {**(street.fields() if street is not None else {}), **parts}
    missing = [field_label(name, language) for name in ADDRESS if name not in parts]
    if missing:
        return ReadChange(problem="no_address", values={"missing": ", ".join(missing)})
    if not stdnum_postcode.is_valid(parts["postal_code"]):
        return ReadChange(problem="bad_postcode", values={"postcode": parts["postal_code"]})
    return ReadChange(fields=parts)


def read_change(kind: str, words: str, reference: dt.date, language: str, first_name: str | None = None) -> ReadChange:
    """Read the new value(s) the employee typed for `kind` (address, iban, other)."""
    if kind == "address":
        read = _address(words, language)
        return ReadChange(fields={**read.fields, **_effective_date(words, reference, first_name)}) \
            if read.problem is None else read
    if kind == "iban":
        ibans = find_ibans(words)
        if not ibans:
            return ReadChange(problem="no_iban")
        if not stdnum_iban.is_valid(ibans[0].value):
            return ReadChange(problem="bad_iban")
        return ReadChange(fields={"iban": ibans[0].value, **_effective_date(words, reference, first_name)})
    found = {k: v for k, v in fields_for_personal_data(Facts.of(words), reference, first_name).items() if v}
    ibans = find_ibans(words)
    if "email" not in found and find_emails(words):  # no "e-mail" cue needed: the employee chose to change something
        found["email"] = find_emails(words)[0].value
    if "phone" not in found:
        phones = [p for p in find_phones(words) if not any(i.start <= p.start < i.end for i in ibans)]
        if phones:
            found["phone"] = phones[0].value
    if found.get("iban") and not stdnum_iban.is_valid(found["iban"]):
        return ReadChange(problem="bad_iban")
    if any(name in found for name in ADDRESS):
        read = _address(words, language)
        if read.problem is not None:
            return read
    if not any(found.get(name) for name in PERSONAL_DATA_FIELDS):
        return ReadChange(problem="nothing")
    return ReadChange(fields=found)


class DetailsChat:
    """The employee's side; `today` gives the date in Amsterdam (tests fix it)."""

    def __init__(self, engine: Engine, hooks: ChatHooks, today: Callable[[], dt.date]) -> None:
        self.engine, self.hooks, self.today = engine, hooks, today

    @staticmethod
    def waiting(state: TelegramChat) -> bool:
        """Whether the chat's next typed message is a new value (or a corrected one) for /gegevens."""
        return isinstance(state.state.get(STATE), dict)

    def show(self, chat_id: int, employee: Employee, language: str) -> Reply:
        state = chat(self.engine, chat_id)
        if STATE in state.state:  # /gegevens again starts over
            save_state(self.engine, chat_id, {k: v for k, v in state.state.items() if k != STATE})
        with Session(self.engine) as session:
            lines = own_details(session, employee, language)
        words = TEXT[language]
        return Reply("\n".join(lines), tuple((words[kind], f"{PREFIX}{kind}") for kind in KINDS), columns=1)

    def button(self, chat_id: int, employee: Employee, data: str, state: TelegramChat) -> Reply:
        language = _language(state)
        words = TEXT[language]
        choice = data[len(PREFIX):]
        current = state.state.get(STATE)
        if choice in KINDS:
            save_state(self.engine, chat_id, {STATE: {"kind": choice}}, language=language)
            return Reply(words[f"ask_{choice}"], ((words["no"], f"{PREFIX}{NO}"),))
        if not isinstance(current, dict) or choice not in (YES, NO):
            return Reply(words["expired"], edit=True)
        if choice == NO:
            save_state(self.engine, chat_id, {})
            return Reply(words["dropped"], edit=True)
        fields = current.get("fields")
        if not isinstance(fields, dict) or employee.id is None:
            return Reply(words["expired"], edit=True)
        save_state(self.engine, chat_id, {})
        try:
            made = request_change(self.engine, employee.id, chat_id, fields, str(current.get("text") or ""),
                                  self.hooks)
        except DataChangeError as exc:
            text = words["too_many"] if exc.key == "too_many" else words["invalid"].format(why=str(exc))
            return Reply(text, edit=True)
        return Reply(words["sent"].format(id=made.id), edit=True)

    def typed(self, chat_id: int, employee: Employee, words: str, state: TelegramChat) -> Reply:
        current = state.state.get(STATE) or {}
        kind = current.get("kind") if current.get("kind") in KINDS else "other"
        language = message_language(words) or _language(state)
        text = TEXT[language]
        cancel = ((text["no"], f"{PREFIX}{NO}"),)
        read = read_change(kind, words, self.today(), language, employee.first_name)
        if read.problem is not None:
            return Reply(text[read.problem].format(**read.values), cancel)
        try:
            normal = check_fields(read.fields, reference=self.today())
        except DataChangeError as exc:
            return Reply(text["invalid"].format(why=str(exc)), cancel)
        save_state(self.engine, chat_id, {STATE: {"kind": kind, "fields": normal, "text": words[:2000]}},
                   language=language)
        lines = "\n".join(f"  {line}" for line in describe_change(normal, language))
        return Reply(text["confirm"].format(lines=lines),
                     ((text["yes"], f"{PREFIX}{YES}"), (text["no"], f"{PREFIX}{NO}")))


class ChangeDecisions:
    """The employer contact's side: list, confirm, and reject with a reason."""

    def __init__(self, engine: Engine, hooks: ChatHooks) -> None:
        self.engine, self.hooks = engine, hooks

    @staticmethod
    def _scope(user: User) -> str | None:
        return (user.employer_id or "\x00no-employer") if user.role == UserRole.EMPLOYER else None

    def _found(self, user: User, request_id: int) -> tuple[DataChangeRequest, Employee] | None:
        with Session(self.engine) as session:
            return change_in_scope(session, request_id, self._scope(user))

    def waiting(self, user: User, language: str) -> Reply:
        words = EMPLOYER_TEXT[language]
        with Session(self.engine) as session:
            rows = waiting_changes(session, self._scope(user), MAX_LISTED)
        if not rows:
            return Reply(words["none"])
        lines = "\n".join(words["line"].format(id=r.id, name=e.full_name, number=e.number,
                                               what="; ".join(describe_change(r.fields, language))) for r, e in rows)
        buttons = tuple(button for request, _ in rows for button in (
            (words["confirm"].format(id=request.id), f"{CONFIRM}:{request.id}"),
            (words["reject"].format(id=request.id), f"{REJECT}:{request.id}")))
        return Reply(words["waiting"].format(lines=lines), buttons, columns=2)

    def button(self, chat_id: int, user: User, data: str, language: str) -> Reply:
        action, _, number = data.partition(":")
        words = EMPLOYER_TEXT[language]
        found = self._found(user, int(number)) if is_request_number(number) else None
        if found is None:
            return Reply(words["gone"].format(id=number), edit=True)
        request, employee = found
        if request.status != ChangeStatus.PENDING:
            return Reply(self._already(request, language), edit=True)
        if action == REJECT:
            save_state(self.engine, chat_id, {REJECTING: request.id}, language=language)
            return Reply(words["why"].format(id=request.id, name=employee.full_name), edit=True)
        return self._decide(user, request, employee, language, approve=True, reason=None, edit=True)

    def reason(self, chat_id: int, user: User, request_id: int, words: str, language: str) -> Reply:
        """The message after Afwijzen: the reason the employee will read."""
        save_state(self.engine, chat_id, {})
        found = self._found(user, request_id)
        if found is None:
            return Reply(EMPLOYER_TEXT[language]["gone"].format(id=request_id))
        if found[0].status != ChangeStatus.PENDING:
            return Reply(self._already(found[0], language))
        return self._decide(user, found[0], found[1], language, approve=False, reason=words, edit=False)

    def _already(self, request: DataChangeRequest, language: str) -> str:
        words = EMPLOYER_TEXT[language]
        return words["decided"].format(id=request.id, status=words["status"].get(request.status, request.status))

    def _decide(self, user: User, request: DataChangeRequest, employee: Employee, language: str, *, approve: bool,
                reason: str | None, edit: bool) -> Reply:
        assert request.id is not None
        try:
            confirm_change(self.engine, request.id, approve, user.email, reason,
                           on_decided=self.hooks.on_change_decided)
        except DataChangeError as exc:
            if exc.key == "decided":
                with Session(self.engine) as session:
                    now = session.get(DataChangeRequest, request.id)
                return Reply(self._already(now or request, language), edit=edit)
            return Reply(str(exc), edit=edit)
        key = "confirmed" if approve else "rejected"
        return Reply(EMPLOYER_TEXT[language][key].format(id=request.id, name=employee.full_name,
                                                         first=employee.first_name), edit=edit)
