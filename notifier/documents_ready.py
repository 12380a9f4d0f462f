"""Telling an employer and its employees, once, that a period's payroll documents are ready in Nmbrs.

When the bureau marks a run done (`workflows.payroll_periods.mark_run_done`), the employer's
contacts get a mail listing what is ready in Nmbrs (the year's jaaropgaven too, after the
year's last period), in their language; each employee gets a Telegram message in every
linked chat, else a mail at their roster address, else nothing (logged by employee id).
No message carries an amount or any document content: they point to Nmbrs, nothing more.

`queue_documents_ready` runs from the scheduler and right after `loonbode run-done`. It
only writes outbox rows; the outbox sends them (and keeps them while the relay is down).
Exactly once per (run, recipient), with any number of instances on one database:

- a period is claimed with a conditional UPDATE of `notices_queued_at` that must change one
  row, in the transaction that adds its outbox rows, so the claim and the rows commit together;
- each recipient's row comes with a `SentNotice` whose unique key names the period, channel and
  address or chat. A clash rolls the whole period back (claim included) and leaves it be.

The clock is the `now` argument.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass, field
from email.utils import make_msgid, parseaddr

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from loonbode.settings import Settings
from notifier.confirmations import MONTHS
from notifier.contact_language import contact_language
from notifier.leave_approvals import deciders
from notifier.mailer import compose
from workflows.models import (
    AuditEvent,
    Employee,
    Employer,
    OutboundMessage,
    PayrollPeriod,
    SentNotice,
    TelegramChat,
    utcnow,
)

log = logging.getLogger(__name__)

KIND = "documents_ready"
AUDIT_ACTION = "documents_ready_queued"

DOCUMENTS = {
    "nl": ("loonstroken", "betaallijst", "salarisoverzicht", "journaalpost", "verzamelloonstaat"),
    "en": ("payslips", "payment list", "payroll summary", "journal entry", "payroll register"),
}
ANNUAL = {"nl": "jaaropgaven {year}", "en": "annual statements (jaaropgaven) {year}"}
PERIOD_LABEL = {"nl": "periode {number} {year}", "en": "period {number} {year}"}

EMPLOYER_MAIL = {
    "nl": {"subject": "Loonstroken en overzichten {period} staan klaar in Nmbrs",
           "body": ("Goedendag,\n\n"
                    "De verloning van {employer} over {period} is klaar. In Nmbrs staan voor u klaar:\n\n"
                    "{documents}\n\n"
                    "Log in bij Nmbrs om ze te bekijken en te downloaden.\n\n"
                    "Met vriendelijke groet,\nDe salarisadministratie")},
    "en": {"subject": "Payslips and reports for {period} are ready in Nmbrs",
           "body": ("Hello,\n\n"
                    "The payroll of {employer} for {period} is done. These documents are ready for you in Nmbrs:\n\n"
                    "{documents}\n\n"
                    "Log in to Nmbrs to view and download them.\n\n"
                    "Kind regards,\nThe payroll administration")},
}
EMPLOYEE_MAIL = {
    "subject": "Uw loonstrook van {period} staat klaar in Nmbrs",
    "body": ("Goedendag,\n\n"
             "Uw loonstrook van {period} ({employer}) staat klaar in Nmbrs.{annual} "
             "U bekijkt hem door in te loggen bij Nmbrs of in de Nmbrs-app.\n\n"
             "Met vriendelijke groet,\nDe salarisadministratie"),
    "annual": " Ook uw jaaropgaaf {year} staat daar.",
}
EMPLOYEE_CHAT = {
    "nl": {"text": "Uw loonstrook van {period} ({employer}) staat klaar in Nmbrs.{annual} "
                   "U bekijkt hem in de Nmbrs-app of door in te loggen bij Nmbrs.",
           "annual": " Ook uw jaaropgaaf {year} staat daar."},
    "en": {"text": "Your payslip for {period} ({employer}) is ready in Nmbrs.{annual} "
                   "You can view it in the Nmbrs app or by logging in to Nmbrs.",
           "annual": " Your annual statement (jaaropgaaf) for {year} is there too."},
}


@dataclass
class Queued:
    """What one period's notices came to; kept in its audit event (`queued_summary` reads it back)."""

    employer_mails: int = 0
    employee_mails: int = 0
    telegram: int = 0
    unreachable_employee_ids: list[int] = field(default_factory=list)

    @property
    def messages(self) -> int:
        return self.employer_mails + self.employee_mails + self.telegram


def is_last_period_of_year(key: str) -> bool:
    """"2026-12" and "2026-P13" close their year: the jaaropgaven come with them."""
    return key[5:] in ("12", "P13")


def period_label(key: str, language: str) -> str:
    """"maart 2026" / "March 2026" for "2026-03"; "periode 4 2026" / "period 4 2026" for "2026-P04"."""
    year, rest = key[:4], key[5:]
    if rest.startswith("P"):
        return PERIOD_LABEL[language].format(number=int(rest[1:]), year=year)
    return f"{MONTHS[language][int(rest) - 1]} {year}"


def queue_documents_ready(engine: Engine, settings: Settings, *, now: dt.datetime | None = None) -> int:
    """Queue the notices of every period marked run done and not yet noticed; returns how many periods."""
    now = now or utcnow()
    with Session(engine) as session:
        due = list(session.exec(select(PayrollPeriod.id).where(
            col(PayrollPeriod.run_done_at).is_not(None), col(PayrollPeriod.notices_queued_at).is_(None))
            .order_by(col(PayrollPeriod.id))))
    handled = 0
    for period_id in due:
        assert period_id is not None
        try:
            if _queue_period(engine, settings, period_id, now):
                handled += 1
        except Exception:  # rolled back with its claim: the next run tries again, the other periods go on
            log.exception("berichten voor periode-id %s niet klaargezet; de volgende run probeert het opnieuw",
                          period_id)
    return handled


def queued_summary(engine: Engine, period_id: int) -> Queued | None:
    """What was queued for the period, or None when nothing is yet."""
    with Session(engine) as session:
        event = session.exec(select(AuditEvent).where(
            AuditEvent.action == AUDIT_ACTION, AuditEvent.subject_type == "payroll_period",
            AuditEvent.subject_id == str(period_id))).first()
    if event is None:
        return None
    detail = event.detail
    return Queued(employer_mails=int(detail["employer_mails"]), employee_mails=int(detail["employee_mails"]),
                  telegram=int(detail["telegram"]),
                  unreachable_employee_ids=[int(i) for i in detail["unreachable_employee_ids"]])


def _queue_period(engine: Engine, settings: Settings, period_id: int, now: dt.datetime) -> bool:
    """One period in one transaction: the claim, every outbox row and its SentNotice, or nothing."""
    with Session(engine) as session:
        # The claim first: on SQLite it takes the write lock at once, on PostgreSQL a second
        # claimer waits for our commit and then finds the period taken.
        claimed = session.exec(update(PayrollPeriod).where(  # type: ignore[call-overload]
            col(PayrollPeriod.id) == period_id, col(PayrollPeriod.notices_queued_at).is_(None))
            .values(notices_queued_at=now))
        if claimed.rowcount != 1:
            session.rollback()
            return False  # another instance has it
        period = session.get(PayrollPeriod, period_id)
        assert period is not None
        try:
            queued = _add_notices(settings, session, period, now)
            session.add(AuditEvent(actor="system", action=AUDIT_ACTION, subject_type="payroll_period",
                                   subject_id=str(period_id), at=now,
                                   detail={"employer_id": period.employer_id, "period": period.period,
                                           **asdict(queued)}))
            session.commit()
        except IntegrityError:
            # Someone wrote one of these notices meanwhile; nothing of ours stays, the period included.
            session.rollback()
            log.warning("berichten voor periode-id %s al (deels) door een ander klaargezet; overgeslagen", period_id)
            return False
    for employee_id in queued.unreachable_employee_ids:
        log.warning("werknemer-id %s heeft geen Telegram-koppeling en geen e-mailadres: geen bericht over "
                    "periode-id %s", employee_id, period_id)
    log.info("periode-id %s: %d bericht(en) over klaarstaande documenten in de outbox", period_id, queued.messages)
    return True


def _add_notices(settings: Settings, session: Session, period: PayrollPeriod, now: dt.datetime) -> Queued:
    assert period.id is not None
    employer = session.get(Employer, period.employer_id)
    assert employer is not None
    prefix = f"documents:{period.id}:"
    given = _given_keys(session, prefix)
    queued = Queued()

    def add(channel: str, address: str, row: OutboundMessage) -> bool:
        key = f"{prefix}{channel}:{address}"
        if key in given:
            return False  # this recipient has it already (also: two employees sharing one address)
        given.add(key)
        session.add(row)
        session.flush()  # the row's id, for the notice
        session.add(SentNotice(key=key, kind=KIND, outbound_id=row.id, created_at=now))
        return True

    _, addresses = deciders(session, period.employer_id)
    for address in dict.fromkeys(a.strip().lower() for a in addresses if a.strip()):
        language = contact_language(session, address)
        if add("mail", address, _employer_mail(settings, employer, period, address, language, now)):
            queued.employer_mails += 1
    if not addresses:
        log.warning("werkgever %s heeft geen contactadres: geen mail over periode-id %s", employer.id, period.id)

    employees = list(session.exec(select(Employee).where(Employee.employer_id == period.employer_id)
                                  .order_by(col(Employee.id))))
    for employee in employees:
        assert employee.id is not None
        if employee.start_date is not None and employee.start_date > period.ends_on:
            continue  # not yet employed in this period: no payslip
        chats = list(session.exec(select(TelegramChat).where(TelegramChat.employee_id == employee.id)
                                  .order_by(col(TelegramChat.chat_id))))
        if chats:
            for chat in chats:
                if add("telegram", str(chat.chat_id), _employee_chat(employer, period, chat, now)):
                    queued.telegram += 1
        elif employee.email and employee.email.strip():
            address = employee.email.strip().lower()
            if add("mail", address, _employee_mail(settings, employer, period, address, now)):
                queued.employee_mails += 1
        else:
            queued.unreachable_employee_ids.append(employee.id)
    return queued


def _given_keys(session: Session, prefix: str) -> set[str]:
    """Notices already given for this run (a period put back by hand): not given again."""
    return set(session.exec(select(SentNotice.key).where(col(SentNotice.key).startswith(prefix))))


def _annual(template: str, period: PayrollPeriod) -> str:
    return template.format(year=period.period[:4]) if is_last_period_of_year(period.period) else ""


def _mail_row(settings: Settings, period: PayrollPeriod, address: str, subject: str, body: str,
              now: dt.datetime) -> OutboundMessage:
    from_address = parseaddr(settings.from_address)[1] or settings.from_address
    message_id = make_msgid(idstring=f"loonbode-documenten{period.id}", domain=from_address.rpartition("@")[2] or None)
    raw = compose(from_address=settings.from_address, to_address=address, subject=subject, body=body,
                  message_id=message_id, extra_headers={"Auto-Submitted": "auto-generated"})
    return OutboundMessage(kind=KIND, channel="mail", to_address=address, subject=subject, body=body,
                           message_id=message_id, raw=raw, created_at=now, next_attempt_at=now)


def _employer_mail(settings: Settings, employer: Employer, period: PayrollPeriod, address: str, language: str,
                   now: dt.datetime) -> OutboundMessage:
    words = EMPLOYER_MAIL[language]
    documents = [*DOCUMENTS[language]]
    if is_last_period_of_year(period.period):
        documents.append(_annual(ANNUAL[language], period))
    label = period_label(period.period, language)
    body = words["body"].format(employer=employer.name, period=label,
                                documents="\n".join(f"  - {d}" for d in documents))
    return _mail_row(settings, period, address, words["subject"].format(period=label), body, now)


def _employee_mail(settings: Settings, employer: Employer, period: PayrollPeriod, address: str,
                   now: dt.datetime) -> OutboundMessage:
    label = period_label(period.period, "nl")
    body = EMPLOYEE_MAIL["body"].format(period=label, employer=employer.name,
                                        annual=_annual(EMPLOYEE_MAIL["annual"], period))
    return _mail_row(settings, period, address, EMPLOYEE_MAIL["subject"].format(period=label), body, now)


def _employee_chat(employer: Employer, period: PayrollPeriod, chat: TelegramChat, now: dt.datetime) -> OutboundMessage:
    language = chat.language if chat.language in EMPLOYEE_CHAT else "nl"
    words = EMPLOYEE_CHAT[language]
    text = words["text"].format(period=period_label(period.period, language), employer=employer.name,
                                annual=_annual(words["annual"], period))
    return OutboundMessage(kind=KIND, channel="telegram", to_address=str(chat.chat_id), subject="documenten",
                           body=text, message_id=make_msgid(idstring=f"documenten{period.id}"), created_at=now,
                           next_attempt_at=now)
