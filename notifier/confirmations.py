"""Confirm to an employer, in their own thread and language, what we read from their mail.

`confirmer(settings)` gives the pipeline's `Confirm` hook. It runs inside the
transaction that stores the drafts and adds one `pending` OutboundMessage holding the
complete reply, so a confirmation exists exactly when the drafts do; `notifier.outbox`
sends it later.

The reply lists each mutation as a payroll clerk would say it ("Ziekmelding – Priya
Ramdin – eerste ziektedag 16-03-2026"), then asks about what is missing or unclear
("Van Sem de Jong missen wij nog het BSN en de geboortedatum."). A mail without
mutations gets a short acknowledgement, so nothing sent to us vanishes without a word.

An employer's first confirmation carries its Excel template (`parsers.template`), claimed
with a conditional UPDATE of `Employer.template_sent_at` in the same transaction, so exactly
one confirmation ever does. A mail whose template was read says it was read without guessing.

Mail loops are the danger of any automatic answer, so the hook says nothing to automatic
replies, bulk mail, unknown senders, system and no-reply addresses or our own addresses,
marks its replies `Auto-Submitted: auto-replied` (RFC 3834), and answers one sender at
most `replies_per_sender_per_hour` times an hour. BSN and IBAN never leave unmasked.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from email.utils import make_msgid, parseaddr

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from loonbode.settings import Settings
from notifier.mailer import compose
from parsers.fields import PERSONAL_DATA_FIELDS, REQUIRED_FIELDS
from parsers.labels import field_label, field_value, type_label
from parsers.masking import mask, mask_secrets
from parsers.mime import read_mail
from parsers.models import Mutation, ParseResult
from parsers.template import (
    MIME_TYPE,
    build_template,
    other_employers_template,
    skipped_rows,
    template_filename,
    template_was_read,
)
from parsers.validation import HIRE_PAYROLL_FIELDS
from workflows.models import (
    AuditEvent,
    DraftRow,
    Employee,
    Employer,
    InboundMessage,
    InboundStatus,
    OutboundMessage,
    utcnow,
)
from workflows.periods import AMSTERDAM
from workflows.pipeline import Confirm
from workflows.rawstore import read_raw

log = logging.getLogger(__name__)

KIND = "confirmation"
MAIL_CHANNELS = frozenset({"smtp", "imap"})  # a Telegram or dashboard message is not answered by mail
RATE_WINDOW = dt.timedelta(hours=1)
MAX_REFERENCES = 20  # keeps References bounded in long threads; the oldest and newest matter most
REPLY_HEADERS = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}

_NEVER_ANSWER = re.compile(
    r"^(?:mailer-daemon|postmaster|bounces?|(?:no|do[-_.]?not|dont|niet|geen)[-_.]?"
    r"(?:reply|respond|beantwoorden|antwoord))(?:$|[-_.+])",
    re.IGNORECASE,
)
_REPLY_PREFIX = re.compile(r"^\s*re\s*:", re.IGNORECASE)
_SECRET_FIELDS = frozenset({"bsn", "iban"})
# The parser's wording for a first name that fits several employees.
_AMBIGUOUS = re.compile(r"^'(?P<name>[^']+)' kan (?P<options>.+) zijn; kies de juiste medewerker$")
_CANDIDATE = re.compile(r"(?:^| of )(?P<name>.+?) \([^()]*\)")

TEXT: dict[str, dict[str, str]] = {
    "nl": {
        "greeting": "Goedendag,",
        "received": 'Wij hebben uw mail "{subject}" ontvangen. Uw referentie: {ref}.',
        "read": "Dit hebben wij erin gelezen:",
        "attention": "Graag uw hulp bij het volgende:",
        "nothing": "Ontvangen, geen mutaties gevonden. Uw referentie: {ref}.",
        "nothing_more": 'In uw mail "{subject}" hebben wij geen mutaties herkend. Een medewerker van het '
                        "salarisbureau kijkt ernaar; was er wel iets te verwerken, dan hoort u van ons.",
        "reply": "U kunt op deze mail antwoorden; vermeld dan de referentie {ref}.",
        "check": "Een medewerker van het salarisbureau controleert alles voordat het wordt verwerkt.",
        "closing": "Met vriendelijke groet,\nLoonbode\n\nDit bericht is automatisch verstuurd.",
        "no_subject": "Ontvangstbevestiging",
        "no_subject_quote": "zonder onderwerp",
        "missing": "Van {who} missen wij nog {what}.",
        "which_one": "Wie bedoelt u met '{name}': {options}?",
        "unknown": "Wij vinden '{name}' niet in het personeelsbestand; om wie gaat het?",
        "no_name": "Wat is de naam van de nieuwe medewerker?",
        "which_data": "Welke gegevens van {who} zijn gewijzigd?",
        "invalid": "{noun} van {who} ({value}) lijkt niet te kloppen; wilt u het controleren?",
        "confirm": "Klopt {noun} {value} bij {who}?",
        "and": "en",
        "or": "of",
        "someone": "onbekende medewerker",
        "new_employee": "de nieuwe medewerker",
        "template_read": "Uw sjabloon is gelezen zonder te raden: elke regel is één mutatie.",
        "template_empty": "In uw sjabloon was geen regel ingevuld: kies per mutatie een soort mutatie uit de lijst.",
        "template_skipped": "In uw sjabloon hebben wij rij {rows} niet gelezen: kies daar een soort mutatie uit de "
                            "lijst.",
        "template_other": "Het sjabloon in uw bijlage hoort bij een ander bedrijf; wij hebben er niets uit gelezen. "
                          "Gebruik het sjabloon dat wij u hebben gestuurd.",
        "template_attached": "Bijgevoegd: uw eigen Excel-sjabloon voor mutaties ({filename}), met uw medewerkers er "
                             "al in. Kies per regel de soort mutatie uit de lijst, vul de kolommen in die het blad "
                             "Instructies noemt en stuur het bestand als bijlage naar dit adres. Wij lezen het "
                             "sjabloon dan zonder te raden: elke regel is één mutatie. Gewoon mailen blijft ook "
                             "mogelijk.",
    },
    "en": {
        "greeting": "Hello,",
        "received": 'We have received your e-mail "{subject}". Your reference: {ref}.',
        "read": "This is what we read in it:",
        "attention": "Could you help us with the following:",
        "nothing": "Received, no changes found. Your reference: {ref}.",
        "nothing_more": 'We found no payroll changes in your e-mail "{subject}". A payroll clerk will look at '
                        "it; if there was something to process, you will hear from us.",
        "reply": "You can reply to this e-mail; please mention the reference {ref}.",
        "check": "A payroll clerk checks everything before it is processed.",
        "closing": "Kind regards,\nLoonbode\n\nThis message was sent automatically.",
        "no_subject": "Confirmation of receipt",
        "no_subject_quote": "without subject",
        "missing": "For {who} we still need {what}.",
        "which_one": "Who do you mean by '{name}': {options}?",
        "unknown": "We cannot find '{name}' among your employees; who do you mean?",
        "no_name": "What is the new employee's name?",
        "which_data": "Which details of {who} have changed?",
        "invalid": "{noun} for {who} ({value}) does not look right; could you check it?",
        "confirm": "Is {noun} {value} for {who} correct?",
        "and": "and",
        "or": "or",
        "someone": "unknown employee",
        "new_employee": "the new employee",
        "template_read": "Your template was read without guessing: every row is one change.",
        "template_empty": "No row of your template was filled in: choose a kind of change (Soort mutatie) from "
                          "the list for each change.",
        "template_skipped": "We did not read row {rows} of your template: choose a kind of change (Soort mutatie) "
                            "from the list there.",
        "template_other": "The template attached belongs to another company; we read nothing from it. Please use "
                          "the template we sent you.",
        "template_attached": "Attached: your own Excel template for payroll changes ({filename}), with your "
                             "employees already in it. For each row choose the kind of change (Soort mutatie) from "
                             "the list, fill in the columns the Instructies sheet names, and send the file as an "
                             "attachment to this address. We then read it without guessing: every row is one "
                             "change. Plain e-mail keeps working too.",
    },
}

# What a clerk wants to see per mutation; other fields stay in the dashboard.
KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "hire": ("start_date", "job_title", "hours_per_week", "salary_amount", "contract_end_date"),
    "termination": ("end_date",),
    "sick": ("start_date", "percentage"),
    "recovery": ("date", "percentage"),
    "hours": ("hours", "kind", "period", "date", "rate_percentage"),
    "salary_change": ("effective_date", "salary_amount"),
    "hours_change": ("effective_date", "hours_per_week"),
    "one_off_payment": ("amount", "description", "period"),
    "expense": ("amount", "description", "period"),
    "personal_data_change": (*PERSONAL_DATA_FIELDS, "effective_date"),
}
# Where the general field word is not what a clerk says for this type.
TYPE_FIELD_LABELS: dict[tuple[str, str], dict[str, str]] = {
    ("sick", "start_date"): {"nl": "eerste ziektedag", "en": "first day of sickness"},
    ("sick", "percentage"): {"nl": "ziek voor", "en": "sick for"},
    ("recovery", "date"): {"nl": "hersteld per", "en": "recovered on"},
    ("recovery", "percentage"): {"nl": "hersteld voor", "en": "recovered for"},
    ("hire", "start_date"): {"nl": "in dienst per", "en": "starting on"},
    ("hours", "hours"): {"nl": "aantal uren", "en": "number of hours"},
}
# Nouns for the questions, with the Dutch article that "de" would get wrong.
NOUNS: dict[str, dict[str, str]] = {
    "bsn": {"nl": "het BSN", "en": "the BSN"},
    "iban": {"nl": "het IBAN", "en": "the IBAN"},
    "address": {"nl": "het adres", "en": "the address"},
    "hours_per_week": {"nl": "het aantal uren per week", "en": "the hours per week"},
    "salary_amount": {"nl": "het salaris", "en": "the salary"},
    "percentage": {"nl": "het percentage", "en": "the percentage"},
    "amount": {"nl": "het bedrag", "en": "the amount"},
    "email": {"nl": "het e-mailadres", "en": "the e-mail address"},
    "phone": {"nl": "het telefoonnummer", "en": "the phone number"},
    "house_number": {"nl": "het huisnummer", "en": "the house number"},
    "hours": {"nl": "het aantal uren", "en": "the number of hours"},
}
ADDRESS_FIELDS = ("street", "house_number", "postal_code", "city")
ASK_FIRST = ("bsn", "birth_date")  # what payroll cannot start without, asked before the rest
MONTHS = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}


def confirmer(settings: Settings) -> Confirm | None:
    """The pipeline hook that queues confirmations; None when replies are switched off."""
    if settings.replies_per_sender_per_hour <= 0:
        return None

    def confirm(session: Session, inbound: InboundMessage, result: ParseResult, drafts: list[DraftRow]) -> None:
        queue_confirmation(session=session, settings=settings, inbound=inbound, result=result)

    return confirm


def queue_confirmation(*, session: Session, settings: Settings, inbound: InboundMessage, result: ParseResult,
                       now: dt.datetime | None = None) -> OutboundMessage | None:
    """Add the confirmation for `inbound` to `session` (not committed); None when it must not be answered."""
    now = now or utcnow()
    to_address = (result.sender or "").strip().lower()
    reason = skip_reason(session=session, settings=settings, inbound=inbound, result=result, to_address=to_address,
                         now=now)
    if reason is not None:
        log.info("no confirmation for inbound message %s: %s", inbound.id, reason)
        _audit(session, inbound, "confirmation_skipped", {"reason": reason})
        return None
    template = _claim_template(session, result.employer_id, now)
    row = _outbound(settings, inbound, result, to_address, now, template=template)
    session.add(row)
    _audit(session, inbound, "confirmation_queued",
           {"message_id": row.message_id, **({"template": template[0]} if template else {})})
    return row


# -- the employer's Excel template -------------------------------------------------------------


def employer_template(session: Session, employer_id: str, *, made_on: dt.date) -> tuple[str, bytes] | None:
    """(file name, .xlsx bytes) of the employer's template with its employees; None for an unknown employer."""
    employer = session.get(Employer, employer_id)
    if employer is None:
        return None
    staff = session.exec(select(Employee).where(col(Employee.employer_id) == employer_id)).all()
    employees = sorted(((e.number, e.full_name) for e in staff), key=_number_order)
    return template_filename(employer.id), build_template(employer.id, employer.name, employees, made_on=made_on)


def _number_order(employee: tuple[str, str]) -> tuple[int, int, str]:
    number = employee[0]
    return (0, int(number), number) if number.isdigit() else (1, 0, number)


def _claim_template(session: Session, employer_id: str | None, now: dt.datetime) -> tuple[str, bytes] | None:
    """The template for this employer's first confirmation, or None when an earlier one carried it.

    The conditional UPDATE changes one row for exactly one transaction, however many workers confirm
    mail of this employer at once; it commits (or rolls back) with the confirmation itself."""
    if employer_id is None:
        return None
    claimed = session.exec(update(Employer)  # type: ignore[call-overload]
                           .where(col(Employer.id) == employer_id, col(Employer.template_sent_at).is_(None))
                           .values(template_sent_at=now))
    if claimed.rowcount != 1:
        return None
    today = (now.astimezone(AMSTERDAM) if now.tzinfo else now).date()
    return employer_template(session, employer_id, made_on=today)


# -- whom we never answer ------------------------------------------------------------------


def skip_reason(*, session: Session, settings: Settings, inbound: InboundMessage, result: ParseResult,
                to_address: str, now: dt.datetime) -> str | None:
    """Why this mail gets no confirmation, or None. The pipeline filters most of this already;
    checking again here keeps a later caller from starting a mail loop."""
    if result.auto_reply or result.bulk:
        return "automatic reply or bulk mail"
    if result.employer_id is None or inbound.status != InboundStatus.PARSED:
        return f"not a parsed mail of a known employer (status {inbound.status})"
    if inbound.channel not in MAIL_CHANNELS:
        return f"arrived through {inbound.channel}, not by mail"
    address_reason = never_answer_reason(to_address, settings)
    if address_reason is not None:
        return address_reason
    sent = _recent_replies(session, to_address, now)
    if sent >= settings.replies_per_sender_per_hour:
        return f"rate limit: {sent} replies to this sender in the last hour"
    return None


def never_answer_reason(address: str, settings: Settings) -> str | None:
    """Why an address must never get an automatic reply (system, no-reply or our own), or None."""
    local, _, domain = address.rpartition("@")
    if not local or not domain:
        return "no usable sender address"
    if _NEVER_ANSWER.match(local):
        return "system or no-reply address"
    own = {parseaddr(settings.from_address)[1].lower(), *settings.intake_list}
    if address in own:
        return "our own address"
    return None


def _recent_replies(session: Session, to_address: str, now: dt.datetime) -> int:
    # The session autoflushes, so replies added earlier in this transaction count as well.
    query = select(func.count()).select_from(OutboundMessage).where(
        col(OutboundMessage.to_address) == to_address, col(OutboundMessage.created_at) > now - RATE_WINDOW)
    return int(session.exec(query).one())


def _audit(session: Session, inbound: InboundMessage, action: str, detail: dict[str, str]) -> None:
    session.add(AuditEvent(actor="system", action=action, subject_type="inbound", subject_id=str(inbound.id),
                           detail=detail))


# -- the message -----------------------------------------------------------------------------


def _outbound(settings: Settings, inbound: InboundMessage, result: ParseResult, to_address: str,
              now: dt.datetime, *, template: tuple[str, bytes] | None = None) -> OutboundMessage:
    language = result.language if result.language in TEXT else "nl"
    from_address = parseaddr(settings.from_address)[1] or settings.from_address
    message_id = make_msgid(idstring="loonbode", domain=from_address.rpartition("@")[2] or None)
    in_reply_to, references = thread_headers(settings, inbound, result.message_id)
    subject = mask_secrets(reply_subject(result.subject, language))[:900]
    body = mask_secrets(compose_body(result, reference=f"LB-{inbound.id}", language=language,
                                     template_attached=template[0] if template else None))
    raw = compose(from_address=settings.from_address, to_address=to_address, subject=subject, body=body,
                  message_id=message_id, in_reply_to=in_reply_to, references=references,
                  extra_headers=REPLY_HEADERS,
                  attachments=[(template[0], template[1], MIME_TYPE)] if template else ())
    return OutboundMessage(kind=KIND, channel="mail", to_address=to_address, subject=subject, body=body,
                           message_id=message_id, in_reply_to=in_reply_to, references=references,
                           related_inbound_id=inbound.id, raw=raw, created_at=now, next_attempt_at=now)


def thread_headers(settings: Settings, inbound: InboundMessage,
                   message_id: str | None) -> tuple[str | None, str | None]:
    """In-Reply-To and References (RFC 5322 §3.6.4) that put our reply in the sender's thread."""
    earlier: tuple[str, ...] = ()
    message_id = message_id or inbound.message_id
    try:
        original = read_mail(read_raw(settings.data_dir, inbound.raw_path))
        earlier, message_id = original.references, message_id or original.message_id
    except OSError:  # the raw file is gone: reply in the thread as far as we still know it
        log.warning("raw mail of inbound message %s unreadable; replying without References", inbound.id)
    if not message_id:
        return None, None
    chain = [m for m in earlier if m != message_id] + [message_id]
    if len(chain) > MAX_REFERENCES:
        chain = chain[:1] + chain[-(MAX_REFERENCES - 1):]
    return message_id, " ".join(chain)


def reply_subject(original: str, language: str) -> str:
    """"Re: <subject>", never "Re: Re:"."""
    subject = " ".join(original.split())
    if not subject:
        return TEXT[language]["no_subject"]
    return subject if _REPLY_PREFIX.match(subject) else f"Re: {subject}"


def compose_body(result: ParseResult, *, reference: str, language: str, template_attached: str | None = None) -> str:
    """The reply's text: what we read and what we need to know, in the sender's language.

    `template_attached` is the file name of the employer's template when this reply carries it."""
    text = TEXT[language]
    shown_subject = " ".join(result.subject.split()) or text["no_subject_quote"]
    if not result.mutations:
        paragraphs = [text["nothing"].format(ref=reference), text["nothing_more"].format(subject=shown_subject),
                      *_template_lines(result, language)]
    else:
        paragraphs = [text["received"].format(subject=shown_subject, ref=reference), *_template_lines(result, language),
                      _bullets(text["read"], (mutation_line(m, language) for m in result.mutations))]
        questions = [q for m in result.mutations for q in mutation_questions(m, language)]
        if questions:
            paragraphs.append(_bullets(text["attention"], _unique(questions)))
        paragraphs.append(text["check"])
    if template_attached:
        paragraphs.append(text["template_attached"].format(filename=template_attached))
    paragraphs.append(text["reply"].format(ref=reference))
    return "\n\n".join([text["greeting"], *paragraphs, text["closing"]]) + "\n"


def _template_lines(result: ParseResult, language: str) -> list[str]:
    """What the reader says about a template in the mail: read without guessing, rows not read, not theirs."""
    text, lines = TEXT[language], []
    if template_was_read(result):
        skipped = [text["template_skipped"].format(rows=rows) for rows in skipped_rows(result)]
        if result.mutations:
            lines.append(text["template_read"])
        elif not skipped:
            lines.append(text["template_empty"])
        lines += skipped
    if other_employers_template(result):
        lines.append(text["template_other"])
    return lines


def _bullets(title: str, lines: Iterable[str]) -> str:
    return "\n".join([title, *(f"- {line}" for line in lines)])


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


# -- one mutation in words ---------------------------------------------------------------------


def mutation_line(mutation: Mutation, language: str) -> str:
    """"Ziekmelding – Priya Ramdin – eerste ziektedag 16-03-2026"."""
    label = type_label(mutation.type, language)
    parts = [label[:1].upper() + label[1:], _who(mutation, language)]
    details = [_detail(mutation, name, language) for name in KEY_FIELDS.get(mutation.type, ())
               if mutation.fields.get(name) not in (None, "")]
    details = [d for d in details if d]
    if details:
        parts.append(", ".join(details))
    return " – ".join(parts)


def _who(mutation: Mutation, language: str) -> str:
    if mutation.employee_name or mutation.employee_id:
        return mutation.employee_name or mutation.employee_id or ""
    return TEXT[language]["new_employee" if mutation.type == "hire" else "someone"]


def _detail(mutation: Mutation, name: str, language: str) -> str | None:
    value = mutation.fields[name]
    if name == "percentage" and value == 100:
        return None  # fully sick or fully recovered is what everyone assumes
    shown = _value(name, value, language)
    if name == "hours_per_week":
        return f"{shown} {'uur per week' if language == 'nl' else 'hours per week'}"
    if name == "salary_amount" and mutation.fields.get("salary_period"):
        shown += " " + field_value("salary_period", mutation.fields["salary_period"], language)
    return f"{_label(mutation.type, name, language)} {shown}"


def _label(mutation_type: str, name: str, language: str) -> str:
    override = TYPE_FIELD_LABELS.get((mutation_type, name))
    return override[language] if override else field_label(name, language)


def _value(name: str, value: object, language: str) -> str:
    if name in _SECRET_FIELDS:
        return mask(str(value))
    if name == "period" and isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}", value):
        return f"{MONTHS[language][int(value[5:]) - 1]} {value[:4]}"
    return field_value(name, value, language)


def _noun(mutation_type: str, name: str, language: str) -> str:
    if (mutation_type, name) not in TYPE_FIELD_LABELS and name in NOUNS:
        return NOUNS[name][language]
    return ("de " if language == "nl" else "the ") + _label(mutation_type, name, language)


# -- what we need to ask -----------------------------------------------------------------------


def mutation_questions(mutation: Mutation, language: str) -> list[str]:
    """Questions to the employer about one mutation: who it is, what is missing, what looks wrong."""
    text, who = TEXT[language], _who(mutation, language)
    questions = _person_questions(mutation, language)
    missing = missing_fields(mutation)
    if mutation.type == "personal_data_change" and not any(mutation.fields.get(f) for f in PERSONAL_DATA_FIELDS):
        questions.append(text["which_data"].format(who=who))
    elif missing:
        nouns = [NOUNS["address"][language] if f == "address" else _noun(mutation.type, f, language)
                 for f in missing]
        questions.append(_capitalize(text["missing"].format(who=who, what=_join(nouns, text["and"]))))
    questions.extend(_field_questions(mutation, language, who))
    return questions


def missing_fields(mutation: Mutation) -> list[str]:
    """Empty required fields and, for a new employee, what payroll needs before the first payslip."""
    wanted = list(REQUIRED_FIELDS.get(mutation.type, ()))
    if mutation.type == "hire":
        wanted += [f for f in HIRE_PAYROLL_FIELDS if f not in wanted]
    missing = [f for f in wanted if mutation.fields.get(f) in (None, "")]
    if set(ADDRESS_FIELDS) <= set(missing):
        missing = [f for f in missing if f not in ADDRESS_FIELDS] + ["address"]
    order = {name: i for i, name in enumerate(ASK_FIRST)}
    return sorted(missing, key=lambda f: order.get(f, len(order)))


def _person_questions(mutation: Mutation, language: str) -> list[str]:
    text = TEXT[language]
    if mutation.type == "hire":
        return [] if mutation.employee_name else [text["no_name"]]
    if mutation.employee_id:
        return []
    for issue in mutation.issues:
        match = _AMBIGUOUS.match(issue.message)
        if match:
            options = [m.group("name") for m in _CANDIDATE.finditer(match.group("options"))]
            if options:
                return [text["which_one"].format(name=match.group("name"), options=_join(options, text["or"]))]
    return [text["unknown"].format(name=mutation.employee_name or "?")]


def _field_questions(mutation: Mutation, language: str, who: str) -> list[str]:
    """One question per field that an issue points at and that has a value (assumed or doubtful)."""
    text, questions, asked = TEXT[language], [], set()
    for issue in mutation.issues:
        name = issue.field
        if name is None or name in asked or mutation.fields.get(name) in (None, ""):
            continue
        asked.add(name)
        noun, value = _noun(mutation.type, name, language), _value(name, mutation.fields[name], language)
        if name in _SECRET_FIELDS and issue.severity == "error":
            questions.append(_capitalize(text["invalid"].format(noun=noun, who=who, value=value)))
        else:
            questions.append(text["confirm"].format(noun=noun, value=value, who=who))
    return questions


def _join(items: list[str], word: str) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


def _capitalize(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]
