"""One e-mail to a parse result: the parser's single entry point.

Reads the MIME message, decides whether it is ours to read (a known sender, no
automatic reply, no newsletter), cleans the body, reads the text, pasted tables and
spreadsheet attachments into drafts, fills what a payroll clerk would assume, and
runs the validation rules. Our own Excel template is read by its fixed columns instead
(`parsers.template`), without any of that guessing. Pure: the reference date comes from
the mail's `Date` header, or from `received_at` when the mail has none.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from parsers.autoreply import automatic_reply_reason, bulk_mail_reason
from parsers.cleanup import BodyLine, clean_body
from parsers.cues import Cue, find_cues
from parsers.dates import find_months
from parsers.drafts import Draft, DraftSet
from parsers.mime import MailMessage, read_mail
from parsers.models import Issue, Mutation, ParseResult
from parsers.numbers import find_percentages
from parsers.people import RosterIndex
from parsers.roster import Employer, Roster
from parsers.sentences import MAX_LINE
from parsers.spreadsheets import SpreadsheetError, is_spreadsheet, read_spreadsheet
from parsers.tables import TableContext, read_rows
from parsers.template import read_template, template_marker
from parsers.text import ReadContext, TextReader, hire_issue
from parsers.validation import validate_normal

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
INTERNAL_ERROR = "Loonbode kon dit bericht niet lezen door een interne fout"
MANY_ROWS = 5000  # a mutation sheet longer than this deserves a second look
_ENGLISH_RE = re.compile(r"\b(?:the|and|is|has|have|with|for|from|please|thanks|hours|his|her|as of|will|"
                         r"been|this|our|we|you)\b", re.IGNORECASE)
_DUTCH_RE = re.compile(r"\b(?:de|het|een|en|is|van|met|voor|per|heeft|graag|groet|uur|uren|zijn|haar|"
                       r"hij|zij|wij|jullie|ik|sinds|vanaf|naar|niet|ook|nog)\b", re.IGNORECASE)


def parse_mail(raw: bytes, roster: Roster, *, filename: str = "",
               received_at: dt.datetime | None = None) -> ParseResult:
    """Everything Loonbode reads from one message; never raises for any input bytes."""
    mail = read_mail(raw)
    result = ParseResult(file=filename, sender=mail.from_address, subject=mail.subject, date=mail.date,
                         message_id=mail.message_id, in_reply_to=mail.in_reply_to, references=list(mail.references))
    result.issues.extend(Issue(severity="warning", message=p) for p in mail.problems)
    employer = roster.employer_for_sender(mail.from_address)
    result.employer_id = employer.id if employer else None
    result.language = detect_language(f"{mail.subject}\n{mail.body[:4000]}")
    reason = automatic_reply_reason(mail)
    if reason:
        result.auto_reply = True
        result.issues.append(Issue(severity="warning", message=f"automatisch antwoord ({reason}); niet gelezen"))
        return result
    if employer is None:
        who = mail.from_address or "zonder afzender"
        result.issues.append(Issue(severity="error", message=f"afzender {who} is onbekend: bij geen werkgever "
                                                             "geregistreerd; bericht in quarantaine"))
        return result
    bulk = bulk_mail_reason(mail)
    if bulk:
        result.bulk = True
        result.issues.append(Issue(severity="warning", message=f"nieuwsbrief of bulkmail ({bulk}); niet gelezen"))
        return result
    sent = mail.date or received_at
    if sent is None:
        result.issues.append(Issue(severity="error", message="de mail heeft geen datum; relatieve datums "
                                                             "(gisteren, maandag) zijn niet op te lossen"))
        return result
    reference = (sent.astimezone(AMSTERDAM) if sent.tzinfo else sent).date()
    try:
        read_message(mail, employer, reference, result)
    except Exception as exc:  # a reader bug must not lose the mail: the issue below names it
        result.mutations = []
        result.issues.append(Issue(severity="error", message=f"{INTERNAL_ERROR}: {type(exc).__name__}; het "
                                                             "bericht is bewaard en moet met de hand worden gelezen"))
    return result


def detect_language(text: str) -> str:
    return "en" if len(_ENGLISH_RE.findall(text)) > len(_DUTCH_RE.findall(text)) else "nl"


def _is_lower_case_writer(lines: list[BodyLine]) -> bool:
    starts = [line.text.lstrip(" -*•")[:1] for line in lines if line.text.strip(" -*•")]
    letters = [c for c in starts if c.isalpha()]
    return bool(letters) and sum(c.islower() for c in letters) >= len(letters) / 2


def _period_hint(mail: MailMessage, lines: list[BodyLine], reference: dt.date, index: RosterIndex) -> str | None:
    """The month the mail as a whole is about ("Mutaties maart", "De mutaties over april:")."""
    months = find_months(mail.subject, reference)
    if months:
        return months[0].period
    for line in lines[:40]:
        months = find_months(line.text, reference)
        names = [m for m in index.find(line.text) if m.pronoun is None]
        if months and not names:
            return months[0].period
    return None


def read_message(mail: MailMessage, employer: Employer, reference: dt.date, result: ParseResult) -> None:
    index = RosterIndex(employer)
    cleaned = clean_body(mail.body, subject=mail.subject)
    lines = list(cleaned.lines)
    for line in lines:
        if len(line.text) > MAX_LINE:
            result.issues.append(Issue(severity="warning", message=f"regel {line.number} is te lang "
                                       f"({len(line.text):,} tekens); alleen het begin is gelezen".replace(",", ".")))
    hint = _period_hint(mail, lines, reference, index)
    ctx = ReadContext(index=index, reference=reference, part="body", period_hint=hint,
                      lenient_case=_is_lower_case_writer(lines))
    reader = TextReader(ctx)
    drafts, tables = reader.read(lines)
    kind_hint = _kind_hint(f"{mail.subject} {' '.join(line.text for line in lines[:6])}")
    for table in tables:
        rows = [(line, tuple(cells)) for line, cells in zip(table.lines, table.cells, strict=False)]
        tctx = TableContext(index=index, reference=reference, part="body", period_hint=hint,
                            kind_hint=kind_hint, is_sheet=False)
        found = read_rows(rows, tctx)
        drafts.drafts.extend(found.drafts)
        result.issues.extend(found.issues)
    from_templates: list[Mutation] = []  # read without guessing: finished as they are
    for attachment in mail.attachments:
        if not is_spreadsheet(attachment.filename, attachment.content_type):
            continue
        file_hint = _kind_hint(re.sub(r"[_.\-]", " ", attachment.filename)) or kind_hint
        _read_attachment(attachment.filename, attachment.data, index, reference, hint, file_hint, drafts, result,
                         pay_period=reader.pay_period, rate=_rate_hint(lines), from_templates=from_templates)
    if not drafts.drafts and not from_templates and mail.subject and find_cues(mail.subject):
        drafts = _read_with_subject(mail, lines, ctx)
    # Drafts are let go as they become mutations, so a huge sheet is not held twice.
    pending = [d for d in drafts.drafts if not _is_empty_hire(d)]
    drafts.drafts.clear()
    pending.reverse()
    while pending:
        result.mutations.append(_finish(pending.pop(), reference, hint, result))
    result.mutations.extend(from_templates)


def _is_empty_hire(draft: Draft) -> bool:
    # "Daan is nieuw, zijn gegevens volgen": a new or unknown person without anything to enter yet.
    return not draft.fields and (draft.type == "hire" or (draft.employee is None and not draft.candidates))


def _rate_hint(lines: list[BodyLine]) -> float | None:
    """"Alle overuren worden uitbetaald tegen 125%": one rate for the sheet, when the mail names only one."""
    rates = set()
    for line in lines:
        if any(c.kind == "overtime" for c in find_cues(line.text)):
            rates.update(p.value for p in find_percentages(line.text) if 100 < p.value <= 300)
    return rates.pop() if len(rates) == 1 else None


def _kind_hint(text: str) -> Cue | None:
    """What a mail or file name says its table holds ("overuren juni", "expenses_export")."""
    return next((c for c in find_cues(text) if c.type in ("hours", "expense", "one_off_payment")), None)


def _read_attachment(filename: str, data: bytes, index: RosterIndex, reference: dt.date, hint: str | None,
                     kind_hint: Cue | None, drafts: DraftSet, result: ParseResult, *,
                     pay_period: str | None, from_templates: list[Mutation], rate: float | None = None) -> None:
    try:
        workbook = read_spreadsheet(filename, data)
    except SpreadsheetError as exc:
        result.issues.append(Issue(severity="error", message=str(exc)))
        return
    result.issues.extend(Issue(severity="warning", message=p) for p in workbook.problems)
    marker = template_marker(workbook)
    if marker is not None and index.employer is not None:
        # Our own template: its fixed columns are read as they are, never by the header heuristics below.
        found = read_template(workbook, marker, index.employer, filename=filename, reference=reference)
        from_templates.extend(found.mutations)
        result.issues.extend(found.issues)
        result.notes.extend(found.notes)
        return
    file_months = find_months(re.sub(r"[_.]", " ", filename), reference)
    file_period = file_months[0].period if file_months else None
    found_any = False
    before = len(drafts.drafts)
    for sheet in workbook.sheets:
        ctx = TableContext(index=index, reference=reference, part=f"attachment:{filename}", sheet=sheet.name,
                           period_hint=file_period or hint, kind_hint=kind_hint, rate_hint=rate)
        found = read_rows(sheet.rows, ctx)
        found_any = found_any or found.found_header
        for draft in found.drafts:
            if draft.type == "hours" and "period" not in draft.fields and (file_period or hint):
                draft.set("period", file_period or hint)
            if draft.type in ("one_off_payment", "expense") and pay_period:
                draft.set("period", pay_period)
            drafts.drafts.append(draft)
        result.issues.extend(found.issues)
    rows = sum(len(sheet.rows) for sheet in workbook.sheets)
    if rows > MANY_ROWS or len(drafts.drafts) - before > MANY_ROWS:
        result.issues.append(Issue(severity="warning", message=f"bijlage {filename}: ongewoon veel rijen "
                                   f"({rows:,}); controleer of dit het juiste bestand is".replace(",", ".")))
    if not found_any:
        result.issues.append(Issue(severity="warning", message=f"bijlage {filename}: geen kopregel met "
                                                               "medewerkers en mutaties gevonden"))


def _read_with_subject(mail: MailMessage, lines: list[BodyLine], ctx: ReadContext) -> DraftSet:
    """A short mail whose subject says what it is about ("Ziekmelding Joost Visser" / "per vandaag")."""
    subject_line = BodyLine(number=0, text=re.sub(r"^(?:(?:re|fw|fwd|doorst)\s*:\s*)+", "", mail.subject,
                                                  flags=re.IGNORECASE), forwarded_from=None)
    reader = TextReader(ReadContext(index=ctx.index, reference=ctx.reference, part="body",
                                    period_hint=ctx.period_hint, lenient_case=True))
    drafts, _ = reader.read([subject_line, BodyLine(number=0, text="", forwarded_from=None), *lines])
    return drafts


def _default_period(reference: dt.date) -> str:
    # Hours mailed in the first days of a month are about the month that just ended.
    if reference.day <= 10:
        previous = reference.replace(day=1) - dt.timedelta(days=1)
        return f"{previous.year:04d}-{previous.month:02d}"
    return f"{reference.year:04d}-{reference.month:02d}"


def _assume_defaults(draft: Draft, reference: dt.date, hint: str | None) -> None:
    if draft.type == "hours" and "period" not in draft.fields:
        if hint:
            draft.assume("period", hint, "periode uit het onderwerp of de aanhef van de mail")
        else:
            draft.assume("period", _default_period(reference), "geen periode genoemd; aangenomen")
    if draft.type == "sick" and "start_date" not in draft.fields:
        draft.assume("start_date", reference, "geen eerste ziektedag genoemd; aangenomen: de datum van de mail")
    if draft.type == "recovery" and "date" not in draft.fields:
        draft.assume("date", reference, "geen hersteldatum genoemd; aangenomen: de datum van de mail")


def _person_issues(draft: Draft) -> list[Issue]:
    if draft.type == "hire":
        issue = hire_issue(draft)
        return [issue] if issue else []
    if draft.candidates:
        names = " of ".join(f"{e.full_name} ({e.number})" for e in draft.candidates)
        return [Issue(severity="error", message=f"'{draft.name or 'naam'}' kan {names} zijn; kies de juiste "
                                                "medewerker")]
    if draft.employee is None:
        return [Issue(severity="error", message=f"{draft.name or 'medewerker'} staat niet in het "
                                                "personeelsbestand van deze werkgever")]
    if draft.match_score < 0.75:
        return [Issue(severity="warning", message=f"naam herkend als {draft.employee.full_name} "
                                                  f"({draft.employee.number}); controleer dit")]
    return []


def _finish(draft: Draft, reference: dt.date, hint: str | None, result: ParseResult) -> Mutation:
    _assume_defaults(draft, reference, hint)
    if draft.candidates and draft.name is None:
        draft.name = draft.candidates[0].first_name
    issues = _person_issues(draft) + list(draft.issues)
    issues += [Issue(severity="warning", message=f"{why}: {draft.fields[name]}", field=name)
               for name, why in draft.assumed.items() if name in draft.fields]
    mutation = draft.to_mutation(issues, 0.5)
    issues += validate_normal(mutation.type, mutation.fields, reference=reference)
    confidence = draft.certainty * (draft.match_score if draft.employee or draft.type == "hire" else 0.5)
    confidence *= 0.9 ** len(draft.assumed)
    if any(i.severity == "error" for i in issues):
        confidence *= 0.7
    mutation.issues = issues
    mutation.confidence = round(min(max(confidence, 0.05), 0.99), 2)
    return mutation
