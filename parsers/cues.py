"""Words that say which kind of mutation a sentence or a table cell is about.

"ziek", "overuren", "uit dienst", "loonsverhoging", "declaratie", "extra hours" … in
Dutch and English. Free text and spreadsheet cells use the same vocabulary, so a
"Soort mutatie" column and a bullet in a mail are read alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA


@dataclass(frozen=True)
class Cue:
    type: str
    start: int
    end: int
    kind: str | None = None  # for hours: worked, overtime, extra, irregular


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# (type, hours kind, pattern). Order matters only for overlapping spans: earlier wins.
CUE_PATTERNS: list[tuple[str, str | None, re.Pattern[str]]] = [
    # Recovery before sick: "hersteld na ziekte", "weer aan het werk na ziek zijn".
    ("recovery", None, _c(
        r"\b(?:hersteld(?:melding)?|herstelmelding|beter\s*gemeld|hersteld\s*gemeld|weer\s+beter|"
        r"niet\s+meer\s+ziek|weer\s+(?:volledig\s+|gedeeltelijk\s+|deels\s+|halve\s+dagen\s+|voor\s+\d+\s*%\s+)?"
        r"(?:aan\s+het\s+werk|aan\s+de\s+slag|begonnen|gestart|werkzaam)|"
        r"werkt\b[^.;\n]{0,40}?\bweer\b|weer\s+(?:aan\s+het\s+)?werk(?:en|t)?\b|"
        r"(?:is|are|was|been|came|come|comes)\s+back(?:\s+at|\s+to)?\s+(?:work|the\s+office)|back\s+at\s+work|"
        r"returned\s+to\s+work|recovered|recovery|herstel|back\s+to\s+work|(?:fully\s+)?fit\s+again|fully\s+fit|"
        r"resumed\s+(?:work|his\s+duties|her\s+duties)|back\s+on\s+(?:reduced|normal|full|part[-\s]?time)|"
        r"hervat\w*|is\s+hersteld|"
        r"back\s+(?:full[-\s]?time|part[-\s]?time|in\s+the\s+office|at\s+\d+\s*%)|fully\s+back|"
        r"cleared\s+to\s+return|"
        r"(?:work|works|working)\s+(?:\w+\s+|\d+\s*%\s+){0,3}again)"
    )),
    ("sick", None, _c(
        r"\b(?:ziek(?:gemeld|melding|te\s*melding)?|ziek\s+gemeld|arbeidsongeschikt|uitgevallen|ziektedag|"
        r"first\s+(?:day\s+of\s+)?sick(?:ness)?(?:\s+day)?|"
        r"in\s+de\s+ziektewet|verzuimmelding|(?:called|reported|calls|phoned)\s+in\s+sick|off\s+sick|sick(?:\s+leave)?|"
        r"(?:is|was|been|fell|became)\s+ill|off\s+ill|signed\s+off\s+(?:sick|ill|by\s+(?:the|a|his|her)\s+(?:doctor|gp|"
        r"physician))|sickness|afgemeld\s+wegens\s+ziekte|unwell|out\s+sick|on\s+sick\s+leave|reported\s+ill|"
        r"ziek\s+afgemeld|ziek\s+thuis|zit\s+(?:ziek\s+)?thuis\s+met|hoge\s+koorts|"
        r"kan\s+(?:vandaag|morgen)\s+niet\s+(?:werken|komen)|ligt\b[^.;\n]{0,30}\bziekenhuis|"
        r"opgenomen\s+in\s+het\s+ziekenhuis|uit\s+de\s+roulatie|hospitali[sz]ed|in\s+(?:the\s+)?hospital)\b"
    )),
    ("termination", None, _c(
        r"\b(?:uit\s+dienst|uitdienst(?:melding|treding)?|ontslag(?:\s+genomen|\s+ingediend|name)?|"
        r"neemt\s+ontslag|(?:arbeidsovereenkomst|contract|dienstverband|baan)\s+(?:heeft\s+)?(?:opgezegd|beëindigd|"
        r"beeindigd|eindigt|loopt\s+af|wordt\s+niet\s+verlengd|niet\s+verlengd)|heeft\s+(?:haar|zijn)\s+"
        r"(?:arbeidsovereenkomst|contract|baan)\s+opgezegd|laatste\s+(?:werk)?dag|gaat\s+ons\s+verlaten|"
        r"verlaat\s+ons|(?:einde|beëindiging)\s+(?:van\s+het\s+)?dienstverband|stopt\s+bij\s+ons|"
        r"resign(?:ed|s|ation)?|last\s+(?:working\s+)?day|(?:is|are)\s+leaving|['’]s\s+leaving|"
        r"leaving\s+(?:us\s+)?(?:as\s+of|on|per|at\s+the\s+end)|leaves\s+(?:us|the\s+company)|"
        r"will\s+leave|terminat(?:ed|ion)|contract\s+(?:ends|will\s+not\s+be\s+renewed|is\s+not\s+renewed)|"
        r"handed\s+in\s+(?:his|her|their)\s+notice|quit|leavers?|finish(?:es)?\s+(?:his|her|their)\s+"
        r"(?:job|employment|contract|work)|end(?:s|ing)?\s+(?:his|her|their)\s+(?:employment|contract)|let(?:ting)?\s+(?:\w+\s+){1,3}go|"
        r"afscheid\s+genomen|contract\s+(?:wordt|is)\s+niet\s+verlengd|loopt\s+af|"
        r"ontslag\s+op\s+staande\s+voet|dismiss(?:ed|al)|redundan\w*|boventallig\w*|"
        r"probation\s+not\s+passed|proeftijd\s+(?:niet\s+doorstaan|beëindigd|beeindigd)|notice\s+period\s+ends)\b"
    )),
    ("hire", None, _c(
        r"\b(?:in\s+dienst(?:\s+treden|treding)?|indienst\w*|nieuwe\s+docent|new\s+joiner|"
        r"benoemd\s+(?:tot|als)|benoeming|aangesteld\s+(?:als|tot)|offer\s+accepted|onboarding\s+on|"
        r"nieuwe?\s+(?!(?:[\w\-]+\s+)?[\w\-]*(?:adres|iban|rekening|nummer|mail|telefoon|salaris|loon|contract|uren|rooster|naam|"
        r"bank|functie|werkweek|tarief|mobiel|gegevens|schema|periode|maand|jaar|week))[a-zà-ÿ][\w\-]{3,}(?=[^.;\n]{0,40}\b(?:per|met\s+"
        r"ingang|vanaf|start|begint|komt|in\s+dienst)\b)|"
        r"new\s+(?!(?:[\w\-]+\s+)?[\w\-]*(?:address|iban|bank|account|number|mail|phone|mobile|salary|rate|contract|hours|schedule|"
        r"name|role|position|pay|details|month|year|week|period))[a-z][\w\-]{2,}(?:\s+[a-z][\w\-]{2,})?(?=[^.;\n]{0,40}\b(?:starts?|"
        r"starting|joins|joining|from|as\s+of)\b)|"
        r"(?:komt|komen)\b[^.;\n]{0,60}\bversterken|treedt\b[^.;\n]{0,60}\bin\s+dienst|indiensttreding|indienstmelding|"
        r"nieuwe?\s+(?:medewerk(?:er|ster)s?|collega'?s?|werknemers?|kracht(?:en)?|jongen|meid|monteur|stagiair\w*|"
        r"aanwinst|personeelsle?d(?:en)?)|komt\b[^.;\n]{0,60}\bbij\s+ons\s+(?:werken|in\s+dienst|team)|"
        r"(?:begint|start|komt)\b[^.;\n]{0,40}\bbij\s+ons\s+(?:als|in\s+dienst|werken|op)\b|"
        r"(?:komt|begint|start)\s+(?:bij\s+ons|per|op|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)|"
        r"aangenomen|new\s+(?:hire|employee|colleague|starter|team\s+member)|(?:we(?:'ve|’ve|\s+have)?\s+)?hired|"
        r"(?:will\s+)?join(?:s|ing)?\s+(?:us|the\s+(?:\w+\s+)?team|our\s+(?:\w+\s+)?team|the\s+company)|"
        r"starts?\s+(?:with\s+us|working|on|as\s+of|per|mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|"
        r"thursday|friday|saturday|sunday|\d)|new\s+starters?|onboarding|(?:found|hired|recruited)\s+(?:a|our)\s+new)\b"
    )),
    ("hours", "irregular", _c(
        r"\b(?:ort|ort-uren|ort\s+uren|onregelmatigheids(?:toeslag|uren)|onregelmatige\s+(?:diensten|uren)|"
        r"toeslaguren|irregular\s+hours|unsocial\s+hours|nachturen|nachtdienst\w*|avonduren|weekenduren|"
        r"zondagsuren|zaterdaguren|feestdaguren|night\s+(?:hours|shifts?)|evening\s+hours|weekend\s+hours|"
        r"sunday\s+hours|shift\s+premium|unsociable\s+hours|night\s+premium(?:\s+hours)?|premium\s+hours|"
        r"nachttoeslag|weekendtoeslag|avondtoeslag)\b"
    )),
    ("hours", "extra", _c(
        r"\b(?:meeruren|meeruur|meer\s+uren|meer\s+gewerkt|extra\s+(?:uren|gewerkt|gewerkte\s+uren)|"
        r"uur\s+extra|uren\s+extra|extra\s+hours|hours\s+extra|additional\s+hours|plus\s*uren|straight\s+time|"
        r"(?:hours?|hrs?|uur|uren)\s+(?:over|above|boven|bovenop)\s+(?:his|her|their|zijn|haar|the)\s+"
        r"(?:\d+[-\s]?(?:hr|hour|uur|u)s?\s+)?(?:contract\w*|schedule|rooster|aanstelling|betrekking|werktijd)|"
        r"(?:boven(?:op)?|above|over)\s+(?:mijn|my)\s+(?:contract\w*|aanstelling|uren|hours)|meer\s+\d{3}\s*%|"
        r"over\s+contract|above\s+contract|boven\s+(?:de|zijn|haar)\s+(?:aanstelling|betrekking)|"
        r"boven\s+(?:zijn|haar|het)\s+contract\w*)\b"
    )),
    ("hours", "overtime", _c(
        r"\b(?:overuren|overuur|over-uren|overwerk(?:uren)?|overgewerkt|overtime(?:\s+hours)?)\b"
    )),
    ("hours", "overtime", _c(r"^over\s+\d{3}\s*%$")),
    # "OT" only in capitals: lower-case "ot" is no word we read.
    ("hours", "overtime", re.compile(r"\bOT\b")),
    ("hours", "worked", _c(
        r"\b(?:gewerkte\s+uren|uren\s+gewerkt|uur\s+gewerkt|heeft\b[^.;\n]{0,30}\bgewerkt|"
        r"(?:hours\s+)?worked(?:\s+hours)?|hours\s+worked|urenregistratie|uren\s+(?:deze|vorige)\s+maand)\b"
    )),
    ("hours_change", None, _c(
        r"\b(?:contracturen|contract\s*uren|arbeidsduur|uur\s+per\s+week|uren\s+per\s+week|urige\s+werkweek|"
        r"uur\s+p/?w|uur\s+in\s+de\s+week|hours\s+(?:per|a)\s+week|hour\s+week|contract(?:ed)?\s+hours|"
        r"minder\s+(?:uren\s+)?werken|meer\s+uren\s+werken|working\s+hours|"
        r"uur\s+(?:(?:gaan|gaat|te|zal|zou|wil|gaan\s+)\s*)?werken|(?:op|naar)\s+\d+\s*uur|hours\s+a\s+week|hrs?/w(?:ee)?k|"
        r"hours\s+change|change\s+(?:of|in)\s+hours|urenwijziging|wijziging\s+(?:contract)?uren|h/w(?:ee)?k|"
        r"going\s+part[-\s]?time|part[-\s]?time\s+(?:from|as\s+of|per)|contract\s+to\s+\d+)\b"
    )),
    ("one_off_payment", None, _c(
        r"\b(?:\w*bonus|eenmalige\s+(?:uitkering|beloning|betaling|vergoeding|bonus)|gratificatie|"
        r"eindejaars\w*|dertiende\s+maand|13e\s+maand|13de\s+maand|13th\s+month|thirteenth\s+month|"
        r"kerstgratificatie|kerstbonus|sign[-\s]?on|referral|winstdeling|winstuitkering|one[-\s]off(?:\s+payment)?|"
        r"(?:annual|year[-\s]end)\s+bonus|profit\s+share)\b"
    )),
    ("expense", None, _c(
        r"\b(?:declaratie\w*|declareren|gedeclareerd|\w*onkosten\w*|reiskosten|parkeerkosten|"
        r"\w+kosten\s+(?:gemaakt|voorgeschoten|vergoed)|kilometervergoeding|km-vergoeding|voorgeschoten|"
        r"\w*vergoeding|expense\w*|reimburse\w*|travel\s+costs?|mileage|out[-\s]of[-\s]pocket|"
        r"\d+\s*km\b|kilometers?|kilometres?|(?<!holiday\s)allowance|bonnetjes?|kassabon\w*|receipts?|"
        r"terug\s*(?:krijgen|betalen|betaald)|per\s+diem|conference\s+fee|registration\s+fee|cursusgeld|"
        r"inschrijfgeld)\b"
    )),
    ("salary_change", None, _c(
        r"\b(?:\w*salaris\w*|loonsverhoging|loonwijziging|\w*loon\b|lonen|\w*tarief|salary|salaries|"
        r"pay\s+(?:rise|raise|increase)s?|raises?|wage|wages|hourly\s+rate|rate\s+of\s+pay|pay\s+rate|"
        r"salary\s+increases?|comp(?:ensation)?\s+(?:review|changes?)|bumped\s+(?:up\s+)?to|raised\s+to|"
        r"goes\s+up\s+to|verhoogd\s+naar|opgehoogd\s+naar|base\s+(?:pay|salary))\b"
    )),
    ("personal_data_change", None, _c(
        r"\b(?:verhuisd|verhuist|verhuizing|nieuw(?:e)?\s+adres|adres\w*|woont|woon\s+ik|ik\s+woon|woonadres|"
        r"lives\s+at|living\s+at|live\s+at|moved\s+to|"
        r"rekeningnummer|bankrekening|iban|e-?mail\s*adres|e-?mailadres|telefoonnummer|mobiel(?:e)?\s+nummer|"
        r"\w*nummer\s+is\s+gewijzigd|achternaam|getrouwd|moving\s+house|moved|new\s+address|address|"
        r"bank\s+account|account\s+number|phone\s+number|mobile\s+number|mobile|e-?mail\s+address|e-?mail|"
        r"last\s+name|surname|married)\b"
    )),
]

# Phrases that negate a cue near them ("no overtime premium", "geen overuren").
NEGATION_RE = _c(r"\b(?:no|not|geen|niet|zonder|without)\s+(?:\w+\s+)?$")


# Cue words as they are misspelt in a hurry ("zeik", "overuern", "declaratei"): checked only
# for words no pattern matched, by edit distance to these.
_TYPO_WORDS: dict[str, tuple[str, str | None]] = {
    "ziek": ("sick", None), "ziekgemeld": ("sick", None), "ziekmelding": ("sick", None),
    "hersteld": ("recovery", None), "herstelmelding": ("recovery", None), "overuren": ("hours", "overtime"),
    "meeruren": ("hours", "extra"), "overtime": ("hours", "overtime"), "declaratie": ("expense", None),
    "reiskosten": ("expense", None), "onkosten": ("expense", None), "loonsverhoging": ("salary_change", None),
    "salaris": ("salary_change", None), "ontslag": ("termination", None), "resigned": ("termination", None),
    "recovered": ("recovery", None), "sick": ("sick", None), "expenses": ("expense", None),
    "uitdienst": ("termination", None), "indiensttreding": ("hire", None), "arbeidsongeschikt": ("sick", None),
}
_WORD_RE = re.compile(r"[^\W\d_]{4,}")


def _is_typo_of(word: str, known: str) -> bool:
    if word == known or word[0] != known[0] or abs(len(word) - len(known)) > 1:
        return False
    if len(known) < 7:
        # Short words only by two swapped letters: "zeik" is "ziek", "zien" is not.
        return len(word) == len(known) and sorted(word) == sorted(known) and \
            sum(a != b for a, b in zip(word, known, strict=True)) == 2
    return OSA.distance(word, known) <= 1


def _typo_cues(text: str, found: list[Cue]) -> list[Cue]:
    cues = []
    for m in _WORD_RE.finditer(text):
        if any(c.start <= m.start() < c.end for c in found):
            continue
        word = m.group().lower()
        for known, (mutation_type, kind) in _TYPO_WORDS.items():
            if _is_typo_of(word, known):
                cues.append(Cue(mutation_type, m.start(), m.end(), kind))
                break
    return cues


def find_cues(text: str) -> list[Cue]:
    """Every cue in `text`, left to right; overlapping spans keep the earlier pattern."""
    return list(_find_cues(text))


@lru_cache(maxsize=4096)
def _find_cues(text: str) -> tuple[Cue, ...]:
    found: list[Cue] = []
    for mutation_type, kind, pattern in CUE_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < c.end and c.start < end for c in found):
                continue
            if NEGATION_RE.search(text[max(0, start - 20):start]):
                continue
            found.append(Cue(mutation_type, start, end, kind))
    found.extend(_typo_cues(text, found))
    found.sort(key=lambda c: c.start)
    return tuple(found)


# Words that name a kind of hours only when a cell says nothing else ("Night", "Extra").
_CELL_WORDS: dict[str, Cue | None] = {
    "night": Cue("hours", 0, 0, "irregular"), "nacht": Cue("hours", 0, 0, "irregular"),
    "nachtdienst": Cue("hours", 0, 0, "irregular"), "avond": Cue("hours", 0, 0, "irregular"),
    "evening": Cue("hours", 0, 0, "irregular"), "weekend": Cue("hours", 0, 0, "irregular"),
    "zondag": Cue("hours", 0, 0, "irregular"), "sunday": Cue("hours", 0, 0, "irregular"),
    "extra": Cue("hours", 0, 0, "extra"), "meer": Cue("hours", 0, 0, "extra"),
    "gewerkt": Cue("hours", 0, 0, "worked"), "worked": Cue("hours", 0, 0, "worked"),
    "dag": Cue("hours", 0, 0, "worked"), "day": Cue("hours", 0, 0, "worked"),
}


def classify_cell(text: str) -> Cue | None:
    """The kind a data cell names, where a single word says enough ("Night", "Extra")."""
    word = text.strip().lower().rstrip(".")
    return _CELL_WORDS[word] if word in _CELL_WORDS else classify(text)


@lru_cache(maxsize=4096)
def classify(text: str) -> Cue | None:
    """The one mutation kind a table cell or header names ("Overuren 125%", "Declaratie reiskosten")."""
    cues = find_cues(text)
    if not cues:
        return None
    # A cell is short: the first cue decides, except that an hours kind beats a generic word.
    hours = [c for c in cues if c.type == "hours"]
    return hours[0] if hours and cues[0].type in ("hours_change", "salary_change") else cues[0]
