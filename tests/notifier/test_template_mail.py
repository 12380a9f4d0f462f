"""The Excel template by mail: it goes with an employer's first confirmation only, comes back filled
in, is read without guessing, and the confirmation of that mail says so. Through a real relay."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from loonbode.settings import Settings
from notifier.confirmations import confirmer
from notifier.outbox import send_due
from parsers.roster import Roster
from parsers.template import COLUMNS, FIRST_ROW, MIME_TYPE
from tests.notifier import Received, free_port, make_settings, running_relay
from tests.parsers.conftest import ATELIER, GARAGE, ROSTER, build_mail
from workflows.inbound import store_inbound
from workflows.models import AuditEvent, DraftRow, Employer, InboundMessage, InboundStatus, OutboundMessage
from workflows.pipeline import Confirm, run_pending
from workflows.roster_store import import_roster

XLSX = "loonbode-sjabloon-garage-hoek.xlsx"
READ_LINE = "Uw sjabloon is gelezen zonder te raden: elke regel is één mutatie."
COL = {c.label: i for i, c in enumerate(COLUMNS, start=1)}
GARAGE_STAFF = [("71", "Gerrit Hoek"), ("72", "Priya Ramdin"), ("73", "Stijn van der Linden"),
                ("74", "Karin Verbeek"), ("75", "Bas Verbeek"), ("76", "Thomas de Wit"), ("77", "Thomas Kok")]


@pytest.fixture(autouse=True)
def roster(engine: Engine) -> None:
    import_roster(engine, Roster.model_validate(ROSTER))


@pytest.fixture
def relay_port() -> int:
    return free_port()


def process(engine: Engine, data_dir: Path, settings: Settings, *raws: bytes, confirm: Confirm | None = None) -> None:
    for raw in raws:
        store_inbound(engine, data_dir, raw, channel="smtp")
    run_pending(engine, data_dir, "w", confirm=confirm or confirmer(settings))


def deliver(engine: Engine, settings: Settings, port: int) -> list[Received]:
    with running_relay(port) as relay:
        send_due(engine, settings)
    return relay.received


def attachments(received: Received) -> list[tuple[str, str, bytes]]:
    return [(part.get_filename(), part.get_content_type(), part.get_content())
            for part in received.message.iter_attachments()]


def template_sent_at(engine: Engine, employer_id: str) -> dt.datetime | None:
    with Session(engine) as session:
        employer = session.get(Employer, employer_id)
        assert employer is not None
        return employer.template_sent_at


def staff_in(data: bytes) -> list[tuple[str, str]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Mutaties"]
    return [(str(number), name) for number, name, *_ in sheet.iter_rows(min_row=FIRST_ROW, max_col=2,
                                                                         values_only=True) if number or name]


def test_the_first_confirmation_carries_the_template_and_the_second_does_not(engine, data_dir, relay_port):
    settings = make_settings(data_dir, relay_port=relay_port)
    process(engine, data_dir, settings, build_mail("Priya is ziek sinds 16 maart.", subject="Ziek"))
    assert template_sent_at(engine, "garage-hoek") is not None
    [first] = deliver(engine, settings, relay_port)

    [(filename, mime_type, data)] = attachments(first)
    assert (filename, mime_type) == (XLSX, MIME_TYPE)
    assert staff_in(data) == GARAGE_STAFF  # it opens with openpyxl and holds the garage's people, no one else's
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert [tuple(r) for r in book["loonbode"].iter_rows(max_row=3, values_only=True)][2] == ("werkgever",
                                                                                              "garage-hoek")
    assert f"Bijgevoegd: uw eigen Excel-sjabloon voor mutaties ({XLSX})" in first.body
    assert "Ziekmelding – Priya Ramdin – eerste ziektedag 16-03-2026" in first.body
    assert first.message["Auto-Submitted"] == "auto-replied"

    process(engine, data_dir, settings, build_mail("Gerrit heeft 3 overuren gemaakt.", subject="Overuren"))
    [second] = deliver(engine, settings, relay_port)
    assert attachments(second) == []
    assert "sjabloon" not in second.body.lower()
    assert not second.message.is_multipart()

    process(engine, data_dir, settings, build_mail("Hannah Moore has been sick since Monday 16 March.",
                                                   sender=ATELIER, subject="Sick"))
    [atelier] = deliver(engine, settings, relay_port)
    [(filename, _, data)] = attachments(atelier)
    assert filename == "loonbode-sjabloon-atelier-noorderlicht.xlsx"
    assert staff_in(data) == [("9001", "Hannah Moore"), ("9002", "Daniel Okafor")]
    assert "Attached: your own Excel template" in atelier.body and "Bijgevoegd" not in atelier.body

    with Session(engine) as session:
        queued = session.exec(select(AuditEvent).where(AuditEvent.action == "confirmation_queued")
                              .order_by(col(AuditEvent.id))).all()
    assert [e.detail.get("template") for e in queued] == [XLSX, None, "loonbode-sjabloon-atelier-noorderlicht.xlsx"]


def test_the_filled_template_comes_back_read_without_guessing(engine, data_dir, relay_port):
    """Generated, mailed out, filled in with openpyxl, mailed in, read back with every row right."""
    settings = make_settings(data_dir, relay_port=relay_port)
    process(engine, data_dir, settings, build_mail("Bedankt!", subject="Hallo"))
    [first] = deliver(engine, settings, relay_port)
    [(_, _, data)] = attachments(first)

    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["Mutaties"]
    for row, cells in {
        FIRST_ROW: {"Soort mutatie": "Uren", "Uren": 7.5, "Soort uren": "Overuren", "Toeslag %": 150,
                    "Periode": "2026-03"},
        FIRST_ROW + 1: {"Soort mutatie": "Ziekmelding", "Ingangsdatum": dt.date(2026, 3, 16), "Percentage": 50},
        FIRST_ROW + 8: {"Naam": "Sem de Jong", "Soort mutatie": "Indienstmelding",
                        "Ingangsdatum": dt.date(2026, 4, 1), "Uren per week": 32},
    }.items():
        for label, value in cells.items():
            sheet.cell(row=row, column=COL[label], value=value)
    out = io.BytesIO()
    book.save(out)
    process(engine, data_dir, settings, build_mail("Hierbij de mutaties.", subject="Mutaties maart",
                                                   attachments=[(XLSX, out.getvalue(), MIME_TYPE)]))

    with Session(engine) as session:
        drafts = session.exec(select(DraftRow).order_by(col(DraftRow.id))).all()
    assert [(d.type, d.employee_id, d.employee_name, d.fields, d.confidence, d.source["location"])
            for d in drafts] == [
        ("hours", "71", "Gerrit Hoek", {"hours": 7.5, "kind": "overtime", "period": "2026-03",
                                        "rate_percentage": 150}, 1.0, "Mutaties!A4:I4"),
        ("sick", "72", "Priya Ramdin", {"start_date": "2026-03-16", "percentage": 50}, 1.0, "Mutaties!A5:J5"),
        ("hire", None, "Sem de Jong", {"start_date": "2026-04-01", "hours_per_week": 32}, 1.0, "Mutaties!A12:O12"),
    ]
    assert all(d.source["part"] == f"attachment:{XLSX}" for d in drafts)

    [reply] = deliver(engine, settings, relay_port)
    assert READ_LINE in reply.body
    assert ("Uren – Gerrit Hoek – aantal uren 7,5, soort uren overuren, periode maart 2026, toeslagpercentage 150%"
            in reply.body)
    assert "Ziekmelding – Priya Ramdin – eerste ziektedag 16-03-2026, ziek voor 50%" in reply.body
    assert "Indienstmelding – Sem de Jong – in dienst per 01-04-2026, 32 uur per week" in reply.body
    assert "Van Sem de Jong missen wij nog het BSN, de geboortedatum, het IBAN, het salaris en het adres." in reply.body
    assert attachments(reply) == []  # the template went with the first confirmation only


def test_an_english_sender_gets_the_english_line(engine, data_dir, relay_port):
    settings = make_settings(data_dir, relay_port=relay_port)
    process(engine, data_dir, settings, build_mail("Thanks for having us.", sender=ATELIER, subject="Hello"))
    [first] = deliver(engine, settings, relay_port)
    [(filename, _, data)] = attachments(first)
    book = openpyxl.load_workbook(io.BytesIO(data))
    book["Mutaties"].cell(row=FIRST_ROW, column=COL["Soort mutatie"], value="Ziekmelding")
    book["Mutaties"].cell(row=FIRST_ROW, column=COL["Ingangsdatum"], value=dt.date(2026, 3, 16))
    out = io.BytesIO()
    book.save(out)
    process(engine, data_dir, settings, build_mail("Please find the changes attached. Thanks for the help!",
                                                   sender=ATELIER, subject="Changes for March",
                                                   attachments=[(filename, out.getvalue(), MIME_TYPE)]))
    [reply] = deliver(engine, settings, relay_port)
    assert "Your template was read without guessing: every row is one change." in reply.body
    assert "Sick report – Hannah Moore – first day of sickness 16-03-2026" in reply.body
    assert READ_LINE not in reply.body


def test_another_employers_template_is_said_to_be_unread(engine, data_dir, relay_port):
    settings = make_settings(data_dir, relay_port=relay_port)
    process(engine, data_dir, settings, build_mail("Thanks!", sender=ATELIER, subject="Hello"))
    [(filename, _, data)] = attachments(deliver(engine, settings, relay_port)[0])
    process(engine, data_dir, settings, build_mail("Bedankt!", subject="Hallo"))
    deliver(engine, settings, relay_port)

    book = openpyxl.load_workbook(io.BytesIO(data))
    book["Mutaties"].cell(row=FIRST_ROW, column=COL["Soort mutatie"], value="Ziekmelding")
    book["Mutaties"].cell(row=FIRST_ROW, column=COL["Ingangsdatum"], value=dt.date(2026, 3, 16))
    out = io.BytesIO()
    book.save(out)
    process(engine, data_dir, settings, build_mail("Hierbij de mutaties.", subject="Mutaties",
                                                   attachments=[(filename, out.getvalue(), MIME_TYPE)]))
    [reply] = deliver(engine, settings, relay_port)
    assert "Het sjabloon in uw bijlage hoort bij een ander bedrijf; wij hebben er niets uit gelezen." in reply.body
    assert "Ontvangen, geen mutaties gevonden" in reply.body and "Hannah" not in reply.body
    with Session(engine) as session:
        assert session.exec(select(DraftRow).where(DraftRow.employer_id == "garage-hoek")).all() == []


def test_no_template_without_a_confirmation(engine, data_dir):
    settings = make_settings(data_dir)
    out_of_office = build_mail("Ik ben afwezig.", subject="Automatisch antwoord: Mutaties",
                               headers={"Auto-Submitted": "auto-replied"})
    unknown = build_mail("Priya is ziek.", sender="Iemand <iemand@elders.example>")
    process(engine, data_dir, settings, out_of_office, unknown)
    with Session(engine) as session:
        statuses = [m.status for m in session.exec(select(InboundMessage).order_by(col(InboundMessage.id)))]
        assert session.exec(select(OutboundMessage)).all() == []
    assert statuses == [InboundStatus.AUTO_REPLY, InboundStatus.QUARANTINED]
    assert template_sent_at(engine, "garage-hoek") is None


def test_a_failed_transaction_keeps_the_template_for_the_next_confirmation(engine, data_dir):
    settings = make_settings(data_dir)
    hook = confirmer(settings)
    assert hook is not None

    def confirm_then_crash(session, inbound, result, drafts) -> None:  # type: ignore[no-untyped-def]
        hook(session, inbound, result, drafts)
        raise RuntimeError("crash after the confirmation was added")

    process(engine, data_dir, settings, build_mail("Priya is ziek sinds 16 maart."), confirm=confirm_then_crash)
    assert template_sent_at(engine, "garage-hoek") is None

    process(engine, data_dir, settings, build_mail("Gerrit heeft 3 overuren gemaakt.", sender=GARAGE))
    with Session(engine) as session:
        [row] = session.exec(select(OutboundMessage)).all()
    assert row.raw is not None and XLSX.encode() in row.raw
    assert template_sent_at(engine, "garage-hoek") is not None
