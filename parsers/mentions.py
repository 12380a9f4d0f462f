"""People in a sentence: roster employees, pronouns, names not on the roster, and groups.

`people_in` finds everyone a sentence names, leaving out words that are values (a new
street, a new last name, a job title). `groups` joins "Mark en Lisa" into one group, so
the clause that follows applies to both.
"""

from __future__ import annotations

import re

from parsers.cues import find_cues
from parsers.people import NOT_NAMES, PRONOUNS, PersonMention, RosterIndex, fold
from parsers.values import ADDRESS_RE, find_address, find_emails, find_job_title

CONJUNCTION_RE = re.compile(r"^(?:\s*(?:,|&|\+|/|en|and|of|or|plus|als\s+ook|allebei|beiden|both)\s*)+$",
                            re.IGNORECASE)
# Two or more capitalised words, particles allowed between: a name not on the roster.
_NAME_WORD = r"[A-Z][a-zà-ÿ'’]+(?:-[A-Za-zà-ÿ][a-zà-ÿ'’]+)*"
UNKNOWN_NAME_RE = re.compile(
    rf"(?<![\w@.]){_NAME_WORD}(?:\s+(?:(?:van|de|der|den|ter|ten|te|el|al|da|di|le|la|op|in|'t|’t)\s+)*"
    rf"{_NAME_WORD}){{1,3}}"
)
LOWER_NAME_RE = re.compile(r"\s*(?P<name>[a-zà-ÿ][a-zà-ÿ'’\-]{1,}\s+(?:(?:van|de|der|den|ter|el)\s+)*[a-zà-ÿ]"
                           r"[a-zà-ÿ'’\-]{1,})\s+(?:joins|join|begint|start|starts|komt|will\s+start|gaat\s+beginnen)\b")
# "Glansrijk Schoonmaakdiensten B.V." is a company, not a person.
COMPANY_RE = re.compile(r"\s*(?:B\.?V\.?|N\.?V\.?|V\.?O\.?F\.?|Holding|GmbH|Ltd|Inc|LLC|C\.?V\.?)\b")
SUBJECT_VERB_RE = re.compile(r"^\s+(?:is|heeft|krijgt|gaat|werkt|wordt|zit|komt|had|kan|moet|has|was|did|gets|"
                             r"will|worked|called|went|starts|begint|begon|start)\b")


def value_spans(text: str) -> list[tuple[int, int]]:
    """Spans that hold values (addresses, job titles, new last names): no names there."""
    spans = [(f.start, f.end) for f in find_emails(text)]
    spans += [(m.start(), m.end()) for m in ADDRESS_RE.finditer(text)]
    address = find_address(text)
    if address:
        spans.append((address.start, address.end))
    title = find_job_title(text) if any(c.type == "hire" for c in find_cues(text)) else None
    if title:
        spans.append((title.start, title.end))
    for m in re.finditer(r"(?:achternaam|last\s+name|surname)\s+(?:[\w'’]+\s+){0,3}?(?:naar|to|wordt|become|becomes|"
                         r"is\s+now|:)\s+(?P<value>(?:[a-z]+\s+)*[A-Z][\w'’\-]+)|(?:heet\s+(?:nu|voortaan)|is\s+now\s+"
                         r"called)\s+(?P<value2>[A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-]+)?)", text):
        spans.append(m.span("value") if m.group("value") else m.span("value2"))
    return spans


def unknown_names(text: str, taken: list[tuple[int, int]], *, lenient_case: bool = False) -> list[PersonMention]:
    """Names not on the roster: two or more capitalised words, or one in subject position."""
    found = []
    if lenient_case:
        # "santiago ibarra joins us on 1 sept": a writer who types no capitals at all.
        m = LOWER_NAME_RE.match(text)
        if m and not any(fold(w) in NOT_NAMES for w in m.group("name").split()) and \
                not any(a < m.end("name") and m.start("name") < b for a, b in taken):
            found.append(PersonMention(m.start("name"), m.end("name"), m.group("name").title()))
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
        if any(a < end and start < b for a, b in taken) or COMPANY_RE.match(text[end:]):
            continue
        if re.search(r"(?:\b(?:als|as|as\s+an?|bij|at|for|voor|in|naar|to)|&)\s+$", text[:start][-8:], re.IGNORECASE):
            continue
        found.append(PersonMention(start, end, name))
    first = re.match(r"\s*([A-Z][a-zà-ÿ'’\-]{2,})(?=\s)", text)
    if first and fold(first.group(1)) not in NOT_NAMES and fold(first.group(1)) not in PRONOUNS \
            and SUBJECT_VERB_RE.match(text[first.end(1):]) \
            and not any(a <= first.start(1) < b for a, b in taken) \
            and not any(f.start <= first.start(1) < f.end for f in found):
        found.append(PersonMention(first.start(1), first.end(1), first.group(1)))
    return found


def people_in(text: str, index: RosterIndex, *, lenient_case: bool) -> list[PersonMention]:
    """Roster employees, pronouns and unknown names in a sentence, left to right."""
    taken = value_spans(text)
    mentions = [m for m in index.find(text, lenient_case=lenient_case)
                if m.pronoun or not any(a <= m.start < b for a, b in taken)]
    named_spans = [(m.start, m.end) for m in mentions if m.pronoun is None]
    mentions.extend(unknown_names(text, taken + named_spans, lenient_case=lenient_case))
    mentions.sort(key=lambda m: m.start)
    return mentions


def groups(text: str, named: list[PersonMention]) -> list[list[PersonMention]]:
    """Named persons joined by "en", "and", "," share one clause; others start their own."""
    result: list[list[PersonMention]] = []
    for mention in named:
        if result:
            previous = result[-1][-1]
            between = text[previous.end:mention.start]
            same_person = previous.employee is not None and previous.employee == mention.employee
            if same_person or not between.strip() or between.strip() in ("(", ")", "()") or \
                    (CONJUNCTION_RE.match(between) and len(between) < 15):
                if not same_person:
                    result[-1].append(mention)
                continue
        result.append([mention])
    return result


def new_person_name(text: str) -> str | None:
    names = unknown_names(text, value_spans(text))
    return names[0].text if names else None
