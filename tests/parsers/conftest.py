"""Shared test data for the parsers: a small fictional roster and a mail builder."""

from __future__ import annotations

import datetime as dt
import hashlib
from email.message import EmailMessage
from email.utils import format_datetime

import pytest

from parsers.models import ParseResult
from parsers.roster import Roster

ROSTER = {
    "employers": [
        {
            "id": "garage-hoek",
            "name": "Garage Hoek B.V.",
            "senders": ["Loon@GarageHoek.example", "ria@garagehoek.example"],
            "employees": [
                {"number": "71", "first_name": "Gerrit", "prefix": "", "last_name": "Hoek",
                 "birth_date": "1966-01-09", "hours_per_week": 40, "email": "gerrit@example.org"},
                {"number": "72", "first_name": "Priya", "prefix": "", "last_name": "Ramdin",
                 "birth_date": "1991-05-17", "hours_per_week": 32, "email": "priya@example.org",
                 "work_days": ["mon", "tue", "wed", "thu"]},
                {"number": "73", "first_name": "Stijn", "prefix": "van der", "last_name": "Linden",
                 "birth_date": "2000-11-23", "hours_per_week": 38, "email": "stijn@example.org"},
                {"number": "74", "first_name": "Karin", "prefix": "", "last_name": "Verbeek",
                 "birth_date": "1983-03-03", "hours_per_week": 24, "email": "karin@example.org",
                 "work_days": ["mon", "wed", "fri"]},
                {"number": "75", "first_name": "Bas", "prefix": "", "last_name": "Verbeek",
                 "birth_date": "1985-07-07", "hours_per_week": 40, "email": "bas@example.org"},
                {"number": "76", "first_name": "Thomas", "prefix": "de", "last_name": "Wit",
                 "birth_date": "1999-09-19", "hours_per_week": 16, "email": "thomas@example.org",
                 "work_days": ["sat", "sun"]},
                {"number": "77", "first_name": "Thomas", "prefix": "", "last_name": "Kok",
                 "birth_date": "1994-04-14", "hours_per_week": 40, "email": "tkok@example.org"},
            ],
        },
        {
            "id": "atelier-noorderlicht",
            "name": "Atelier Noorderlicht",
            "senders": ["office@noorderlicht.example"],
            "employees": [
                {"number": "9001", "first_name": "Hannah", "prefix": "", "last_name": "Moore",
                 "birth_date": "1988-08-08", "hours_per_week": 40, "email": "hannah@example.org"},
                {"number": "9002", "first_name": "Daniel", "prefix": "", "last_name": "Okafor",
                 "birth_date": "1993-02-20", "hours_per_week": 32, "email": "daniel@example.org"},
            ],
        },
    ]
}

GARAGE = "Ria Hoek <ria@garagehoek.example>"
ATELIER = "Office Noorderlicht <office@noorderlicht.example>"


@pytest.fixture(scope="session")
def roster() -> Roster:
    return Roster.model_validate(ROSTER)


def build_mail(body: str | None = None, *, sender: str = GARAGE, subject: str = "Mutaties",
               sent: dt.datetime = dt.datetime(2026, 3, 18, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))),
               html: str | None = None, headers: dict[str, str] | None = None,
               attachments: list[tuple[str, bytes, str]] | None = None, message_id: str | None = None) -> bytes:
    """A real RFC 5322 message; `sent` defaults to Wednesday 18 March 2026.

    The Message-ID is derived from the content unless given, so two different test
    mails are never taken for the same mail.
    """
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "mutaties@bureau.example"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(sent)
    digest = hashlib.sha1(f"{sender}|{subject}|{body}|{html}|{sent}".encode()).hexdigest()[:16]
    msg["Message-ID"] = message_id or f"<{digest}@example.org>"
    for name, value in (headers or {}).items():
        msg[name] = value
    if body is not None:
        msg.set_content(body)
        if html:
            msg.add_alternative(html, subtype="html")
    elif html is not None:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content("")
    for filename, data, mime_type in attachments or []:
        maintype, subtype = mime_type.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(msg)


def only(result: ParseResult, mutation_type: str | None = None):
    """The single mutation of a result (of one type), failing clearly otherwise."""
    found = [m for m in result.mutations if mutation_type is None or m.type == mutation_type]
    assert len(found) == 1, [(m.type, m.employee_id, m.fields) for m in result.mutations]
    return found[0]
