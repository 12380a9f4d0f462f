"""Free text to drafts: who is meant, what changes, with which values.

A sentence is cut into clauses, one per person or group of persons ("Mark en Lisa zijn
allebei ziek"); each clause's cue words give the mutation types and `parsers.extract`
reads their fields. "Hij", "She", "Haar salaris" refer back to the person last named;
"ik" inside a forwarded mail is the forward's author. A heading ("Overuren april:",
"Per 1 juli gaan de volgende lonen omhoog:") lends its kind, month and date to the lines
below it. "Label: value" lines fill in the person being described, which is how new
hires are usually sent.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from parsers.cleanup import BodyLine
from parsers.cues import Cue, find_cues
from parsers.dates import MONTHS, DateMention, find_months
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
    payroll_period,
)
from parsers.mentions import groups, new_person_name, people_in
from parsers.models import Issue
from parsers.numbers import NUMBER, find_amounts
from parsers.pairs import fill_pair, known_label, pair_field
from parsers.people import Match, PersonMention, RosterIndex
from parsers.sentences import Unit, sentences, units
from parsers.values import find_address, find_emails, find_ibans, salary_period_near

GREETING_RE = re.compile(r"^(?:hoi|hi|hey|hallo|hello|beste|dear|geachte|goedemorgen|goedemiddag|goedenavond|"
                         r"morgen|middag|good\s+(?:morning|afternoon))\b[^.!?]{0,60}[,!:]?\s*$", re.IGNORECASE)
# A question asks for information unless it asks to do something.
REQUEST_RE = re.compile(r"\b(?:toevoegen|verwerken|uitbetalen|uitbetaald|meenemen|aanpassen|doorvoeren|wijzigen|"
                        r"boeken|opnemen|invoeren|storten|overmaken|vergoeden|add|process|pay|include|update|change|"
                        r"register|reimburse|transfer|deposit)\b", re.IGNORECASE)
ASKS_INFORMATION_RE = re.compile(r"\b(?:checken|controleren|nakijken|klopt|kloppen|check|verify|wanneer|when|"
                                 r"hoeveel|how\s+much|how\s+many|wat\s+(?:zou|kost)|what|whether|of\s+(?:het|hij|"
                                 r"zij|ze|de))\b", re.IGNORECASE)
HYPOTHETICAL_RE = re.compile(
    r"\b(?:(?:asked|asks|vroeg|vraagt|wonder(?:s|ing)?)\s+(?:me\s+|ons\s+|us\s+|mij\s+)?(?:why|waarom|whether|how|hoe|"
    r"if)|(?:zitten|zit|denken|denk)\s+(?:er\s*)?(?:over\s+)?(?:na\s+)?(?:te\s+)?(?:denken|na\s+te\s+denken)|"
    r"(?:denken|denk|dachten)\s+erover|erover\s+(?:na\s+)?(?:te\s+)?denken|erover\s+na|overweg\w*|overweeg|"
    r"(?:we|wij|ze|zij|hij)\s+(?:gaan\s+)?(?:misschien|eventueel|wellicht)|(?:misschien|eventueel|wellicht)\s+"
    r"(?:gaan|gaat|krijgt|krijgen|willen|wil|komt|komen|verhogen|geven)|als\s+het\s+doorgaat|"
    r"nog\s+niet\s+(?:zeker|besloten)|considering|thinking\s+(?:about|of)|(?:we|they|i)\s+(?:might|may|could)\s+"
    r"(?:give|get|raise|change|increase|hire|promote|offer|move|go|consider)|(?:maybe|perhaps)\s+we\b|"
    r"not\s+(?:yet\s+)?decided|if\s+(?:we|it)\s+goes|if\s+we\s+(?:promote|hire|give|raise|move|change))\b",
    re.IGNORECASE,
)
DONT_PROCESS_RE = re.compile(r"\b(?:(?:nog\s+)?niet\s+verwerken|(?:nog\s+)?(?:niets|niks)\s+(?:verwerken|doorvoeren)|"
                             r"(?:do\s+not|don't|don’t)\s+process|niks\s+besloten|niets\s+besloten|"
                             r"nog\s+niet\s+doorvoeren|not\s+(?:to\s+)?(?:be\s+)?processed\s+yet)\b", re.IGNORECASE)
# "Zij was al ziek gemeld", "dat heb je al": news the bureau already has.
ALREADY_KNOWN_RE = re.compile(r"\b(?:al|reeds|already)\s+(?:\w+\s+){0,2}(?:gemeld|doorgegeven|verwerkt|reported|"
                              r"processed|sent)\b|\b(?:heb|hebben|had)\s+(?:je|jij|jullie|u)\s+(?:al|reeds)\b|"
                              r"\byou\s+(?:already\s+have|have\s+already)\b|\bal\s+sinds\b|\balready\s+(?:since|left)\b|"
                              r"\bin\s+aansluiting\s+op\b|\bnaar\s+aanleiding\s+van\s+(?:mijn|ons|uw)\b|"
                              r"\bfurther\s+to\s+my\b|\bfollowing\s+up\s+on\s+my\b",
                              re.IGNORECASE)
HIRE_VALUES_RE = re.compile(r"\b(?:bsn|burgerservicenummer|geboren|born|date\s+of\s+birth|iban|arbeidsovereenkomst|"
                            r"contract|dienstverband|woonachtig|woont|lives|salaris|salary|uurloon|"
                            r"[A-Z]{2}\d{2}\s?[A-Z]{4})|\b[1-9]\d{3}\s?[A-Z]{2}\b", re.IGNORECASE)
# "19,75 p/u": a number without a currency sign, but stated per hour or month.
BARE_WAGE_RE = re.compile(rf"(?<![\d.,€])(?:{NUMBER})k?\s*(?:euro\s*)?(?:bruto\s*|gross\s*)?"
                          r"(?:p/u|p\.u\.|per\s+uur|/uur|/u\b|per\s+hour|/hr\b|/h\b|p/m|p\.m\.|per\s+maand|"
                          r"per\s+month|/month|/mo\b|a\s+month|/maand)", re.IGNORECASE)
OBJECT_RE = re.compile(r"\b(?:van|voor|met|bij|naar|aan|over|of|for|with|from|to|about|replacing|vervangt)\s+"
                       r"(?:mevrouw\s+|meneer\s+|dhr\.?\s+|mw\.?\s+)?$", re.IGNORECASE)
# "monthly gross €3,450", "bruto maandloon € 2.900": the words before say it is a wage.
WAGE_BEFORE_RE = re.compile(r"\b(?:monthly|maandelijks|annual|yearly|hourly|bruto|gross|maand\w*|uurloon|jaarloon)"
                            r"(?:\s+(?:gross|bruto|salary|salaris))?\s*(?:of\s+|van\s+)?$", re.IGNORECASE)
NEW_PERSON_LABEL_RE = re.compile(r"\b(?:new|nieuwe?|joiner|starter)\b", re.IGNORECASE)
LEADING_DAY_MONTH_RE = re.compile(r"\s*(?:(?:ma|di|wo|do|vr|za|zo|zat|zon|maa|din|woe|don|vrij|mon|tue|wed|thu|fri|"
                                  r"sat|sun)\.?\s+)?(\d{1,2})[-/](\d{1,2})\b", re.IGNORECASE)
SAME_DATE_RE = re.compile(r"\b(?:(?:de|die|dezelfde|diezelfde)\s+(?:zelfde\s+)?datum|same\s+date|that\s+date|"
                          r"per\s+dezelfde)\b", re.IGNORECASE)
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
PAY_MONTH_AFTER_RE = re.compile(rf"\s*(?:van|of|over|voor|for)?\s*(?:de\s+maand\s+)?(?:{_MONTH_NAMES})\b", re.I)
PAY_MONTH_BEFORE_RE = re.compile(rf"\b(?:{_MONTH_NAMES})\s*$", re.I)
MONEY_TYPES = ("one_off_payment", "expense", "salary_change")
PAYMENT_TYPES = ("one_off_payment", "expense")
EFFECTIVE_DATE = {"salary_change": "effective_date", "hours_change": "effective_date",
                  "personal_data_change": "effective_date", "hire": "start_date", "termination": "end_date"}


@dataclass
class Subject:
    """Whom the text is talking about right now."""

    match: Match | None = None
    name: str | None = None  # an unknown name, a hire's name, or an ambiguous name as written
    hire: Draft | None = None

    @property
    def key(self) -> str:
        if self.match is not None and self.match.employee is not None:
            return self.match.employee.number
        return f"name:{self.name}"


@dataclass
class ReadContext:
    index: RosterIndex
    reference: dt.date
    part: str = "body"
    period_hint: str | None = None  # a month named for the whole mail (subject, opening line)
    lenient_case: bool = False


@dataclass
class Block:
    """What a heading says about the lines below it."""

    cue: Cue | None = None
    period: str | None = None  # "Overuren april:"
    pay_period: str | None = None  # "Met het salaris van december:"
    date: dt.date | None = None  # "Per 1 juli gaan de volgende lonen omhoog:"
    past_date: dt.date | None = None  # "Zaterdag 8 augustus" over the hours worked that day


@dataclass
class _State:
    drafts: DraftSet
    subject: Subject | None = None
    block: Block = field(default_factory=Block)
    paragraph_drafts: dict[int, list[Draft]] = field(default_factory=dict)
    pending_date_target: Draft | None = None
    last_dates: dict[tuple[int, str], dt.date] = field(default_factory=dict)  # (paragraph, person) → date
    pay_period: str | None = None  # a pay month named for the whole mail, for sheets
    last_date: dt.date | None = None  # the last date a change took effect, for "per dezelfde datum"
    heading_subject: Subject | None = None  # "1. Elif Kaya" as a heading over her sub-items


class TextReader:
    def __init__(self, ctx: ReadContext, drafts: DraftSet | None = None) -> None:
        self.ctx = ctx
        self.state = _State(drafts if drafts is not None else DraftSet())

    @property
    def pay_period(self) -> str | None:
        """A pay month the mail names apart from any person ("Graag met de salarisrun van mei")."""
        return self.state.pay_period

    # -- units ---------------------------------------------------------------------------

    def read(self, lines: Sequence[BodyLine]) -> tuple[DraftSet, list[Unit]]:
        """Read every unit; returns the drafts and the table units for the table reader."""
        tables: list[Unit] = []
        paragraph_texts: dict[int, list[str]] = {}
        previous: Unit | None = None
        for unit in units(lines, known_label):
            paragraph_texts.setdefault(unit.paragraph, []).append(unit.text)
            if previous is not None and unit.paragraph != previous.paragraph and previous.kind != "heading" \
                    and unit.kind in ("prose", "heading"):
                # A blank line followed by prose ends what a heading said; a list may go on.
                self.state.block = Block()
            previous = unit
            if unit.chat_day is not None:
                self._read_chat_line(unit)
                continue
            if unit.kind == "table":
                tables.append(unit)
            elif unit.kind == "pair":
                self._read_pair(unit)
            else:
                if unit.kind == "heading":
                    self._read_heading(unit)
                for sentence in sentences(unit.text.rstrip(":") if unit.kind == "heading" else unit.text):
                    self._read_sentence(unit, sentence.text, sentence.start)
        for paragraph, texts in paragraph_texts.items():
            if DONT_PROCESS_RE.search(" ".join(texts)):
                self.state.drafts.remove(self.state.paragraph_drafts.get(paragraph, []))
        self._fold_into_hires()
        return self.state.drafts, tables

    def _read_chat_line(self, unit: Unit) -> None:
        """A pasted chat message: "vandaag" is the day it was written, "ik" is who wrote it."""
        day, month = unit.chat_day or (0, 0)
        mention = DateMention("day_month", 0, 0, "", day=day, month=month)
        written = mention.resolve(self.ctx.reference, "past")
        reference = self.ctx.reference
        if written is not None:
            self.ctx.reference = written
        try:
            for sentence in sentences(unit.text):
                self._read_sentence(unit, sentence.text, sentence.start)
        finally:
            self.ctx.reference = reference

    def _read_heading(self, unit: Unit) -> None:
        text = unit.text
        named = [m for m in people_in(text, self.ctx.index, lenient_case=self.ctx.lenient_case)
                 if m.match is not None and m.employee is not None]
        self.state.heading_subject = Subject(match=named[0].match) if len(named) == 1 else None
        last_sentence = sentences(text)[-1].text if sentences(text) else text
        facts = Facts.of(last_sentence)
        block = Block()
        cues = sentence_cues(last_sentence) or sentence_cues(text)
        block.cue = cues[0] if cues else None
        months = find_months(last_sentence, self.ctx.reference)
        block.period = months[0].period if months else None
        block.pay_period = payroll_period(facts, self.ctx.reference)
        block.date = facts.date(self.ctx.reference, "future")
        block.past_date = facts.date(self.ctx.reference, "past")
        self.state.block = block
        self.state.last_date = block.date or self.state.last_date
        if block.pay_period and not self.ctx.index.find(last_sentence):
            self.state.pay_period = self.state.pay_period or block.pay_period

    def _read_pair(self, unit: Unit) -> None:
        label, value, line = unit.label or "", unit.value or "", unit.lines[0]
        if any(m.pronoun is None for m in people_in(label, self.ctx.index, lenient_case=False)):
            # "Nieuw e-mailadres Tom Hendriks: t@x.nl" is a sentence about Tom, not a form line.
            self._read_sentence(unit, unit.text, 0)
            return
        field_name = pair_field(label)
        if field_name == "name":
            self._pair_name(value, unit)
            return
        if field_name == "number":
            employee = self.ctx.index.by_number(re.sub(r"\D", "", value) or value)
            if employee is not None:
                self.state.subject = Subject(match=Match((employee,), 1.0, "number"))
            return
        if field_name == "change":
            # "Change: Sick leave (100%)" under "Employee: …": a sentence about that person.
            self._read_about_subject(unit, value)
            return
        if field_name == "effective":
            target = self.state.pending_date_target
            if target is not None:
                self._complete_date(target, value, line)
            return
        if field_name == "note":
            return
        subject = self.state.subject
        if subject is None:
            return
        if subject.hire is not None:
            draft = subject.hire
        elif subject.match is not None and subject.match.employee is not None and \
                field_name in ("iban", "address", "postcode_city", "phone", "email"):
            draft = self._add(Draft.for_match("personal_data_change", subject.match, None, part=self.ctx.part),
                              unit, line, unit.text)
        else:
            return
        fill_pair(draft, label, value, self.ctx.reference)
        draft.add_source(line, unit.text)

    def _read_about_subject(self, unit: Unit, text: str) -> None:
        subject = self.state.subject
        cues = sentence_cues(text)
        if subject is None or not cues:
            return
        self._emit(unit, text, 0, len(text), subject, cues, unit.lines[0])

    def _pair_name(self, value: str, unit: Unit) -> None:
        """"Naam: Sem de Jong", "Employee: Ms J. Reyes, personnel no. 3203"."""
        found = [m for m in self.ctx.index.find(value, lenient_case=True) if m.match is not None]
        # "Ms M. van 't Hof, personnel no. 3209": the surest reading wins, a number above all.
        match = max(found, key=lambda m: m.match.score).match if found else self.ctx.index.resolve_name(value)
        subject = self.state.subject
        if match is not None and match.score >= 0.8:
            self.state.subject = Subject(match=match, name=value if match.ambiguous else None)
            return
        name = re.sub(r"^(?:mr|mrs|ms|miss|dhr|mevr|mw|de\s+heer|mevrouw|meneer)\.?\s+", "",
                      " ".join(value.split()).strip(" .,"), flags=re.IGNORECASE)
        # "Andriy Koval, room attendant (in service since 18 May)": the name ends where the rest begins.
        name = re.split(r"\s*[,(;|]\s*", name, maxsplit=1)[0]
        if subject is not None and subject.hire is not None and subject.hire.name in (None, name):
            subject.hire.name = name
            subject.hire.add_source(unit.lines[0], unit.text)
            subject.name = name
            return
        if self.state.block.cue is not None and self.state.block.cue.type != "hire" \
                and not NEW_PERSON_LABEL_RE.search(unit.label or ""):
            # A name under "Ziekmeldingen:" that is not on the roster: someone to ask about, no hire.
            self.state.subject = Subject(name=name)
            return
        hire = self._add(Draft("hire", part=self.ctx.part, name=name, certainty=0.6), unit,
                         unit.lines[0], unit.text)
        self.state.subject = Subject(name=name, hire=hire)

    # -- sentences -----------------------------------------------------------------------

    def _read_sentence(self, unit: Unit, text: str, offset: int) -> None:
        stripped = text.strip()
        if not stripped or GREETING_RE.match(stripped):
            return
        mentions = people_in(text, self.ctx.index, lenient_case=self.ctx.lenient_case)
        if ALREADY_KNOWN_RE.search(stripped) or HYPOTHETICAL_RE.search(stripped) or \
                (stripped.endswith("?") and not self._is_request(stripped)):
            # Nothing to enter, but "Sofia asked if she could work more" still says who "she" is next.
            known = [m for m in mentions if m.match is not None and m.employee is not None]
            if known:
                self.state.subject = Subject(match=known[-1].match)
            return
        line = unit.line_at(offset)
        cues = sentence_cues(text)
        named = [m for m in mentions if m.pronoun is None]
        # "Jesse, de neef van Hidde, heeft 34 uur gewerkt": Hidde is not who it is about.
        named = [m for i, m in enumerate(named) if i == 0 or not OBJECT_RE.search(text[:m.start])]
        self._backfill_pay_period(unit, text, named)
        if not named:
            self._read_without_names(unit, text, line, mentions, cues)
            return
        inherited: list[Cue] = []
        clauses = groups(text, named)
        for i, group in enumerate(clauses):
            start = 0 if i == 0 else group[0].start
            end = clauses[i + 1][0].start if i + 1 < len(clauses) else len(text)
            clause_cues = [c for c in cues if start <= c.start < end]
            if not clause_cues and re.search(r"\d", text[start:end]):
                # "Roos 14,5 u / Dewi 9 u": a person without a cue word shares the one before.
                clause_cues = [Cue(c.type, start, start, c.kind) for c in inherited] or self._block_cues(start)
            elif not clause_cues:
                wanted = ("sick", "recovery", "termination") + (("hire",) if group[0].match is None else ())
                clause_cues = [c for c in self._block_cues(start) if c.type in wanted]
            inherited = clause_cues or inherited
            self._read_clause(unit, text, start, end, group, clause_cues, line)

    def _is_request(self, text: str) -> bool:
        """"Could you add …?" is a request; "Klopt het dat …?" asks for information."""
        if self._states_personal_values(text):
            return True
        return bool(REQUEST_RE.search(text)) and not ASKS_INFORMATION_RE.search(text)

    def _block_cues(self, start: int) -> list[Cue]:
        cue = self.state.block.cue
        return [Cue(cue.type, start, start, cue.kind)] if cue else []

    def _read_without_names(self, unit: Unit, text: str, line: int, mentions: list[PersonMention],
                            cues: list[Cue]) -> None:
        pronouns = [m for m in mentions if m.pronoun]
        subject = self.state.subject
        if any(m.pronoun == "first" for m in pronouns) and unit.forwarded_from:
            author = self._forward_author(unit.forwarded_from)
            if author is not None:
                subject = self.state.subject = Subject(match=author)
        if not pronouns and any(c.type == "hire" for c in cues):
            # "Per 1 juli komt er een nieuwe monteur in dienst": the name follows later.
            self._emit(unit, text, 0, len(text), Subject(), cues, line)
            return
        if not pronouns and subject is not None and subject.hire is not None and \
                (HIRE_VALUES_RE.search(text) or unit.kind == "bullet"):
            # "Personalia: geboren op 3 mei 1994, BSN …" about the new person just introduced.
            self._emit(unit, text, 0, len(text), subject, cues, line)
            return
        if not pronouns and cues and unit.kind == "bullet" and self.state.heading_subject is not None:
            # "1. Elif Kaya" over "a. werkt vanaf 1 april 28 uur per week": the heading says who.
            self._emit(unit, text, 0, len(text), self.state.heading_subject, cues, line)
            return
        if not pronouns:
            if subject is not None and not cues and self._states_personal_values(text):
                # An address or IBAN on its own line under "Nieuw adres van Sam per 1 april:".
                block_cue = self.state.block.cue
                if block_cue is not None and block_cue.type == "personal_data_change":
                    self._emit(unit, text, 0, len(text), subject, [block_cue], line)
                    return
            target = self.state.pending_date_target
            if target is not None and not cues and Facts.of(text).dates:
                # "per vandaag" under "Ziekmelding Joost": a lone date completes the last draft.
                self._complete_date(target, text, line)
            return
        if subject is None or not (cues or subject.hire is not None):
            return
        # About a new person ("Hij krijgt een contract tot en met 30 september"), every value counts.
        self._emit(unit, text, 0, len(text), subject, cues, line)

    @staticmethod
    def _states_personal_values(text: str) -> bool:
        address = find_address(text)
        return bool(find_ibans(text)) or (address is not None and address.postal_code is not None)

    def _read_clause(self, unit: Unit, text: str, start: int, end: int, group: list[PersonMention],
                     cues: list[Cue], line: int) -> None:
        for mention in group:
            subject = self._subject_for(mention)
            self.state.subject = subject
            if cues:
                self._emit(unit, text, start, end, subject, cues, line)

    def _subject_for(self, mention: PersonMention) -> Subject:
        current = self.state.subject
        if mention.match is not None and mention.match.ambiguous and current is not None and \
                current.match is not None and current.match.employee in mention.match.employees:
            # "De heer R. Claessens" … "De heer Claessens heeft": the one just named.
            return Subject(match=current.match)
        if mention.match is not None:
            return Subject(match=mention.match, name=mention.text if mention.match.ambiguous else None)
        current = self.state.subject
        hire_name = current.hire.name if current is not None and current.hire is not None else None
        if hire_name and (hire_name == mention.text or hire_name.endswith(" " + mention.text)):
            # "Mevrouw El Idrissi is geboren op …" about the Nadia El Idrissi just hired.
            return current
        if current is not None and current.hire is not None and current.hire.name in (None, mention.text):
            # "Nieuwe collega: … Naam onbekend" then the name: the hire we already have.
            return current
        return Subject(name=mention.text)

    # -- drafts --------------------------------------------------------------------------

    def _emit(self, unit: Unit, text: str, start: int, end: int, subject: Subject, cues: list[Cue],
              line: int) -> None:
        clause = text[start:end]
        facts = Facts.of(clause)
        types = {c.type for c in cues}
        is_new_person = subject.match is None
        if subject.hire is not None or (is_new_person and "hire" in types):
            self._emit_hire(unit, text, clause, facts, subject, line)
            payments = types & set(PAYMENT_TYPES)
            if subject.hire is not None and payments and subject.hire.name:
                # "a sign-on bonus of EUR 5,000 with the June salary" for someone not yet employed.
                name = subject.hire.name
                self._emit(unit, text, start, end, Subject(name=name),
                           [c for c in cues if c.type in payments], line)
            return
        types.discard("hire")
        if find_ibans(clause) and subject.match is not None:
            # "Haar salaris mag op NL53 INGB … worden overgemaakt": an account number speaks for itself.
            types.add("personal_data_change")
            types.discard("salary_change")
        if "recovery" in types:
            types.discard("sick")
        hours_cues = [c for c in cues if c.type == "hours"]
        if any(c.kind != "worked" for c in hours_cues):
            hours_cues = [c for c in hours_cues if c.kind != "worked"]
        money = next((t for t in MONEY_TYPES if t in types), None)
        for mutation_type in sorted(types):
            if mutation_type in MONEY_TYPES and mutation_type != money:
                continue
            if mutation_type == "hours":
                cue = hours_cues[0]
                fields = fields_for_hours(facts, cue.kind or "worked", cue.start - start, cue.end - start,
                                          self.ctx.reference)
                if fields.get("hours") is not None:
                    day = self.state.block.past_date or self._leading_date(unit)
                    if "date" not in fields and day and "period" not in fields:
                        # Under "Zaterdag 8 augustus", or on a line that starts "Tue 10 Mar (night) -".
                        fields["date"] = day
                        fields["period"] = day.strftime("%Y-%m")
                    # "ORT januari: Roos 14,5 u / Dewi 9 u": the month may stand before the first name.
                    months = find_months(text[:start], self.ctx.reference) if "period" not in fields else []
                    if months:
                        fields["period"] = months[-1].period
                    elif "period" not in fields and self.state.block.period:
                        fields["period"] = self.state.block.period
                    self._new(unit, "hours", subject, fields, line, text)
                continue
            employee = subject.match.employee if subject.match else None
            fields = self._fields(mutation_type, facts, cues, start, employee.first_name if employee else None)
            if fields is None:
                continue
            name = EFFECTIVE_DATE.get(mutation_type)
            if name and not fields.get(name) and start > 0 and mutation_type != "termination":
                # "as per 1 October Mei's salary goes to …, and Ethan's to …": the date before the clause.
                fields[name] = Facts.of(text[:start]).date(self.ctx.reference, "future")
            self._new(unit, mutation_type, subject, fields, line, text)

    def _leading_date(self, unit: Unit) -> dt.date | None:
        mentions = Facts.of(unit.text[:40]).dates
        if mentions and mentions[0].start <= 4:
            return mentions[0].resolve(self.ctx.reference, "past")
        short = LEADING_DAY_MONTH_RE.match(unit.text)
        if short:
            # "zat 14-3 Ama …", "vr 13-3 Yaw …": a rota line starts with its day.
            mention = DateMention("day_month", 0, 0, "", day=int(short.group(1)), month=int(short.group(2)))
            return mention.resolve(self.ctx.reference, "past") if int(short.group(2)) <= 12 else None
        return None

    def _fields(self, mutation_type: str, facts: Facts, cues: list[Cue], start: int,
                first_name: str | None = None) -> dict | None:
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
        if mutation_type in PAYMENT_TYPES:
            cue = next(c for c in cues if c.type == mutation_type)
            fields = fields_for_payment(facts, reference, cue.start - start)
            if fields.get("amount") is None:
                return None
            if not fields.get("period"):
                fields["period"] = self.state.block.pay_period
            return fields
        if mutation_type == "personal_data_change":
            return fields_for_personal_data(facts, reference, first_name) or None
        return None

    def _new(self, unit: Unit, mutation_type: str, subject: Subject, fields: dict, line: int, text: str) -> Draft:
        draft = Draft.for_match(mutation_type, subject.match, subject.name, part=self.ctx.part)
        for name, value in fields.items():
            draft.set(name, value)
        self._date_from_context(draft, unit.paragraph, subject, text)
        if unit.forwarded_from:
            draft.certainty = 0.85
        added = self._add(draft, unit, line, text)
        missing_date = {"sick": "start_date", "recovery": "date", "termination": "end_date",
                        "personal_data_change": "effective_date", "salary_change": "effective_date",
                        "hours_change": "effective_date"}.get(mutation_type)
        self.state.pending_date_target = added if missing_date and missing_date not in added.fields else None
        return added

    def _date_from_context(self, draft: Draft, paragraph: int, subject: Subject, text: str) -> None:
        """A change stated without a date takes the one just given for the same person, or the heading's."""
        name = EFFECTIVE_DATE.get(draft.type)
        if name is None:
            return
        key = (paragraph, subject.key)
        if name in draft.fields:
            self.state.last_dates[key] = self.state.last_date = draft.fields[name]
            return
        date = self.state.last_dates.get(key) or self.state.block.date
        if date is None and SAME_DATE_RE.search(text):
            date = self.state.last_date
        if date is not None and draft.type not in ("termination",):
            draft.set(name, date)

    def _emit_hire(self, unit: Unit, text: str, clause: str, facts: Facts, subject: Subject, line: int) -> None:
        fields = fields_for_hire(facts, self.ctx.reference)
        if any(c.type in PAYMENT_TYPES for c in find_cues(clause)):
            # The amount of a bonus is no salary.
            fields.pop("salary_amount", None)
            fields.pop("salary_period", None)
        hire = subject.hire
        if hire is None:
            name = subject.name or new_person_name(clause)
            hire = self._add(Draft("hire", part=self.ctx.part, name=name), unit, line, text)
            self.state.subject = Subject(name=name, hire=hire)
        else:
            if hire.name is None:
                hire.name = subject.name or new_person_name(clause)
            hire.add_source(line, text)
        if "start_date" not in fields and self.state.block.date:
            fields["start_date"] = self.state.block.date
        for name, value in fields.items():
            hire.set(name, value)
        if "job_title" not in hire.fields and hire.name and hire.name in clause:
            # "Milan Kramer, leerling monteur, 32 uur" or "Yara Okafor – junior designer –".
            after = clause[clause.index(hire.name) + len(hire.name):]
            m = re.match(r"\s*[,(–—-]\s*(?P<title>[^\W\d][^,()\d.;:–—]{2,40}?)\s*[,).;–—-]", after)
            if m and not find_cues(m.group("title")):
                hire.set("job_title", m.group("title").strip())

    def _add(self, draft: Draft, unit: Unit, line: int, text: str) -> Draft:
        draft.add_source(line, text)
        added = self.state.drafts.add(draft)
        self.state.paragraph_drafts.setdefault(unit.paragraph, []).append(added)
        return added

    def _complete_date(self, target: Draft, text: str, line: int) -> None:
        """"De naamswijziging gaat in per 1 oktober": the date the draft above was missing."""
        facts = Facts.of(text)
        if target.type == "termination":
            date = fields_for_termination(facts, self.ctx.reference).get("end_date")
        else:
            date = facts.date(self.ctx.reference, "past" if target.type in ("sick", "recovery") else "future")
        name = {"sick": "start_date", "recovery": "date", "termination": "end_date"}.get(target.type, "effective_date")
        if date is not None:
            target.set(name, date)
            target.add_source(line, text)
        self.state.pending_date_target = None

    def _backfill_pay_period(self, unit: Unit, text: str, named: list[PersonMention]) -> None:
        """"Graag met het salaris van mei." after a claim: the claims above get that month."""
        period = payroll_period(Facts.of(text), self.ctx.reference)
        if period is None:
            return
        named_people = {m.employee.number for m in named if m.employee is not None}
        for draft in self.state.drafts:
            in_paragraph = any(draft is d for d in self.state.paragraph_drafts.get(unit.paragraph, []))
            named_here = draft.employee is not None and draft.employee.number in named_people
            if draft.type in PAYMENT_TYPES and not draft.fields.get("period") and (in_paragraph or named_here):
                draft.set("period", period)
        if not named:
            self.state.pay_period = self.state.pay_period or period

    def _fold_into_hires(self) -> None:
        """A salary or hours stated for a new person's name belong to that person's hire."""
        hires = {d.name: d for d in self.state.drafts if d.type == "hire" and d.name}
        folded = []
        for draft in self.state.drafts:
            hire = hires.get(draft.name) if draft.employee is None and not draft.candidates else None
            if hire is None or draft is hire or draft.type not in ("salary_change", "hours_change",
                                                                   "personal_data_change"):
                continue
            for name, value in draft.fields.items():
                hire.set("start_date" if name == "effective_date" else name, value)
            hire.lines.extend(n for n in draft.lines if n not in hire.lines)
            hire.texts.extend(t for t in draft.texts if t not in hire.texts)
            folded.append(draft)
        self.state.drafts.remove(folded)

    # -- people --------------------------------------------------------------------------

    def _forward_author(self, forwarded_from: str) -> Match | None:
        emails = find_emails(forwarded_from)
        if emails:
            employee = self.ctx.index.by_email(emails[0].value)
            if employee is not None:
                return Match((employee,), 1.0, "email")
        name = re.sub(r"<[^>]*>|\"", "", forwarded_from).strip()
        match = self.ctx.index.resolve_name(name) if name else None
        return match if match is not None and match.employee is not None else None


def sentence_cues(text: str) -> list[Cue]:
    """Cue words, wage amounts as salary cues, but not "salaris" in "met het salaris van juni"."""
    cues = [c for c in find_cues(text) if not (c.type == "salary_change" and _names_pay_month(text, c))]
    return sorted(cues + _wage_cues(text, cues), key=lambda c: c.start)


def _names_pay_month(text: str, cue: Cue) -> bool:
    after = text[cue.end:cue.end + 30]
    before = text[max(0, cue.start - 15):cue.start]
    return bool(PAY_MONTH_AFTER_RE.match(after) or PAY_MONTH_BEFORE_RE.search(before))


def _wage_cues(text: str, cues: list[Cue]) -> list[Cue]:
    """"€ 14,25 per uur", "3350 euro bruto pm", "19,75 p/u": an amount stated as a wage is a salary cue."""
    found = [Cue("salary_change", m.start(), m.end()) for m in BARE_WAGE_RE.finditer(text)
             if not any(c.start <= m.start() < c.end for c in cues)]
    for amount in find_amounts(text):
        # A payment named just before keeps its own kind ("bonus van € 500 bruto").
        near_payment = any(c.type in PAYMENT_TYPES and amount.start - 60 <= c.start < amount.start for c in cues)
        if near_payment or any(c.start <= amount.start < c.end for c in cues):
            continue
        if salary_period_near(text, amount.end) or re.match(r"\s*(?:bruto|gross)\b", text[amount.end:], re.I) \
                or WAGE_BEFORE_RE.search(text[max(0, amount.start - 30):amount.start]):
            found.append(Cue("salary_change", amount.start, amount.end))
    return found


def hire_issue(draft: Draft) -> Issue | None:
    if draft.name:
        return None
    return Issue(severity="error", message="naam van de nieuwe medewerker ontbreekt")
