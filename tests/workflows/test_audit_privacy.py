"""The audit log says who did what to which id, never what the words or values were."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from alembic import command
from sqlalchemy import Engine, insert
from sqlmodel import Session, col, select

from loonbode.settings import Settings
from notifier.questions import ask_employer
from tests.dashboard.conftest import seeded_dashboard
from tests.parsers.conftest import build_mail
from workflows.db import alembic_config, migrate
from workflows.inbound import store_inbound
from workflows.leave_ledger import accrue_year, correct, decide, request_leave
from workflows.models import AuditEvent, DraftRow, Employee, LeaveRequestRow, SenderAddress
from workflows.pipeline import run_pending
from workflows.quarantine import discard, release_to_employer
from workflows.review import correct as correct_draft
from workflows.review import reject
from workflows.senders import add_sender, remove_sender
from workflows.users import create_user

IBAN = "NL91ABNA0417164300"
# Words that reach the system in this test and must stay out of every audit detail.
PERSONAL = ("Priya", "Ramdin", "Gerrit", "onbekend@elders.example", "nieuw@garagehoek.example", "karin@",
            "Zwolle", "ruzie", "schoonmoeder", "al eerder gemeld", IBAN, "Verbeek", "Kerkstraat")


def details(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        return [(e.action, json.dumps(e.detail, ensure_ascii=False))
                for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))]


def test_no_audit_detail_holds_a_value_a_reason_or_an_address(engine: Engine, data_dir: Path):
    board = seeded_dashboard(engine, data_dir)
    actor = "anna@bureau.example"

    sick, hours, salary = board.drafts["garage-hoek"]
    reject(engine, hours, "al eerder gemeld door Gerrit", scope=None, actor=actor)
    ask_employer(engine, Settings(data_dir=data_dir), sick, "Is Priya Ramdin echt ziek?",  # type: ignore[call-arg]
                 scope=None, actor=actor)
    correct_draft(engine, salary, {"effective_date": "2026-05-01", "salary_amount": "3200", "salary_period": "month"},
                  scope=None, actor=actor, today=dt.date(2026, 3, 18))
    held = store_inbound(engine, data_dir, build_mail("Karin Verbeek woont nu op de Kerkstraat 5.",
                                                      sender="Nieuw <nieuw@garagehoek.example>"), channel="smtp")
    thrown = store_inbound(engine, data_dir, build_mail("Hallo.", sender="onbekend@elders.example"), channel="smtp")
    run_pending(engine, data_dir, "test")
    release_to_employer(engine, held, "garage-hoek", actor)
    discard(engine, thrown, actor)
    run_pending(engine, data_dir, "test")
    added = add_sender(engine, "garage-hoek", "karin@garagehoek.example", actor=actor)
    assert added
    with Session(engine) as session:
        priya = session.exec(select(Employee).where(Employee.number == "72")).one()
        address = session.exec(select(SenderAddress).where(SenderAddress.address == "karin@garagehoek.example")).one()
    remove_sender(engine, "garage-hoek", address.id or 0, actor=actor)
    create_user(engine, "karin@garagehoek.example", role="employer", employer_id="garage-hoek",
                password="een lang wachtwoord", actor=actor)
    accrue_year(engine, priya.id or 0, 2026, actor=actor)
    correct(engine, priya.id or 0, "statutory", 2026, 4, "na ruzie met schoonmoeder", actor=actor)
    wish = request_leave(engine, priya.id or 0, "vacation", dt.date(2026, 4, 6), dt.date(2026, 4, 6), 8, "telegram",
                         "Naar Zwolle", actor="telegram:1")
    decide(engine, wish.id or 0, False, actor=actor, today=dt.date(2026, 3, 18), reason="ruzie in het team")

    leaks = [(action, detail) for action, detail in details(engine) if any(p in detail for p in PERSONAL)]
    assert leaks == []
    # The words are where they belong: on the rows the bureau and the employee see.
    with Session(engine) as session:
        assert session.get(DraftRow, hours).reason == "al eerder gemeld door Gerrit"  # type: ignore[union-attr]
        assert session.get(DraftRow, sick).reason == "Is Priya Ramdin echt ziek?"  # type: ignore[union-attr]
        assert session.get(LeaveRequestRow, wish.id).reason == "ruzie in het team"  # type: ignore[union-attr]
    # What the audit does say: ids, field names, statuses and counts.
    events = dict(details(engine))
    assert json.loads(events["corrected"]) == {"changed": ["effective_date", "salary_amount"]}
    assert json.loads(events["rejected"]) == {} and json.loads(events["leave_rejected"]) == {}
    assert json.loads(events["leave_corrected"]) == {"kind": "statutory", "year": 2026, "hours": 4.0}
    assert json.loads(events["released"]) == {"employer": "garage-hoek"}
    html = board.login("bureau").get(f"/drafts/{salary}").text
    assert "verbeterd (ingangsdatum, salaris)" in html  # the history names fields, in words


def test_the_migration_takes_personal_data_out_of_older_audit_events(engine: Engine):
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
    old = [("rejected", {"reason": "Gerrit zegt van niet"}), ("question_asked", {"question": "Is Priya ziek?",
                                                                                  "message_id": "<q@x>"}),
           ("received", {"size": 10, "from": "ria@garagehoek.example"}), ("sender_added", {"address": "a@b.nl"}),
           ("leave_corrected", {"kind": "extra", "note": "ruzie", "hours": 2}), ("approved", {}),
           ("exported", {"drafts": [1, 2]})]
    with engine.begin() as connection:
        connection.execute(insert(AuditEvent.__table__), [  # type: ignore[attr-defined]
            {"at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "actor": "x", "action": action, "subject_type": "draft",
             "subject_id": "1", "detail": detail} for action, detail in old])
    migrate(engine)
    assert [json.loads(d) for _, d in details(engine)] == [
        {}, {"message_id": "<q@x>"}, {"size": 10}, {}, {"kind": "extra", "hours": 2}, {}, {"drafts": [1, 2]}]

