"""Free text to drafts: who is meant, what changes, with which values.

A sentence is cut into clauses, one per person or group of persons ("Mark en Lisa zijn
allebei ziek"); each clause's cue words give the mutation types and `parsers.extract`
reads their fields. "Hij", "She", "Haar salaris" refer back to the person last named;
"ik" inside a forwarded mail is the forward's author. "Label: value" lines fill in the
person being described, which is how new hires are usually sent.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from parsers.cleanup import BodyLine
from parsers.cues import Cue, find_cues
from parsers.dates import find_dates, find_months
from parsers.drafts import Draft, DraftSet
from parsers.extract import (
    Facts,
    fields_for_hire,
    fields_for_hours,
    fields_for_hours_change,
    fields_for_payment,
    fields_for_personal_data,
    fields_for_recovery,
    fields_for_salary_change,
    fields_for_sick,
    fields_for_termination,
)
from parsers.models import Issue
from parsers.numbers import find_amounts
from parsers.people import NOT_NAMES, Match, PersonMention, RosterIndex, fold
from parsers.sentences import Unit, sentences, units
from parsers.values import (
    find_address,
    find_emails,
    find_ibans,
    find_job_title,
    find_street,
    salary_period_near,
)

# "Label: value" lines and the hire field each label fills.
PAIR_LABELS: dict[str, str] = {}
for _field, _labels in {
    "name": "naam|name|volledige naam|full name|naam medewerker|naam werknemer|employee|medewerker|werknemer",
    "job_title": "functie|job title|functie/rol|position|role|title|job|functienaam",
    "birth_date": "geboortedatum|geb. datum|geb.datum|geboren|date of birth|birth date|birthday|dob|born",
    "bsn": "bsn|burgerservicenummer|sofinummer|sofi-nummer|bsn-nummer|citizen service number",
    "iban": "iban|rekeningnummer|bankrekening|bankrekeningnummer|bank account|account number|iban-nummer",
    "address": "adres|address|straat|straat en huisnummer|straat + huisnummer|woonadres|street|home address",
    "postcode_city": "postcode en plaats|postcode/plaats|postcode + plaats|postcode|zip|postal code|"
                     "woonplaats|plaats|city|town|postcode en woonplaats|zip code",
    "phone": "telefoon|telefoonnummer|tel|tel.|mobiel|mobile|phone|gsm|mobiel nummer|phone number|telefoonnr",
    "email": "e-mail|email|e-mailadres|emailadres|mail|e-mail address|email address|mailadres",
    "hours_per_week": "uren|uren per week|contracturen|hours|hours per week|arbeidsduur|aantal uren|"
                      "contract hours|werkuren",
    "salary": "salaris|brutosalaris|salary|loon|uurloon|maandsalaris|brutoloon|bruto salaris|gross salary|wage",
    "contract_end_date": "contract|einddatum|contract tot|end date|contract end|einde contract|contractduur|"
                        "type contract|soort contract|contract type",
    "start_date": "startdatum|datum in dienst|in dienst per|in dienst|datum indiensttreding|start date|start|"
                  "eerste werkdag|first day|first working day|begindatum|ingangsdatum|per",
}.items():
    for _label in _labels.split("|"):
        PAIR_LABELS[fold(_label)] = _field


def known_label(label: str) -> bool:
    return fold(label.strip()) in PAIR_LABELS


GREETING_RE = re.compile(r"^(?:hoi|hi|hey|hallo|hello|beste|dear|geachte|goedemorgen|goedemiddag|goedenavond|"
                         r"morgen|middag|good\s+(?:morning|afternoon))\b[^.!?]{0,60}[,!:]?\s*$", re.IGNORECASE)
# A question asks for information unless it asks to do something.
REQUEST_RE = re.compile(r"\b(?:toevoegen|verwerken|uitbetalen|uitbetaald|meenemen|aanpassen|doorvoeren|wijzigen|"
                        r"boeken|opnemen|invoeren|add|process|pay|include|update|change|register)\b", re.IGNORECASE)
HYPOTHETICAL_RE = re.compile(
    r"\b(?:(?:zitten|zit|zijn|ben|denken|denk)\s+(?:er\s*)?(?:over\s+)?(?:na\s+)?(?:te\s+)?(?:denken|na\s+te\s+denken)|"
    r"erover\s+na|overwegen|overweeg|misschien|eventueel|wellicht|als\s+het\s+doorgaat|nog\s+niet\s+(?:zeker|besloten)|"
    r"considering|thinking\s+(?:about|of)|might|maybe|perhaps|not\s+(?:yet\s+)?decided|if\s+(?:we|it)\s+goes)\b",
    re.IGNORECASE,
)
DONT_PROCESS_RE = re.compile(r"\b(?:(?:nog\s+)?niet\s+verwerken|(?:do\s+not|don't|don’t)\s+process|niks\s+besloten|"
                             r"niets\s+besloten|nog\s+niet\s+doorvoeren)\b", re.IGNORECASE)
CONJUNCTION_RE = re.compile(r"^(?:\s*(?:,|&|\+|/|en|and|of|or|plus|als\s+ook|allebei|beiden|both)\s*)+$",
                            re.IGNORECASE)
# Two or more capitalised words, particles allowed between: a name not on the roster.
UNKNOWN_NAME_RE = re.compile(
    r"(?<![\w@.])[A-Z][a-zà-ÿ'’\-]+(?:\s+(?:(?:van|de|der|den|ter|ten|te|el|al|da|di|le|la|op|in|'t|’t)\s+)*"
    r"[A-Z][a-zà-ÿ'’\-]+){1,3}"
)
SUBJECT_VERB_RE = re.compile(r"^\s+(?:is|heeft|krijgt|gaat|werkt|wordt|zit|komt|had|kan|moet|has|was|did|gets|"
                             r"will|worked|called|went|starts|begint)\b")
MONEY_TYPES = ("one_off_payment", "expense", "salary_change")


@dataclass
class Subject:
    """Whom the text is talking about right now."""

    match: Match | None = None
    name: str | None = None  # an unknown name, or a hire's name
    hire: Draft | None = None


@dataclass
class ReadContext:
    index: RosterIndex
    reference: dt.date
    part: str = "body"
    period_hint: str | None = None  # a month named for the whole mail (subject, opening line)
    lenient_case: bool = False


@dataclass
class _State:
    drafts: DraftSet
    subject: Subject | None = None
    block_period: str | None = None
    block_cue: Cue | None = None
    paragraph_drafts: dict[int, list[Draft]] = field(default_factory=dict)
    pending_date_target: Draft | None = None


class TextReader:
    def __init__(self, ctx: ReadContext, drafts: DraftSet | None = None) -> None:
        self.ctx = ctx
        self.state = _State(drafts if drafts is not None else DraftSet())

    # -- units ---------------------------------------------------------------------------

    def read(self, lines: Sequence[BodyLine]) -> tuple[DraftSet, list[Unit]]:
        """Read every unit; returns the drafts and the table units for the table reader."""
        tables: list[Unit] = []
        paragraph_texts: dict[int, list[str]] = {}
        last_paragraph = None
        for unit in units(lines, known_label):
            paragraph_texts.setdefault(unit.paragraph, []).append(unit.text)
            if unit.paragraph != last_paragraph:
                self.state.block_cue = None if unit.kind != "bullet" else self.state.block_cue
                last_paragraph = unit.paragraph
            if unit.kind == "table":
                tables.append(unit)
            elif unit.kind == "pair":
                self._read_pair(unit)
            elif unit.kind == "heading":
                self._read_heading(unit)
            else:
                for sentence in sentences(unit.text):
                    self._read_sentence(unit, sentence.text, sentence.start)
        for paragraph, texts in paragraph_texts.items():
            if DONT_PROCESS_RE.search(" ".join(texts)):
                self.state.drafts.remove(self.state.paragraph_drafts.get(paragraph, []))
        return self.state.drafts, tables

    def _read_heading(self, unit: Unit) -> None:
        months = find_months(unit.text, self.ctx.reference)
        if months:
            self.state.block_period = months[0].period
        cues = [c for c in find_cues(unit.text) if c.type == "hours"]
        self.state.block_cue = cues[0] if cues else None
        # A heading can also hold sentences ("Per 1 juli komt er iemand bij. Zijn gegevens:").
        for sentence in sentences(unit.text.rstrip(":")):
            self._read_sentence(unit, sentence.text, sentence.start)

    def _read_pair(self, unit: Unit) -> None:
        label = PAIR_LABELS[fold(unit.label or "")]
        value = unit.value or ""
        line = unit.lines[0]
        if label == "name":
            self._pair_name(value, unit)
            return
        subject = self.state.subject
        if subject is None:
            return
        if subject.hire is not None:
            draft = subject.hire
        elif subject.match is not None and subject.match.employee is not None and \
                label in ("iban", "address", "postcode_city", "phone", "email"):
            draft = self._add(Draft.for_match("personal_data_change", subject.match, None, part=self.ctx.part),
                              unit, line, unit.text)
        else:
            return
        self._fill_pair(draft, label, value)
        draft.add_source(line, unit.text)

    def _pair_name(self, value: str, unit: Unit) -> None:
        match = self.ctx.index.resolve_name(value)
        subject = self.state.subject
        if match is not None and match.score >= 0.85:
            self.state.subject = Subject(match=match)
            return
        name = " ".join(value.split()).strip(" .,")
        if subject is not None and subject.hire is not None and subject.hire.name is None:
            subject.hire.name = name
            subject.hire.add_source(unit.lines[0], unit.text)
            subject.name = name
            return
        hire = self._add(Draft("hire", part=self.ctx.part, name=name, certainty=0.6), unit,
                         unit.lines[0], unit.text)
        self.state.subject = Subject(name=name, hire=hire)

    def _fill_pair(self, draft: Draft, label: str, value: str) -> None:
        facts = Facts.of(value)
        reference = self.ctx.reference
        if label in ("birth_date", "start_date", "contract_end_date"):
            if label == "contract_end_date" and re.search(r"onbepaalde", value, re.I):
                return
            mentions = facts.dates
            if mentions:
                prefer = "past" if label == "birth_date" else "future"
                target = {"start_date": "start_date" if draft.type == "hire" else "effective_date"}.get(label, label)
                draft.set(target, mentions[-1 if label == "contract_end_date" else 0].resolve(reference, prefer))
        elif label == "bsn":
            digits = re.sub(r"\D", "", value)
            draft.set("bsn", digits or value.strip())
        elif label == "iban":
            ibans = find_ibans(value)
            draft.set("iban", ibans[0].value if ibans else value.strip())
        elif label == "address":
            address = find_address(value) or find_street(value)
            if address:
                for name, v in address.fields().items():
                    draft.set(name, v)
            else:
                draft.set("street", value.strip())
        elif label == "postcode_city":
            address = find_address(value)
            if address:
                for name, v in address.fields().items():
                    draft.set(name, v)
            elif not re.search(r"\d", value):
                draft.set("city", value.strip())
        elif label == "phone":
            draft.set("phone", value.strip())
        elif label == "email":
            emails = find_emails(value)
            if emails:
                draft.set("email", emails[0].value)
        elif label == "job_title":
            draft.set("job_title", value.strip(" ."))
        elif label == "hours_per_week" and draft.type == "hire":
            numbers = facts.numbers
            if numbers:
                draft.set("hours_per_week", numbers[0].value)
        elif label == "salary" and draft.type == "hire":
            from parsers.extract import salary

            amount, period = salary(facts if facts.amounts else Facts.of("€ " + value))
            draft.set("salary_amount", amount)
            draft.set("salary_period", period)

    # -- sentences -----------------------------------------------------------------------

    def _read_sentence(self, unit: Unit, text: str, offset: int) -> None:
        stripped = text.strip()
        if not stripped or GREETING_RE.match(stripped):
            return
        if stripped.endswith("?") and not REQUEST_RE.search(stripped):
            return
        if HYPOTHETICAL_RE.search(stripped):
            return
        line = unit.line_at(offset)
        mentions = self._people(text, unit)
        cues = find_cues(text)
        cues = sorted(cues + _wage_cues(text, cues), key=lambda c: c.start)
        named = [m for m in mentions if m.pronoun is None]
        if not named:
            self._read_without_names(unit, text, line, mentions, cues)
            return
        groups = _groups(text, named)
        for i, group in enumerate(groups):
            start = 0 if i == 0 else group[0].start
            end = groups[i + 1][0].start if i + 1 < len(groups) else len(text)
            clause_cues = [c for c in cues if start <= c.start < end]
            self._read_clause(unit, text, start, end, group, clause_cues, line)

    def _read_without_names(self, unit: Unit, text: str, line: int, mentions: list[PersonMention],
                            cues: list[Cue]) -> None:
        pronouns = [m for m in mentions if m.pronoun]
        subject = self.state.subject
        if pronouns and any(m.pronoun == "first" for m in pronouns) and unit.forwarded_from:
            author = self._forward_author(unit.forwarded_from)
            if author is not None:
                subject = self.state.subject = Subject(match=author)
        if not pronouns and any(c.type == "hire" for c in cues):
            # "Per 1 juli komt er een nieuwe monteur in dienst": the name follows later.
            self._emit(unit, text, 0, len(text), Subject(), cues, line)
            return
        if not pronouns:
            # "per vandaag" under "Ziekmelding Joost": a lone date completes the last draft.
            target = self.state.pending_date_target
            if target is not None and not cues and find_dates(text):
                self._complete_date(target, text, line)
            return
        if subject is None or not cues:
            return
        self._emit(unit, text, 0, len(text), subject, cues, line)

    def _read_clause(self, unit: Unit, text: str, start: int, end: int, group: list[PersonMention],
                     cues: list[Cue], line: int) -> None:
        if not cues and self.state.block_cue is not None and re.search(r"\d", text[start:end]):
            cues = [Cue(self.state.block_cue.type, start, start, self.state.block_cue.kind)]
        for mention in group:
            subject = self._subject_for(mention, cues)
            if subject is None:
                continue
            self.state.subject = subject
            if cues:
                self._emit(unit, text, start, end, subject, cues, line)

    def _subject_for(self, mention: PersonMention, cues: list[Cue]) -> Subject | None:
        if mention.match is not None:
            return Subject(match=mention.match)
        hire = self.state.subject.hire if self.state.subject else None
        if hire is not None and hire.name and fold(hire.name) == fold(mention.text):
            return self.state.subject
        return Subject(name=mention.text)

    # -- drafts --------------------------------------------------------------------------

    def _emit(self, unit: Unit, text: str, start: int, end: int, subject: Subject, cues: list[Cue],
              line: int) -> None:
        clause = text[start:end]
        facts = Facts.of(clause)
        reference = self.ctx.reference
        types = {c.type for c in cues}
        is_new_person = subject.match is None
        if subject.hire is not None or (is_new_person and "hire" in types):
            self._emit_hire(unit, text, clause, facts, subject, line)
            return
        types.discard("hire")
        if "recovery" in types:
            types.discard("sick")
        hours_cues = [c for c in cues if c.type == "hours"]
        if any(c.kind != "worked" for c in hours_cues):
            hours_cues = [c for c in hours_cues if c.kind != "worked"]
        money = next((t for t in MONEY_TYPES if t in types), None)
        for mutation_type in list(types):
            if mutation_type in MONEY_TYPES and mutation_type != money:
                continue
            if mutation_type == "hours":
                for cue in hours_cues[:1]:
                    fields = fields_for_hours(facts, cue.kind or "worked", cue.start - start, cue.end - start,
                                              reference)
                    if fields.get("hours") is None:
                        continue
                    self._new(unit, "hours", subject, fields, line, text)
                continue
            fields = self._fields(mutation_type, facts, cues, start)
            if fields is None:
                continue
            self._new(unit, mutation_type, subject, fields, line, text)

    def _fields(self, mutation_type: str, facts: Facts, cues: list[Cue], start: int) -> dict | None:
        reference = self.ctx.reference
        if mutation_type == "sick":
            return fields_for_sick(facts, reference)
        if mutation_type == "recovery":
            return fields_for_recovery(facts, reference)
        if mutation_type == "termination":
            return fields_for_termination(facts, reference)
        if mutation_type == "hours_change":
            fields = fields_for_hours_change(facts, reference)
            return fields if fields.get("hours_per_week") is not None else None
        if mutation_type == "salary_change":
            fields = fields_for_salary_change(facts, reference)
            return fields if fields.get("salary_amount") is not None else None
        if mutation_type in ("one_off_payment", "expense"):
            cue = next(c for c in cues if c.type == mutation_type)
            fields = fields_for_payment(facts, reference, cue.start - start)
            return fields if fields.get("amount") is not None else None
        if mutation_type == "personal_data_change":
            fields = fields_for_personal_data(facts, reference)
            return fields or None
        return None

    def _new(self, unit: Unit, mutation_type: str, subject: Subject, fields: dict, line: int,
             text: str) -> Draft:
        draft = Draft.for_match(mutation_type, subject.match, subject.name, part=self.ctx.part)
        for name, value in fields.items():
            draft.set(name, value)
        if unit.forwarded_from:
            draft.certainty = 0.85
        added = self._add(draft, unit, line, text)
        missing_date = {"sick": "start_date", "recovery": "date", "termination": "end_date"}.get(mutation_type)
        self.state.pending_date_target = added if missing_date and missing_date not in added.fields else None
        return added

    def _emit_hire(self, unit: Unit, text: str, clause: str, facts: Facts, subject: Subject, line: int) -> None:
        fields = fields_for_hire(facts, self.ctx.reference)
        hire = subject.hire
        if hire is None:
            name = subject.name
            if name is None:
                name = _new_person_name(clause, self.ctx.index)
            hire = Draft("hire", part=self.ctx.part, name=name)
            hire = self._add(hire, unit, line, text)
            self.state.subject = Subject(name=name, hire=hire)
        else:
            hire.add_source(line, text)
        for name, value in fields.items():
            hire.set(name, value)
        if "job_title" not in hire.fields and hire.name and hire.name in clause:
            # "Milan Kramer, leerling monteur, 32 uur per week": the title stands beside the name.
            after = clause[clause.index(hire.name) + len(hire.name):]
            m = re.match(r"\s*[,(]\s*(?P<title>[^\W\d][^,()\d.;:]{2,40}?)\s*[,).;]", after)
            if m and not find_cues(m.group("title")):
                hire.set("job_title", m.group("title").strip())

    def _add(self, draft: Draft, unit: Unit, line: int, text: str) -> Draft:
        draft.add_source(line, text)
        added = self.state.drafts.add(draft)
        self.state.paragraph_drafts.setdefault(unit.paragraph, []).append(added)
        return added

    def _complete_date(self, target: Draft, text: str, line: int) -> None:
        facts = Facts.of(text)
        fields = self._fields(target.type, facts, [], 0) or {}
        for name in ("start_date", "date", "end_date"):
            if fields.get(name):
                target.set(name, fields[name])
                target.add_source(line, text)
        self.state.pending_date_target = None

    # -- people --------------------------------------------------------------------------

    def _people(self, text: str, unit: Unit) -> list[PersonMention]:
        taken = _value_spans(text)
        mentions = [m for m in self.ctx.index.find(text, lenient_case=self.ctx.lenient_case)
                    if m.pronoun or not any(a <= m.start < b for a, b in taken)]
        named_spans = [(m.start, m.end) for m in mentions if m.pronoun is None]
        for m in _unknown_names(text, taken + named_spans):
            mentions.append(m)
        mentions.sort(key=lambda m: m.start)
        return mentions

    def _forward_author(self, forwarded_from: str) -> Match | None:
        emails = find_emails(forwarded_from)
        if emails:
            employee = self.ctx.index.by_email(emails[0].value)
            if employee is not None:
                return Match((employee,), 1.0, "email")
        name = re.sub(r"<[^>]*>|\"", "", forwarded_from).strip()
        match = self.ctx.index.resolve_name(name) if name else None
        return match if match is not None and match.employee is not None else None


def _wage_cues(text: str, cues: list[Cue]) -> list[Cue]:
    """"€ 14,25 per uur", "3350 euro bruto pm": an amount stated as a wage is a salary cue."""
    if any(c.type in MONEY_TYPES for c in cues):
        return []
    return [Cue("salary_change", a.start, a.end) for a in find_amounts(text)
            if salary_period_near(text, a.end) or re.match(r"\s*(?:bruto|gross)\b", text[a.end:], re.I)][:1]


def _groups(text: str, named: list[PersonMention]) -> list[list[PersonMention]]:
    """Named persons joined by "en", "and", "," share one clause; others start their own."""
    groups: list[list[PersonMention]] = []
    for mention in named:
        if groups:
            previous = groups[-1][-1]
            between = text[previous.end:mention.start]
            same_person = (previous.match and mention.match and previous.employee is not None
                           and previous.employee == mention.employee)
            if same_person or not between.strip() or between.strip() in ("(", ")", "()") or \
                    (CONJUNCTION_RE.match(between) and len(between) < 15):
                if not same_person:
                    groups[-1].append(mention)
                continue
        groups.append([mention])
    return groups


def _value_spans(text: str) -> list[tuple[int, int]]:
    """Spans that hold values (addresses, job titles, new last names): no names there."""
    spans = [(f.start, f.end) for f in find_emails(text)]
    address = find_address(text)
    if address:
        spans.append((address.start, address.end))
    title = find_job_title(text) if any(c.type == "hire" for c in find_cues(text)) else None
    if title:
        spans.append((title.start, title.end))
    for m in re.finditer(r"(?:achternaam|last\s+name|surname)\s+(?:\w+\s+){0,3}?(?:naar|to|wordt|:)\s+"
                         r"(?P<value>(?:[a-z]+\s+)*[A-Z][\w'’\-]+)", text):
        spans.append(m.span("value"))
    return spans


def _unknown_names(text: str, taken: list[tuple[int, int]]) -> list[PersonMention]:
    """Names not on the roster: two or more capitalised words, or one in subject position."""
    found = []
    for m in UNKNOWN_NAME_RE.finditer(text):
        words = m.group().split()
        while words and fold(words[0]) in NOT_NAMES:
            words.pop(0)
        while words and fold(words[-1]) in NOT_NAMES:
            words.pop()
        if len(words) < 2 or any(fold(w) in NOT_NAMES for w in (words[0], words[-1])):
            continue
        name = " ".join(words)
        start = m.start() + m.group().index(words[0])
        end = start + len(name)
        if any(a < end and start < b for a, b in taken):
            continue
        if re.search(r"\b(?:als|as|as\s+an?|bij|at|for|voor)\s+$", text[:start][-8:], re.IGNORECASE):
            continue
        found.append(PersonMention(start, end, name))
    first = re.match(r"\s*([A-Z][a-zà-ÿ'’\-]{2,})(?=\s)", text)
    if first and fold(first.group(1)) not in NOT_NAMES and SUBJECT_VERB_RE.match(text[first.end(1):]) \
            and not any(a <= first.start(1) < b for a, b in taken) \
            and not any(f.start <= first.start(1) < f.end for f in found):
        found.append(PersonMention(first.start(1), first.end(1), first.group(1)))
    return found


def _new_person_name(text: str, index: RosterIndex) -> str | None:
    names = _unknown_names(text, _value_spans(text))
    return names[0].text if names else None


def hire_issue(draft: Draft) -> Issue | None:
    if draft.name:
        return None
    return Issue(severity="error", message="naam van de nieuwe medewerker ontbreekt")
