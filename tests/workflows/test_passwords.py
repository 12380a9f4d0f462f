"""workflows.passwords: what a personal password is refused for, and that good ones pass (no composition rules)."""

from __future__ import annotations

import pytest

from workflows.passwords import MAX_LENGTH, MIN_LENGTH, common_passwords, password_problem

EMAIL = "ria.jansen@garagehoek.nl"

REFUSED = [
    # (password, a word of the reason)
    ("kort", "minstens 12"),
    ("elf tekens!", "minstens 12"),
    ("x" * (MAX_LENGTH + 1), "hoogstens"),
    ("aaaaaaaaaaaa", "hetzelfde teken"),
    ("............", "hetzelfde teken"),
    ("123456789012", "reeks"),
    ("abcdefghijkl", "reeks"),
    ("qwertyuiop12", "reeks"),
    ("ZYXWVUTSRQPO", "reeks"),
    ("asdfghjkl;'!", "reeks"),
    ("abcabcabcabc", "reeks"),
    ("111122223333", "reeks"),
    ("1q2w3e4r5t6y", "reeks"),
    ("welkom012345", "lijsten"),
    ("wachtwoord12", "lijsten"),
    ("Wachtwoord2024!", "lijsten"),
    ("zomer2024!!!", "lijsten"),
    ("Feyenoord1908!", "lijsten"),
    ("P@ssw0rd2024!", "lijsten"),
    ("W3lk0m2024!!", "lijsten"),
    ("ikhouvanjou123", "lijsten"),
    ("Welkom01welkom01", "lijsten"),
    ("correct horse battery staple", "lijsten"),
    ("ria.jansen2024", "e-mailadres"),
    ("RiaJansen-2024", "e-mailadres"),
    ("garagehoek!2024", "e-mailadres"),
    ("Garage Hoek 2024", "e-mailadres"),
]

ACCEPTED = [
    "correct horse battery",  # words of the famous comic, but not the whole listed phrase
    "Het regent weer in Zwolle",
    "kopje thee om vier uur",
    "fietsenrek-blauw-drie",
    "ra8K#vz2!pQw",
    "alleen kleine letters zonder cijfers",  # no composition rules
    "7391648205731",  # digits only, but no sequence
    "zomer in de achterhoek 2024",  # a listed word inside a sentence is fine
    "ë" * 3 + "ïöü ÿ café crème",
    ("Ik fiets elke ochtend langs de IJssel naar kantoor, ook als het regent. " * 3)[:MAX_LENGTH],
]


@pytest.mark.parametrize(("password", "reason"), REFUSED, ids=[p[:20] for p, _ in REFUSED])
def test_it_refuses_weak_passwords_with_a_dutch_reason(password: str, reason: str):
    problem = password_problem(password, email=EMAIL)
    assert problem is not None and reason in problem, (password, problem)


@pytest.mark.parametrize("password", ACCEPTED, ids=[p[:20] for p in ACCEPTED])
def test_it_accepts_long_passwords_without_composition_rules(password: str):
    assert password_problem(password, email=EMAIL) is None


def test_the_length_limits_are_twelve_and_two_hundred():
    assert (MIN_LENGTH, MAX_LENGTH) == (12, 200)
    assert password_problem("elf tekens!!"[:11], email=EMAIL) is not None
    assert password_problem("twaalf tekst", email=EMAIL) is None


def test_the_bundled_list_is_lower_case_and_has_the_dutch_favourites():
    listed = common_passwords()
    assert len(listed) >= 300
    assert all(word == word.lower() and word.strip() == word for word in listed)
    assert {"welkom01", "wachtwoord", "123456", "qwerty", "password", "zomer", "feyenoord"} <= listed


def test_another_users_address_is_not_held_against_this_one():
    assert password_problem("ria.jansen2024", email="anna@bureau.example") is None
    assert password_problem("anna.op.het.bureau", email="anna@bureau.example") is not None


def test_a_very_short_local_part_does_not_refuse_ordinary_words():
    assert password_problem("jouw eigen zin hier", email="jo@x.nl") is None
