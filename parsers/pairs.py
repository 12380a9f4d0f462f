""""Label: value" lines, the way new hires and address changes are usually sent.

`pair_field` says which field a label names ("Bruto maandsalaris", "Postcode/woonplaats",
"Date of birth", "Uren per week"), by the words in it rather than an exact list, and
`fill_pair` puts the value into a draft in its normal form.
"""

from __future__ import annotations

import datetime as dt
import re

from parsers.drafts import Draft
from parsers.extract import Facts, salary
from parsers.people import fold
from parsers.values import find_address, find_emails, find_ibans, find_street

# (field, words in the label), tried in order: the first hit decides.
_LABEL_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("number", re.compile(r"^(?:emp(?:loyee)?|pers(?:oneels)?|personnel|staff|medewerker|werknemer)\s*"
                          r"(?:no|nr|number|nummer|id)$|^(?:pnr|personeelsnummer|employee\s*id|staff\s*id)$")),
    ("change", re.compile(r"^(?:change|mutatie|wijziging|soort\s+mutatie|type\s+(?:of\s+)?change|details|"
                          r"omschrijving|description|what|wat|actie|action|mutation)$")),
    ("effective", re.compile(r"^(?:effective(?:\s+date)?|ingangsdatum|per|datum|date|vanaf|ingang|with\s+effect\s+"
                             r"from|effective\s+from|wanneer|when)$")),
    ("note", re.compile(r"^(?:note|notes|opmerking|opmerkingen|toelichting|remark|remarks|comment|comments|ref)$")),
    ("bsn", re.compile(r"\b(?:bsn|burgerservice|sofi|citizen\s*service|social\s*security)")),
    ("birth_date", re.compile(r"geboren|geboorte|geb\s*datum|geb\.|birth|\bdob\b|\bborn\b")),
    ("iban", re.compile(r"iban|rekening|\bbank|account")),
    ("email", re.compile(r"e-?mail|\bmail")),
    ("phone", re.compile(r"telefoon|\btel\b|mobiel|mobile|phone|\bgsm\b|\bcell")),
    ("postcode_city", re.compile(r"postcode|\bzip|postal|woonplaats|^plaats$|^city$|^town$|^plaats\b")),
    ("house_number", re.compile(r"^(?:house|huis)\s*(?:no|nr|number|nummer)$|^huisnr$|^huisnummer$")),
    ("address", re.compile(r"adres|address|straat|street")),
    ("contract_end_date", re.compile(r"einde|einddatum|end\s*date|contract\s*(?:tot|end|until)|^contract\b|"
                                     r"looptijd|duration")),
    ("start_date", re.compile(r"in\s*dienst|startdatum|start\s*date|^start$|begin|eerste\s*werkdag|joining|"
                              r"join\s*date|starting\s*date|"
                              r"first\s*(?:working\s*)?day|ingangsdatum|datum\s*indienst|^per$")),
    ("salary", re.compile(r"salaris|salary|\bloon|uurloon|\bwage|\bpay\b|tarief|\brate\b|bruto")),
    ("hours_per_week", re.compile(r"\buren\b|\buur\b|hours|arbeidsduur|\bfte\b|werktijd")),
    ("job_title", re.compile(r"functie|job|position|\brole\b|title|\brol\b")),
    ("name", re.compile(r"^(?:volledige\s+|full\s+|naam\s+)?(?:naam|name)(?:\s+(?:medewerker|werknemer|employee))?$|"
                        r"^(?:medewerker|werknemer|employee)$|^(?:new|nieuwe?)\s+(?:joiner|starter|hire|employee|"
                        r"colleague|medewerker|collega|werknemer)$")),
]


def pair_field(label: str) -> str | None:
    """The field a label names, or None when it is no label we read."""
    key = re.sub(r"\s*\([^)]*\)", "", fold(" ".join(label.split()))).strip(" .:")
    if not key or len(key) > 40 or re.search(r"\d", key):
        return None
    if re.search(r"achternaam|last\s*name|surname|voornaam|first\s*name", key) or len(re.findall(r"[a-z]+", key)) > 3:
        return None
    if re.search(r"\b(?:has|have|heeft|hebben|is|zijn|krijgt|gets|wordt|becomes|gaat|moved)\b", key):
        return None
    for name, pattern in _LABEL_WORDS:
        if pattern.search(key):
            return name
    return None


def name_part(label: str) -> str | None:
    """"Voornaam" → first, "Surname" → last: the labels a form splits a name into."""
    key = fold(" ".join(label.split())).strip(" .:")
    if re.fullmatch(r"(?:voorna(?:a)?m(?:en)?|roepnaam|first\s*names?|first\s*name\(s\)|given\s*names?)", key):
        return "first"
    if re.fullmatch(r"(?:achternaam|surname|last\s*name|family\s*name|geslachtsnaam)", key):
        return "last"
    if re.fullmatch(r"(?:tussenvoegsels?|prefix|voorvoegsel)", key):
        return "prefix"
    return None


def known_label(label: str) -> bool:
    return pair_field(label) is not None


def fill_pair(draft: Draft, label: str, value: str, reference: dt.date) -> None:
    """Put one labelled value into a hire or personal-data draft."""
    field = pair_field(label)
    facts = Facts.of(value)
    if field in ("birth_date", "start_date", "contract_end_date"):
        if field == "contract_end_date" and re.search(r"onbepaald|permanent|indefinite|vast", value, re.I):
            return
        if facts.dates:
            prefer = "past" if field == "birth_date" else "future"
            mention = facts.dates[-1 if field == "contract_end_date" else 0]
            target = "effective_date" if field == "start_date" and draft.type != "hire" else field
            draft.set(target, mention.resolve(reference, prefer))
    elif field == "bsn":
        digits = re.sub(r"\D", "", value)
        draft.set("bsn", digits or value.strip())
    elif field == "iban":
        ibans = find_ibans(value)
        draft.set("iban", ibans[0].value if ibans else value.strip())
    elif field in ("address", "postcode_city"):
        address = find_address(value) or (find_street(value) if field == "address" else None)
        if address:
            for name, found in address.fields().items():
                draft.set(name, found)
        elif field == "address":
            draft.set("street", value.strip())
        elif not re.search(r"\d", value):
            draft.set("city", value.strip())
    elif field == "house_number":
        draft.set("house_number", value.strip())
    elif field == "phone":
        draft.set("phone", value.strip())
    elif field == "email":
        emails = find_emails(value)
        if emails:
            draft.set("email", emails[0].value)
    elif field == "job_title":
        # "medewerker bediening (oproepkracht, nulurencontract)": the title without the remark.
        draft.set("job_title", re.sub(r"\s*\([^)]*\)", "", value).strip(" .,"), overwrite=True)
    elif field == "hours_per_week" and draft.type == "hire" and facts.numbers:
        draft.set("hours_per_week", facts.numbers[0].value)
    elif field == "salary" and draft.type == "hire":
        # The label often carries the period ("Bruto maandsalaris", "Uurloon").
        amount, period = salary(Facts.of(f"€ {value}" if not facts.amounts else value), label)
        draft.set("salary_amount", amount)
        draft.set("salary_period", period)
