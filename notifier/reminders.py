"""Timed reminders: to employers before the mutation deadline, at Poortwachter milestones, and the bureau's digest.

Four reminders, each `(engine, settings, *, now=None) -> int` (how many mails it queued),
each doing nothing while its switch (`workflows.reminder_settings`) is off:

- `remind_nothing_received`: an employer whose current period is still `open` (nothing
  received) is reminded from `days_before` working days before the period's deadline up
  to and including the deadline day (3 unless an admin set it). Before or after that
  window nothing goes out. To the employer's contacts (`notifier.leave_approvals.deciders`).
- `remind_leave_waiting`: an employer with leave requests still pending is reminded in
  the same day window before its period's deadline, once per period, with the waiting
  requests listed (name, kind, dates). Only in that window, never "at once" for an old
  request: the nudge a few days after a request is `notifier.leave_reminders`' job; this
  one is the period's last call before the payroll.
- `remind_poortwachter`: for every open sick report, the latest Wet verbetering
  poortwachter milestone that has begun (`workflows.poortwachter.due_milestone`: from its
  first day for 14 days, so a case entered late brings at most one step, never a
  backlog). To the employer's contacts and to every active bureau and admin user. The mail
  says which step is due and by when; it holds no medical details, only name and first
  sick day.
- `bureau_digest`: on working days, one mail a day to every active bureau and admin user,
  per employer: new drafts, how many of them wait longer than one working day, periods
  (current and previous) past their deadline while still open or unreviewed, and pending
  leave requests. A day with nothing open still gets a short "niets openstaand" mail, so
  that no mail means something is wrong rather than all is well.

Exactly once per (subject, recipient): every outbox row is added together with a
`SentNotice` whose unique key names both ("nothing_received:{period id}:{address}",
"poortwachter:{draft id}:{week}:{address}", "digest:{date}:{email}"), in one transaction.
A second writer (a rerun, another instance) hits the key, rolls back that one message and
goes on. Employer contacts are written to in English when their latest mail to us was
English (`notifier.contact_language`); bureau users get Dutch. Bodies pass through
`mask_secrets`, so no BSN or IBAN leaves.

`run_reminders` runs all four; the scheduler calls it. Every run queues what is due and
not given yet, so it may run as often as wanted: the first run on a day sends the day's
mails. Schedule it in the working morning (Amsterdam time), so employers and the bureau
get them at the start of the day. The clock is the `now` argument.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import make_msgid, parseaddr

from sqlalchemy import Engine, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from loonbode.settings import Settings
from notifier.confirmations import MONTHS
from notifier.contact_language import contact_language
from notifier.leave_approvals import deciders
from notifier.leave_reminders import reminder_due_at
from notifier.mailer import compose
from parsers.labels import LEAVE_LABELS
from parsers.masking import mask_secrets
from workflows import reminder_settings
from workflows.models import (
    DraftRow,
    DraftStatus,
    Employee,
    Employer,
    LeaveRequestRow,
    LeaveStatus,
    OutboundMessage,
    PayrollPeriod,
    SentNotice,
    User,
    UserRole,
    utcnow,
)
from workflows.payroll_periods import ensure_current_periods, period_containing, schedule_of, stage
from workflows.periods import AMSTERDAM
from workflows.poortwachter import due_milestone, week_ends
from workflows.reminder_settings import BUREAU_DIGEST, LEAVE_WAITING, NOTHING_RECEIVED, POORTWACHTER
from workflows.sick_cases import open_sick_cases
from workflows.working_days import add_working_days, is_working_day

log = logging.getLogger(__name__)

# OutboundMessage.kind of each reminder's mails.
MAIL_KINDS = {NOTHING_RECEIVED: "reminder_nothing_received", LEAVE_WAITING: "reminder_leave_waiting",
              POORTWACHTER: "reminder_poortwachter", BUREAU_DIGEST: "bureau_digest"}
KEY_LENGTH = 300  # SentNotice.key

_GREETING = {"nl": "Met vriendelijke groet,\nDe salarisadministratie", "en": "Kind regards,\nThe payroll bureau"}

TEXT: dict[str, dict[str, dict[str, str]]] = {
    NOTHING_RECEIVED: {
        "nl": {"subject": "Herinnering: nog geen mutaties voor {period} ({employer})",
               "body": ("Goedendag,\n\nVoor de verloning van {period} van {employer} hebben wij nog geen mutaties "
                        "ontvangen. Mutaties moeten uiterlijk {deadline} binnen zijn; de verloning draait op "
                        "{run}.\n\nU kunt ze zoals altijd mailen naar {intake}. Zijn er deze periode geen "
                        "wijzigingen, dan hoeft u niets te doen.\n\n" + _GREETING["nl"])},
        "en": {"subject": "Reminder: no payroll changes yet for {period} ({employer})",
               "body": ("Hello,\n\nWe have not received any payroll changes for {period} for {employer} yet. "
                        "Changes are due by {deadline}; the payroll runs on {run}.\n\nYou can mail them to "
                        "{intake} as usual. If nothing changed this period, there is nothing you need to do."
                        "\n\n" + _GREETING["en"])},
    },
    LEAVE_WAITING: {
        "nl": {"subject": "Herinnering: {count} verlofaanvra{plural} wacht{verb} op uw besluit ({employer})",
               "body": ("Goedendag,\n\nBij {employer} wacht{verb} {count} verlofaanvra{plural} nog op uw besluit:\n\n"
                        "{requests}\n\nBeslis uiterlijk {deadline}, dan nemen wij ze mee in de verloning van "
                        "{period}. U beslist in het dashboard:\n{dashboard}\n\n" + _GREETING["nl"]),
               "line": "  - {name}: {kind}, {start} t/m {end} ({hours} uur)",
               "one": "ag", "many": "gen", "verb_one": "", "verb_many": "en"},
        "en": {"subject": "Reminder: {count} leave request{plural} waiting for your decision ({employer})",
               "body": ("Hello,\n\nAt {employer}, {count} leave request{plural} {verb} still waiting for your "
                        "decision:\n\n{requests}\n\nPlease decide by {deadline}, so we can take them into the "
                        "payroll of {period}. You decide in the dashboard:\n{dashboard}\n\n" + _GREETING["en"]),
               "line": "  - {name}: {kind}, {start} to {end} ({hours} hours)",
               "one": "", "many": "s", "verb_one": "is", "verb_many": "are"},
    },
    POORTWACHTER: {
        "nl": {"subject": "Poortwachter week {week}: {step} voor {name} ({employer})",
               "body": ("Goedendag,\n\n{name} van {employer} is ziek sinds {first}. Op {starts} begon week {week} "
                        "van de ziekte; volgens de Wet verbetering poortwachter is nu deze stap aan de beurt:\n\n"
                        "  {Step}: {todo}\n  Uiterlijk: {by}\n\nDeze herinnering gaat naar de werkgever en naar "
                        "de salarisadministratie. Medische gegevens staan er bewust niet in.\n\n"
                        + _GREETING["nl"])},
        "en": {"subject": "Gatekeeper Act (Poortwachter) week {week}: {step} for {name} ({employer})",
               "body": ("Hello,\n\n{name} at {employer} has been sick since {first}. Week {week} of the sickness "
                        "began on {starts}; under the Dutch Gatekeeper Improvement Act (Wet verbetering "
                        "poortwachter) this step is now due:\n\n  {Step}: {todo}\n  Due by: {by}\n\nThis reminder "
                        "goes to the employer and to the payroll bureau. It deliberately holds no medical "
                        "details.\n\n" + _GREETING["en"])},
    },
    BUREAU_DIGEST: {
        "nl": {"subject": "Dagoverzicht {date}: {new} nieuw, {waiting} wachtend, {overdue} te laat, {leave} verlof",
               "subject_nothing": "Dagoverzicht {date}: niets openstaand",
               "body": ("Goedemorgen,\n\nHet overzicht van {date}, per werkgever:\n\n{employers}\n"
                        "Wachtrij: {queue}\n\nMet vriendelijke groet,\nLoonbode"),
               "body_nothing": ("Goedemorgen,\n\nEr staat op {date} niets open: geen nieuwe mutaties, geen "
                                "periodes over hun deadline en geen verlofaanvragen die wachten.\n\n"
                                "Met vriendelijke groet,\nLoonbode"),
               "new": "  - nieuwe mutaties: {count} (waarvan {waiting} langer dan een werkdag wachtend)",
               "overdue": "  - te laat: {period} (deadline {deadline}): {what}",
               "open": "niets ontvangen", "received": "mutaties nog niet beoordeeld",
               "leave": "  - verlofaanvragen die op de werkgever wachten: {count}",
               "no_employer": "(zonder werkgever)"},
        "en": {"subject": "Daily overview {date}: {new} new, {waiting} waiting, {overdue} overdue, {leave} leave",
               "subject_nothing": "Daily overview {date}: nothing open",
               "body": ("Good morning,\n\nThe overview of {date}, per employer:\n\n{employers}\n"
                        "Queue: {queue}\n\nKind regards,\nLoonbode"),
               "body_nothing": ("Good morning,\n\nNothing is open on {date}: no new changes, no periods past "
                                "their deadline and no leave requests waiting.\n\nKind regards,\nLoonbode"),
               "new": "  - new changes: {count} ({waiting} of them waiting longer than a working day)",
               "overdue": "  - overdue: {period} (deadline {deadline}): {what}",
               "open": "nothing received", "received": "changes not reviewed yet",
               "leave": "  - leave requests waiting for the employer: {count}",
               "no_employer": "(no employer)"},
    },
}
PERIOD_WORDS = {"nl": "periode {number} van {year}", "en": "period {number} of {year}"}


# --- helpers -------------------------------------------------------------------------------------------------------

def _today(now: dt.datetime) -> dt.date:
    return now.astimezone(AMSTERDAM).date()


def _day(value: dt.date, language: str) -> str:
    if language == "en":
        return f"{value.day} {MONTHS['en'][value.month - 1]} {value.year}"
    return value.strftime("%d-%m-%Y")


def _period(key: str, language: str) -> str:
    """"maart 2026" / "March 2026"; four-weekly "periode 4 van 2026" / "period 4 of 2026"."""
    year, rest = key[:4], key[5:]
    if rest.startswith("P"):
        return PERIOD_WORDS[language].format(number=int(rest[1:]), year=year)
    return f"{MONTHS[language][int(rest) - 1]} {year}"


def _hours(minutes: int, language: str) -> str:
    hours = f"{minutes / 60:g}"
    return hours if language == "en" else hours.replace(".", ",")


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _key(*parts: object) -> str:
    """The SentNotice key; an address too long for the column is replaced by its hash."""
    key = ":".join(str(p) for p in parts)
    if len(key) <= KEY_LENGTH:
        return key
    *head, address = parts
    return ":".join([*(str(p) for p in head), hashlib.sha256(str(address).encode()).hexdigest()])


def _in_window(period: PayrollPeriod, today: dt.date, days_before: int) -> bool:
    """From `days_before` working days before the period's deadline up to the deadline day itself."""
    return add_working_days(period.deadline, -days_before) <= today <= period.deadline


def _contacts(session: Session, employer_id: str) -> list[tuple[str, str]]:
    """The employer's addresses to remind, each once, with the language to write in."""
    _users, addresses = deciders(session, employer_id)
    return [(address, contact_language(session, address)) for address in dict.fromkeys(a.lower() for a in addresses)]


def _bureau(session: Session) -> list[str]:
    """The addresses of the active bureau and admin users."""
    return list(session.exec(select(User.email).where(col(User.role).in_([UserRole.ADMIN, UserRole.BUREAU]),
                                                      col(User.active).is_(True)).order_by(col(User.id))))


@dataclass(frozen=True)
class Letter:
    """One mail to queue once: the SentNotice key, the address and the words."""

    key: str
    address: str
    subject: str
    body: str
    related_draft_id: int | None = None


def _queue(engine: Engine, settings: Settings, kind: str, letters: list[Letter], now: dt.datetime) -> int:
    """Queue each letter with its SentNotice in a transaction of its own; a key already given skips it."""
    from_address = parseaddr(settings.from_address)[1] or settings.from_address
    queued = 0
    for letter in letters:
        with Session(engine) as session:
            if session.get(SentNotice, letter.key) is not None:
                continue
            subject, body = mask_secrets(letter.subject), mask_secrets(letter.body)
            message_id = make_msgid(idstring=f"loonbode-{kind}", domain=from_address.rpartition("@")[2] or None)
            raw = compose(from_address=settings.from_address, to_address=letter.address, subject=subject, body=body,
                          message_id=message_id, extra_headers={"Auto-Submitted": "auto-generated"})
            row = OutboundMessage(kind=MAIL_KINDS[kind], channel="mail", to_address=letter.address, subject=subject,
                                  body=body, message_id=message_id, raw=raw, related_draft_id=letter.related_draft_id,
                                  created_at=now, next_attempt_at=now)
            session.add(row)
            try:
                session.flush()
                session.add(SentNotice(key=letter.key, kind=kind, outbound_id=row.id, created_at=now))
                session.commit()
            except IntegrityError:  # given meanwhile by another run: this one mail is not ours to send
                session.rollback()
                continue
        queued += 1
    if queued:
        log.info("%s: %d herinnering(en) in de wachtrij", kind, queued)
    return queued


def _switch(engine: Engine, kind: str) -> tuple[bool, int]:
    """(enabled, the day window in working days before the deadline, shared by the deadline reminders)."""
    with Session(engine) as session:
        enabled, _ = reminder_settings.get(session, kind)
        _, days_before = reminder_settings.get(session, NOTHING_RECEIVED)
    return enabled, days_before if days_before is not None else reminder_settings.DEFAULT_DAYS_BEFORE[NOTHING_RECEIVED]


# --- the four reminders --------------------------------------------------------------------------------------------

def remind_nothing_received(engine: Engine, settings: Settings, *, now: dt.datetime | None = None) -> int:
    """Remind employers whose current period is still open, in the window before its deadline."""
    now = _aware(now or utcnow())
    enabled, days_before = _switch(engine, NOTHING_RECEIVED)
    if not enabled:
        return 0
    today = _today(now)
    intake = settings.intake_list[0] if settings.intake_list else parseaddr(settings.from_address)[1]
    letters = []
    for period in ensure_current_periods(engine, today):
        if not _in_window(period, today, days_before):
            continue
        with Session(engine) as session:
            if stage(session, period) != "open":
                continue
            employer = session.get(Employer, period.employer_id)
            name = employer.name if employer else period.employer_id
            for address, language in _contacts(session, period.employer_id):
                words = TEXT[NOTHING_RECEIVED][language]
                values = {"period": _period(period.period, language), "employer": name, "intake": intake,
                          "deadline": _day(period.deadline, language), "run": _day(period.run_date, language)}
                letters.append(Letter(_key(NOTHING_RECEIVED, period.id, address), address,
                                      words["subject"].format(**values), words["body"].format(**values)))
    return _queue(engine, settings, NOTHING_RECEIVED, letters, now)


def remind_leave_waiting(engine: Engine, settings: Settings, *, now: dt.datetime | None = None) -> int:
    """Remind employers with pending leave requests, once per period, in the window before its deadline."""
    now = _aware(now or utcnow())
    enabled, days_before = _switch(engine, LEAVE_WAITING)
    if not enabled:
        return 0
    today = _today(now)
    letters = []
    for period in ensure_current_periods(engine, today):
        if not _in_window(period, today, days_before):
            continue
        with Session(engine) as session:
            pending = session.exec(select(LeaveRequestRow, Employee).join(
                Employee, col(Employee.id) == col(LeaveRequestRow.employee_id)).where(
                Employee.employer_id == period.employer_id, LeaveRequestRow.status == LeaveStatus.PENDING)
                .order_by(col(LeaveRequestRow.start_date), col(LeaveRequestRow.id))).all()
            if not pending:
                continue
            employer = session.get(Employer, period.employer_id)
            name = employer.name if employer else period.employer_id
            for address, language in _contacts(session, period.employer_id):
                words = TEXT[LEAVE_WAITING][language]
                requests = "\n".join(words["line"].format(
                    name=employee.full_name, kind=LEAVE_LABELS.get(request.leave_type, LEAVE_LABELS["vacation"])[
                        language], start=_day(request.start_date, language), end=_day(request.end_date, language),
                    hours=_hours(request.minutes, language))
                    for request, employee in pending)
                many = len(pending) != 1
                values = {"count": len(pending), "plural": words["many" if many else "one"],
                          "verb": words["verb_many" if many else "verb_one"], "employer": name,
                          "requests": requests, "deadline": _day(period.deadline, language),
                          "period": _period(period.period, language), "dashboard": f"{settings.dashboard_url}/leave"}
                letters.append(Letter(_key(LEAVE_WAITING, period.id, address), address,
                                      words["subject"].format(**values), words["body"].format(**values)))
    return _queue(engine, settings, LEAVE_WAITING, letters, now)


def remind_poortwachter(engine: Engine, settings: Settings, *, now: dt.datetime | None = None) -> int:
    """Remind employer and bureau of the Poortwachter step that has just begun for each open sick report."""
    now = _aware(now or utcnow())
    enabled, _ = _switch(engine, POORTWACHTER)
    if not enabled:
        return 0
    today = _today(now)
    letters = []
    with Session(engine) as session:
        bureau = _bureau(session)
        for case in open_sick_cases(session, today):
            due = due_milestone(case.first_sick_day, today)
            if due is None:
                continue
            milestone, starts = due
            employer = session.get(Employer, case.employer_id)
            name = employer.name if employer else case.employer_id
            contacts = _contacts(session, case.employer_id)
            given = {address for address, _ in contacts}
            for address, language in [*contacts, *((a, "nl") for a in bureau if a.lower() not in given)]:
                words = TEXT[POORTWACHTER][language]
                step = milestone.name(language)
                values = {"week": milestone.week, "step": step, "Step": step[:1].upper() + step[1:],
                          "todo": milestone.todo(language),
                          "name": case.employee_name, "employer": name,
                          "first": _day(case.first_sick_day, language), "starts": _day(starts, language),
                          "by": _day(week_ends(case.first_sick_day, milestone.week), language)}
                letters.append(Letter(_key(POORTWACHTER, case.draft_id, milestone.week, address.lower()),
                                      address, words["subject"].format(**values), words["body"].format(**values),
                                      related_draft_id=case.draft_id))
    return _queue(engine, settings, POORTWACHTER, letters, now)


@dataclass
class EmployerDay:
    """What is open at one employer, for the digest."""

    name: str
    new: int = 0
    waiting: int = 0  # of `new`: waiting longer than one working day
    overdue: list[tuple[PayrollPeriod, str]] = field(default_factory=list)  # (period, stage)
    leave: int = 0

    @property
    def anything(self) -> bool:
        return bool(self.new or self.overdue or self.leave)


def digest_of(session: Session, today: dt.date, now: dt.datetime) -> list[EmployerDay]:
    """Per employer with anything open, by name: new and waiting drafts, overdue periods, pending leave."""
    names = dict(session.exec(select(Employer.id, Employer.name)).all())
    days: dict[str | None, EmployerDay] = {}

    def of(employer_id: str | None) -> EmployerDay:
        if employer_id not in days:
            days[employer_id] = EmployerDay(names.get(employer_id or "", employer_id or ""))
        return days[employer_id]

    for employer_id, created_at in session.exec(select(DraftRow.employer_id, DraftRow.created_at).where(
            DraftRow.status == DraftStatus.NEW)):
        day = of(employer_id)
        day.new += 1
        day.waiting += reminder_due_at(created_at, 1) <= now
    for employer_id in names:
        schedule = schedule_of(session, employer_id)
        current = period_containing(schedule, today)
        previous = period_containing(schedule, current.starts_on - dt.timedelta(days=1))
        # Only periods that have a row: a period from before the employer (or Loonbode) was there is not late.
        for period in session.exec(select(PayrollPeriod).where(
                PayrollPeriod.employer_id == employer_id, col(PayrollPeriod.period).in_([previous.key, current.key]),
                col(PayrollPeriod.deadline) < today, col(PayrollPeriod.run_done_at).is_(None))
                .order_by(col(PayrollPeriod.starts_on))):
            where = stage(session, period)
            if where in ("open", "received"):
                of(employer_id).overdue.append((period, where))
    for employer_id, count in session.exec(select(Employee.employer_id, func.count()).join(
            LeaveRequestRow, col(LeaveRequestRow.employee_id) == col(Employee.id)).where(
            LeaveRequestRow.status == LeaveStatus.PENDING).group_by(Employee.employer_id)):
        of(employer_id).leave += count
    return sorted((d for d in days.values() if d.anything), key=lambda d: (d.name == "", d.name.lower()))


def digest_text(found: list[EmployerDay], today: dt.date, settings: Settings,
                language: str = "nl") -> tuple[str, str]:
    """The digest's subject and body."""
    words = TEXT[BUREAU_DIGEST][language]
    date = _day(today, language)
    if not found:
        return words["subject_nothing"].format(date=date), words["body_nothing"].format(date=date)
    blocks = []
    for day in found:
        lines = [day.name or words["no_employer"]]
        if day.new:
            lines.append(words["new"].format(count=day.new, waiting=day.waiting))
        lines += [words["overdue"].format(period=_period(period.period, language),
                                          deadline=_day(period.deadline, language), what=words[where])
                  for period, where in day.overdue]
        if day.leave:
            lines.append(words["leave"].format(count=day.leave))
        blocks.append("\n".join(lines) + "\n")
    totals = Counter({"new": sum(d.new for d in found), "waiting": sum(d.waiting for d in found),
                      "overdue": sum(len(d.overdue) for d in found), "leave": sum(d.leave for d in found)})
    subject = words["subject"].format(date=date, **totals)
    return subject, words["body"].format(date=date, employers="\n".join(blocks),
                                         queue=f"{settings.dashboard_url}/queue")


def bureau_digest(engine: Engine, settings: Settings, *, now: dt.datetime | None = None) -> int:
    """On a working day, the day's overview to every active bureau and admin user, once."""
    now = _aware(now or utcnow())
    enabled, _ = _switch(engine, BUREAU_DIGEST)
    today = _today(now)
    if not enabled or not is_working_day(today):
        return 0
    ensure_current_periods(engine, today)
    with Session(engine) as session:
        found = digest_of(session, today, now)
        addresses = _bureau(session)
    subject, body = digest_text(found, today, settings)
    letters = [Letter(_key("digest", today.isoformat(), address.lower()), address, subject, body)
               for address in addresses]
    return _queue(engine, settings, BUREAU_DIGEST, letters, now)


REMINDERS: dict[str, Callable[..., int]] = {NOTHING_RECEIVED: remind_nothing_received,
                                            LEAVE_WAITING: remind_leave_waiting,
                                            POORTWACHTER: remind_poortwachter, BUREAU_DIGEST: bureau_digest}


def run_reminders(engine: Engine, settings: Settings, now: dt.datetime | None = None) -> dict[str, int]:
    """Run all four; returns how many mails each queued. One that fails is logged and the others still run
    (what it did not queue, the next run queues: nothing is marked given without its mail)."""
    now = _aware(now or utcnow())
    counts = {}
    for kind, remind in REMINDERS.items():
        try:
            counts[kind] = remind(engine, settings, now=now)
        except Exception:
            log.exception("herinneringen %s mislukt; de volgende run probeert het opnieuw", kind)
            counts[kind] = 0
    return counts
