"""Who a mail is about: employees of the sending employer found in text and table rows.

Names are matched the ways payroll mail writes them: personnel number, full name, first
name, "S. Dekker", "mevrouw Dekker", "Van Dijk", "Bram vd Berg", "Vos, Ingrid", and
small typos (rapidfuzz). A name that fits two employees is never guessed: it comes back
with both candidates, and the caller raises an issue that names them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from parsers.roster import Employee, Employer

WORD_RE = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*\.?")
PERSONNEL_NUMBER_RE = re.compile(
    r"\b(?:pnr|p\.nr|personeelsnummer|personeelsnr|pers\.?\s?nr|medewerkernummer|(?:employee|personnel|staff)\s+"
    r"(?:no|number|nr|id)"
    r"|emp\.?\s?no|nr)\.?\s*:?\s*(?P<number>\d{2,10})\b",
    re.IGNORECASE,
)
# Dutch name particles (tussenvoegsels) and how they get abbreviated.
PARTICLES = {"van", "de", "der", "den", "het", "ter", "ten", "te", "in", "'t", "’t", "op", "la", "le",
             "da", "di", "du", "el", "al", "von", "vd", "v.d.", "v/d", "v."}
_PARTICLE_ABBREVIATIONS = {"van der": ("vd", "v.d.", "v/d"), "van den": ("vd", "v.d.", "v/d"),
                           "van de": ("vd", "v.d.", "v/d"), "van": ("v.",)}
# Words that stand capitalised at the start of a sentence or as a title, never as a name.
NOT_NAMES = {
    w.casefold() for w in """
    de het een en of maar dus want ook nog wel niet geen per vanaf sinds tot met van voor naar na bij om
    in op uit aan als dan dat die dit deze er hier hierbij daarnaast verder graag zie wil kun kunt kan
    mag moet zal zou hij zij ze hem haar zijn hun ik je jij u we wij mijn ons onze jullie wie wat waar
    wanneer hoe hoi hallo hey beste geachte dag goedemorgen goedemiddag goedenavond morgen groet groeten
    groetjes mvg gr bedankt dank alvast fijn hierbij nieuwe nieuw nieuw: naam functie adres postcode plaats
    telefoon mobiel email e-mail iban bsn uren salaris contract bonus declaratie ziek ziekmelding herstel
    hersteld mutaties mutatie mutatieformulier overuren meeruren totaal opmerking omschrijving periode maand
    week jaar datum bedrag aantal soort nr pnr medewerker werknemer personeel mevrouw meneer mevr mw dhr heer
    de heer juffrouw mr mrs ms miss sir dr ing drs mr. mrs. ms. dr. ir. ing. drs. the a an and or but so also
    yes no hi hello dear thanks thank best kind regards cheers please could can would will shall may
    might should he she his her him they them their we our us i my me you your it its this that these those
    there here what who when how why which good great less more new from to of on at by for with as
    since until after before about employee name date hours amount type total address phone number email
    expense sick overtime salary bonus payroll changes change update updates monday tuesday wednesday
    thursday friday saturday sunday maandag dinsdag woensdag donderdag vrijdag zaterdag zondag januari
    februari maart april mei juni juli augustus september oktober november december january february march
    june july august october b.v. bv nv v.o.f. vof holding praktijk bakkerij studio loonbureau bureau
    administratie salarisadministratie hr ok oke oké okay ja nee cliënt client clienten cliënten werkgever
    employer eigenaar eigenaresse owner directie management iedereen everyone allemaal niemand noord zuid oost
    west noorden zuiden oosten westen centrum team vestiging filiaal locatie route""".split()
}
PRONOUNS = {
    "hij": "third", "zij": "third", "ze": "third", "hem": "third", "haar": "third", "zijn": "third",
    "he": "third", "she": "third", "him": "third", "his": "third", "her": "third", "hers": "third",
    "she'll": "third", "he'll": "third", "she's": "third", "he's": "third", "she’ll": "third",
    "he’ll": "third", "diens": "third", "betrokkene": "third", "betreffende": "third",
    "ik": "first", "mijn": "first", "me": "first", "mij": "first",
    "i": "first", "my": "first", "i'm": "first", "i’m": "first", "i've": "first", "i’ve": "first",
}
TITLES = {"mevrouw", "mevr", "mw", "meneer", "dhr", "de heer", "heer", "mr", "mrs", "ms", "miss"}


@lru_cache(maxsize=16384)
def fold(text: str) -> str:
    """Case- and accent-insensitive form for comparing names."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


@dataclass(frozen=True)
class Match:
    """The employees a piece of text may mean, and how sure that is."""

    employees: tuple[Employee, ...]
    score: float  # 1.0 for an exact full name or number, lower for first names and typos
    via: str  # "number", "full", "initials", "last", "first", "fuzzy"

    @property
    def employee(self) -> Employee | None:
        return self.employees[0] if len(self.employees) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.employees) > 1


@dataclass(frozen=True)
class PersonMention:
    """A person named in a sentence: an employee, a candidate set, or an unknown name."""

    start: int
    end: int
    text: str
    match: Match | None = None
    pronoun: str | None = None  # "first" or "third" when the mention is a pronoun

    @property
    def employee(self) -> Employee | None:
        return self.match.employee if self.match else None


@dataclass
class _Variant:
    tokens: tuple[str, ...]
    via: str
    score: float
    needs_capital: bool
    employees: list[Employee] = field(default_factory=list)


class RosterIndex:
    """Finds one employer's employees in text and in table rows."""

    def __init__(self, employer: Employer | None) -> None:
        self.employer = employer
        self.employees: list[Employee] = list(employer.employees) if employer else []
        self._by_number = {e.number.lstrip("0") or "0": e for e in self.employees}
        self._by_email = {e.email: e for e in self.employees if e.email}
        self._variants: dict[tuple[str, ...], _Variant] = {}
        for employee in self.employees:
            for tokens, via, score, needs_capital in _name_variants(employee):
                key = tuple(fold(t) for t in tokens)
                variant = self._variants.setdefault(key, _Variant(key, via, score, needs_capital))
                if employee not in variant.employees:
                    variant.employees.append(employee)
                # The strongest reading of a shared form wins ("Smit" is a last name for both).
                if score > variant.score:
                    variant.via, variant.score = via, score
        self._by_first_token: dict[str, list[_Variant]] = defaultdict(list)
        for variant in self._variants.values():
            self._by_first_token[variant.tokens[0]].append(variant)
        for variants in self._by_first_token.values():
            variants.sort(key=lambda v: len(v.tokens), reverse=True)
        self._fuzzy_names = {fold(e.full_name): e for e in self.employees}
        self._fuzzy_words = sorted({fold(e.first_name) for e in self.employees}
                                   | {fold(e.last_name) for e in self.employees})

    # -- lookups -------------------------------------------------------------------------

    def by_number(self, number: str) -> Employee | None:
        return self._by_number.get(number.strip().lstrip("0") or "0")

    def by_email(self, address: str) -> Employee | None:
        return self._by_email.get(address.strip().lower())

    def resolve_name(self, name: str) -> Match | None:
        """A whole cell or header value that is a name ("Vos, Ingrid", "S. Dekker", "Emma")."""
        name = " ".join(name.split())
        if not name:
            return None
        if "," in name:
            last, _, first = name.partition(",")
            name = f"{first.strip()} {last.strip()}"
        tokens = [m.group() for m in WORD_RE.finditer(name)]
        folded = tuple(fold(t.rstrip(".")) if len(t) > 2 else fold(t) for t in tokens)
        exact = self._variants.get(tuple(fold(t) for t in tokens)) or self._variants.get(folded)
        if exact:
            return Match(tuple(exact.employees), exact.score, exact.via)
        found = self.find(name, lenient_case=True)
        if found and found[0].match and found[0].end - found[0].start >= len(name) * 0.6:
            return found[0].match
        return self._fuzzy(name)

    def _fuzzy(self, name: str) -> Match | None:
        """A whole name with a small typo ("Fatma El Amrani", "Hendrix")."""
        if not self._fuzzy_names or len(name) < 4:
            return None
        scored = process.extract(fold(name), list(self._fuzzy_names), scorer=fuzz.ratio, score_cutoff=85, limit=2)
        if not scored:
            return None
        if len(scored) > 1 and scored[1][1] >= scored[0][1] - 3:
            return Match(tuple(self._fuzzy_names[s[0]] for s in scored), 0.6, "fuzzy")
        return Match((self._fuzzy_names[scored[0][0]],), 0.7, "fuzzy")

    def resolve(self, *, number: str | None, name: str | None) -> Match | None:
        """A table row: the personnel number decides, the name confirms or stands in."""
        if number:
            employee = self.by_number(number)
            if employee:
                return Match((employee,), 1.0, "number")
        return self.resolve_name(name) if name else None

    # -- text ----------------------------------------------------------------------------

    def find(self, text: str, *, lenient_case: bool = False) -> list[PersonMention]:
        """Employees and pronouns named in `text`, left to right.

        Names must be capitalised as names are, except with `lenient_case` (a table cell,
        or a mail written all in lower case) and at the very start of a line.
        """
        words = list(WORD_RE.finditer(text[:5000]))
        mentions: list[PersonMention] = []
        i = 0
        while i < len(words):
            mention, used = self._match_at(text, words, i, lenient_case)
            if mention:
                mentions.append(mention)
                i += used
                continue
            word = words[i].group()
            pronoun = PRONOUNS.get(word.casefold().rstrip("."))
            if word.casefold() == "zijn" and not _possessive_zijn(words, i):
                pronoun = None
            if pronoun:
                mentions.append(PersonMention(words[i].start(), words[i].end(), word, pronoun=pronoun))
            i += 1
        mentions.extend(self._numbers(text, mentions))
        mentions.sort(key=lambda m: m.start)
        return mentions

    def _match_at(self, text: str, words: list[re.Match[str]], i: int,
                  lenient_case: bool) -> tuple[PersonMention | None, int]:
        first = _token_key(words[i].group())
        candidates = self._by_first_token.get(first, []) + self._by_first_token.get(fold(words[i].group()), [])
        at_line_start = not text[: words[i].start()].strip(" \t-*•–>·0123456789.)(") or \
            text[: words[i].start()].rstrip(" \t*•–·").endswith(("\n", "-", ":"))
        for variant in candidates:
            n = len(variant.tokens)
            if i + n > len(words):
                continue
            got = tuple(fold(w.group()) for w in words[i:i + n])
            got_stripped = tuple(_token_key(w.group()) for w in words[i:i + n])
            if variant.tokens not in (got, got_stripped):
                continue
            # Tokens must be adjacent: "Mark, de Boer" is not "Mark de Boer".
            if any(text[words[k].end():words[k + 1].start()].strip() for k in range(i, i + n - 1)):
                continue
            last_word = words[i + n - 1].group()
            capitalised = any(w.group()[0].isupper() for w in words[i:i + n])
            if variant.needs_capital and not capitalised and not lenient_case and not at_line_start:
                continue
            if n == 1 and not capitalised and fold(last_word) in NOT_NAMES and not lenient_case:
                continue
            if variant.via == "last" and i > 0 and self._other_first_name(text, words, i, variant):
                # "Jesse Hoekstra" when only Hidde Hoekstra is employed: someone else.
                continue
            start, end = words[i].start(), words[i + n - 1].end()
            match = Match(tuple(variant.employees), variant.score, variant.via)
            return PersonMention(start, end, text[start:end], match), n
        fuzzy = self._fuzzy_at(text, words, i)
        if fuzzy:
            return fuzzy
        return None, 0

    @staticmethod
    def _other_first_name(text: str, words: list[re.Match[str]], i: int, variant: _Variant) -> bool:
        previous = words[i - 1]
        if text[previous.end():words[i].start()].strip() or not previous.group()[0].isupper():
            return False
        word = fold(previous.group().rstrip("."))
        if word in NOT_NAMES or word in TITLES or len(word) < 2 or previous.group().endswith("."):
            return False
        return all(fold(e.first_name) != word for e in variant.employees)

    def _fuzzy_at(self, text: str, words: list[re.Match[str]], i: int) -> tuple[PersonMention | None, int]:
        word = words[i].group()
        if not word[0].isupper() or len(word) < 4 or fold(word) in NOT_NAMES or not self._fuzzy_words:
            return None, 0
        # Two words first ("Fatma El Amrani"), then one ("Hendrix").
        for n in (3, 2):
            if i + n <= len(words):
                span = text[words[i].start():words[i + n - 1].end()]
                best = process.extractOne(fold(span), list(self._fuzzy_names), scorer=fuzz.ratio,
                                          score_cutoff=88)
                if best:
                    employee = self._fuzzy_names[best[0]]
                    return PersonMention(words[i].start(), words[i + n - 1].end(), span,
                                         Match((employee,), 0.7, "fuzzy")), n
        best = process.extractOne(fold(word), self._fuzzy_words, scorer=fuzz.ratio, score_cutoff=85)
        if not best or best[1] >= 100:
            return None, 0
        employees = tuple(e for e in self.employees if best[0] in (fold(e.first_name), fold(e.last_name)))
        if not employees:
            return None, 0
        return PersonMention(words[i].start(), words[i].end(), word, Match(employees, 0.6, "fuzzy")), 1

    def _numbers(self, text: str, mentions: list[PersonMention]) -> list[PersonMention]:
        found = []
        for m in PERSONNEL_NUMBER_RE.finditer(text):
            employee = self.by_number(m.group("number"))
            if employee and not any(x.start <= m.start() < x.end for x in mentions):
                found.append(PersonMention(m.start(), m.end(), m.group(), Match((employee,), 1.0, "number")))
        return found


# "zijn" is "his" before what a person has, and "are" elsewhere ("ze zijn ziek").
_POSSESSED = {"laatste", "salaris", "uurloon", "loon", "adres", "iban", "rekeningnummer", "bsn", "contract",
              "gegevens", "uren", "overuren", "meeruren", "declaratie", "declaraties", "bonus", "nieuwe", "nieuw",
              "e-mailadres", "emailadres", "telefoonnummer", "werkdag", "dienstverband", "arbeidsovereenkomst",
              "functie", "reiskosten", "onkosten", "eerste", "ontslag", "baan", "werk", "ziekte", "herstel",
              "verlof", "achternaam", "naam", "mobiele", "nummer", "woonadres", "contracturen"}
_PREPOSITIONS = {"van", "voor", "met", "bij", "op", "in", "aan", "naar", "over", "om", "door", "uit"}


def _possessive_zijn(words: list[re.Match[str]], i: int) -> bool:
    following = words[i + 1].group().casefold() if i + 1 < len(words) else ""
    preceding = words[i - 1].group().casefold() if i else ""
    return following in _POSSESSED or preceding in _PREPOSITIONS


def _token_key(word: str) -> str:
    """A word as compared with names: folded, without a closing period or possessive "'s"."""
    key = re.sub(r"['’]s$", "", fold(word))
    return key.rstrip(".") if len(key) > 2 else key


def _name_variants(e: Employee) -> list[tuple[tuple[str, ...], str, float, bool]]:
    """Ways a mail may write this employee's name: (tokens, via, score, needs capital)."""
    first = e.first_name.split()
    last = e.last_name.split()
    prefix = e.prefix.split()
    prefixed_last = prefix + last
    variants: list[tuple[tuple[str, ...], str, float, bool]] = [
        (tuple(first + prefixed_last), "full", 1.0, False),
        (tuple(first + last), "full", 0.95, False),
        (tuple(prefixed_last), "last", 0.85, True),
        (tuple(last), "last", 0.8 if prefix else 0.85, True),
        (tuple(first), "first", 0.85, True),
    ]
    if first and last:
        # "Sven D.", "Noor B": a first name with the initial of the last name.
        variants.append((tuple([*first, f"{last[0][0]}."]), "initials", 0.9, True))
        variants.append((tuple([*first, last[0][0]]), "initials", 0.85, True))
    for abbreviation in _PARTICLE_ABBREVIATIONS.get(" ".join(prefix).lower(), ()):
        variants.append((tuple([*first, abbreviation, *last]), "full", 0.95, False))
    if first:
        initial = first[0][0]
        for form in (f"{initial}.", initial):
            variants.append((tuple([form, *prefixed_last]), "initials", 0.95, True))
            if prefix:
                variants.append((tuple([form, *last]), "initials", 0.9, True))
            # Registers sort by last name: "Graaf A. de", "Verhoef K.".
            variants.append((tuple([*last, form, *prefix]), "initials", 0.9, True))
    return variants
