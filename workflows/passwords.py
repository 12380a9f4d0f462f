"""Is a new password good enough? Length and the patterns people guess first, no composition rules.

As NIST SP 800-63B advises: at least 12 characters (and at most 200, so hashing stays cheap),
any characters, and no "one capital, one digit" rules, which only make passwords harder to
remember. What is refused is what an attacker tries first: the most used passwords (a bundled
list, `data/common_passwords.txt`), such a word with only digits and symbols around it
("Zomer2024!!!"), the user's own address, one character over and over, and sequences such
as "123456789012" or a keyboard row. The answer is one Dutch sentence saying what is wrong.
"""

from __future__ import annotations

import functools
import importlib.resources
import itertools
import re

MIN_LENGTH = 12
MAX_LENGTH = 200

# Letters, digits and keyboard rows in order; a run along any of them (either way) is a sequence.
_SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "01234567890", "1234567890",
              "qwertyuiop", "asdfghjkl", "zxcvbnm", "qwertzuiop", "yxcvbnm", "azertyuiop", "qsdfghjklm", "wxcvbn",
              "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p", "1q2w3e4r5t6y7u8i9o0p", "1q2w3e4r5t6z7u8i9o0p",
              "!@#$%^&*()")
_SUCCESSORS = frozenset((a, b) for seq in _SEQUENCES for s in (seq, seq[::-1]) for a, b in itertools.pairwise(s))
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_SHORTEST_PART = 3  # shorter local parts or domain names ("jo@", "kpn.") are too common to refuse


@functools.cache
def common_passwords() -> frozenset[str]:
    text = importlib.resources.files("workflows").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, email: str) -> str | None:
    """What is wrong with `password` for the user with address `email`, in Dutch; None when it will do."""
    if len(password) < MIN_LENGTH:
        return f"Kies een wachtwoord van minstens {MIN_LENGTH} tekens; een zin van een paar woorden mag ook."
    if len(password) > MAX_LENGTH:
        return f"Kies een wachtwoord van hoogstens {MAX_LENGTH} tekens."
    lower = password.lower()
    if len(set(lower)) == 1:
        return "Dit wachtwoord is steeds hetzelfde teken; kies iets dat niet te raden is."
    if _own_address_in(lower, email):
        return "Dit wachtwoord bevat (een deel van) uw e-mailadres; kies iets wat daar los van staat."
    if _mostly_sequence(lower):
        return "Dit wachtwoord is een reeks (zoals 123456 of qwerty) of een herhaald patroon; kies iets anders."
    if _common(lower):
        return ("Dit wachtwoord (of dit woord met alleen cijfers of tekens erbij) staat in de lijsten die "
                "aanvallers het eerst proberen; kies iets anders, bijvoorbeeld een paar losse woorden.")
    return None


def _own_address_in(lower: str, email: str) -> bool:
    local, _, domain = email.strip().lower().rpartition("@")
    labels = [label for label in domain.split(".")[:-1] if label not in ("www", "mail", "co")]
    parts = [local, *labels]
    squeezed = re.sub(r"[\s._-]", "", lower)
    return any(len(part) >= _SHORTEST_PART and (part in lower or re.sub(r"[._-]", "", part) in squeezed)
               for part in parts)


def _common(lower: str) -> bool:
    listed = common_passwords()
    candidates: set[str] = set()
    squeezed = re.sub(r"\s+", "", lower)
    for whole in (lower, squeezed, _repeated_unit(squeezed) or ""):  # "Ajax1900Ajax1900" is "ajax1900" twice
        for core in (_core(whole), _core(whole.translate(_LEET)), _core(_core(whole).translate(_LEET))):
            candidates.update((whole, core, re.sub(r"[^a-z]", "", core)))  # "w.e.l.k.o.m-2024"
            unit = _repeated_unit(core)
            if unit:
                candidates.add(unit)  # "welkomwelkom"
    return any(c in listed for c in candidates if c)


def _core(text: str) -> str:
    """The word inside digits and symbols: "zomer2024!!!" -> "zomer"."""
    return re.sub(r"^[^a-z]+|[^a-z]+$", "", text)


def _repeated_unit(text: str) -> str | None:
    """The shortest piece `text` is a repetition of ("abab" -> "ab"), or None."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return None


def _mostly_sequence(lower: str) -> bool:
    """True when little is left after taking out runs of three or more along a sequence, or repeats."""
    unit = _repeated_unit(lower)
    if unit is not None and len(unit) <= 4:
        return True
    left, start = 0, 0
    for end in range(1, len(lower) + 1):
        if end < len(lower) and ((lower[end - 1], lower[end]) in _SUCCESSORS or lower[end - 1] == lower[end]):
            continue
        if end - start < 3:
            left += end - start  # too short to be a run: these characters count
        start = end
    return left < 4
