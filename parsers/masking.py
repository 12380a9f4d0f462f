"""BSN and IBAN stay inside: masked in logs, mails and screens, shown whole only where edited."""

from __future__ import annotations

import re

SECRET_FIELDS = frozenset({"bsn", "iban"})
_BSN_IN_TEXT = re.compile(r"(?<![\d.])(?:\d{9}|\d{4}\.\d{2}\.\d{3})(?![\d.])")
_IBAN_IN_TEXT = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")


def mask(value: str) -> str:
    """`*****1234`: enough for the employer to recognise the number, useless to anyone else."""
    compact = re.sub(r"[\s.\-]", "", value)
    return "*****" + compact[-4:]


def mask_secrets(text: str) -> str:
    """Mask anything in free text that looks like a BSN or an IBAN (a subject, a description)."""
    text = _IBAN_IN_TEXT.sub(lambda m: mask(m.group(0)), text)
    return _BSN_IN_TEXT.sub(lambda m: mask(m.group(0)), text)
