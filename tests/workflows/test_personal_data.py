"""One employee's data: all of it as JSON, and erased where the law allows, with what stays said."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from parsers.roster import Roster
from tests.parsers.conftest import ROSTER, build_mail
from workflows.export import export_period
from workflows.inbound import store_inbound
from workflows.leave_ledger import accrue_year, decide, request_leave
from workflows.models import (
    AuditEvent,
    DraftRow,
    DraftStatus,
    Employee,
    InboundMessage,
    LeaveEntry,
    LeaveRequestRow,
    LeaveStatus,
    LinkCode,
    OutboundMessage,
    SentNotice,
    TelegramChat,
    utcnow,
)
from workflows.personal_data import ERASED_REASON, erase_employee, export_employee, find_employee
from workflows.pipeline import run_pending
from workflows.review import approve
from workflows.roster_store import import_roster
from workflows.senders import add_sender
from workflows.telegram_links import issue_code

IBAN = "NL91ABNA0417164300"
CHAT = 5550071
TODAY = dt.date(2026, 3, 2)


@dataclass
class Gerrit:
    id: int
    exported_mail: int  # his overtime, exported
    own_mail: int  # only his new IBAN, still open
    shared_mail: int  # his and Priya's hours
    pending_request: int
    approved_request: int


def drafts(engine: Engine, **where: object) -> list[DraftRow]:
    with Session(engine) as session:
        query = select(DraftRow).order_by(col(DraftRow.id))
        for name, value in where.items():
            query = query.where(getattr(DraftRow, name) == value)
        return list(session.exec(query))


def rows(engine: Engine, table: type, **where: object) -> list:  # type: ignore[type-arg]
    with Session(engine) as session:
        query = select(table)
        for name, value in where.items():
            query = query.where(getattr(table, name) == value)
        return list(session.exec(query))


def seed(engine: Engine, data_dir: Path) -> Gerrit:
    import_roster(engine, Roster.model_validate(ROSTER), actor="test")
    gerrit = find_employee(engine, "garage-hoek", "71")
    assert gerrit is not None

    def mail(body: str, subject: str) -> int:
        inbound_id = store_inbound(engine, data_dir, build_mail(body, subject=subject), channel="smtp")
        run_pending(engine, data_dir, "test")
        return inbound_id

    exported = mail("Gerrit heeft 6 overuren gemaakt à 125%.", "Uren")
    for draft in drafts(engine, inbound_id=exported):
        approve(engine, draft.id or 0, scope=None, actor="anna@bureau.example")
    export_period(engine, "garage-hoek", "2026-03", "anna@bureau.example")
    own = mail(f"Het nieuwe rekeningnummer van Gerrit is {IBAN}.", "Rekening")
    shared = mail("Gerrit heeft 3 overuren gemaakt à 150%.\nPriya heeft 2 overuren gemaakt à 125%.", "Meer uren")

    accrue_year(engine, gerrit, 2026, actor="test")
    approved = request_leave(engine, gerrit, "vacation", dt.date(2026, 4, 6), dt.date(2026, 4, 7), 16, "telegram",
                             "Ik ga naar mijn moeder in Zwolle", actor=f"telegram:{CHAT}")
    decide(engine, approved.id or 0, True, actor="ria@garagehoek.example", today=TODAY)
    pending = request_leave(engine, gerrit, "vacation", dt.date(2026, 5, 4), dt.date(2026, 5, 4), 8, "telegram",
                            "Tandarts", actor=f"telegram:{CHAT}")
    issue_code(engine, gerrit, actor="anna@bureau.example")
    now = utcnow()
    with Session(engine) as session:
        session.add(TelegramChat(chat_id=CHAT, employee_id=gerrit, linked_at=now, state={"step": "idle"}))
        for channel, to in (("mail", "Gerrit@Example.org"), ("telegram", str(CHAT)), ("mail", "priya@example.org")):
            session.add(OutboundMessage(kind="documents_ready", channel=channel, to_address=to, subject="Loonstrook",
                                        body="Uw loonstrook staat klaar.", message_id=f"<{channel}{to}@test>"))
        session.add(SentNotice(key="documents:1:mail:gerrit@example.org", kind="documents_ready"))
        session.add(SentNotice(key=f"documents:1:telegram:{CHAT}", kind="documents_ready"))
        session.add(SentNotice(key="documents:1:mail:priya@example.org", kind="documents_ready"))
        session.commit()
    return Gerrit(id=gerrit, exported_mail=exported, own_mail=own, shared_mail=shared,
                  pending_request=pending.id or 0, approved_request=approved.id or 0)


def test_the_export_holds_everything_about_the_employee_and_nothing_about_others(engine, data_dir: Path):
    gerrit = seed(engine, data_dir)
    data = json.loads(json.dumps(export_employee(engine, gerrit.id)))  # JSON-able as it is
    assert "onverkort" in data["about"]
    assert (data["employee"]["number"], data["employee"]["email"]) == ("71", "gerrit@example.org")
    assert data["employer"] == {"id": "garage-hoek", "name": "Garage Hoek B.V."}
    assert sorted(d["type"] for d in data["drafts"]) == ["hours", "hours", "personal_data_change"]
    assert {d["employee_id"] for d in data["drafts"]} == {"71"}
    assert IBAN in json.dumps(data)  # their own request: not masked
    assert sorted(r["text"] for r in data["leave_requests"]) == ["Ik ga naar mijn moeder in Zwolle", "Tandarts"]
    assert {e["entry_type"] for e in data["leave_entries"]} == {"accrual", "taken"}
    assert [c["chat_id"] for c in data["telegram_chats"]] == [CHAT]
    assert len(data["link_codes"]) == 1 and "code_hash" not in data["link_codes"][0]
    assert sorted(m["to_address"] for m in data["messages_sent"]) == [str(CHAT), "Gerrit@Example.org"]
    actions = {e["action"] for e in data["audit_events"]}
    assert {"leave_accrued", "leave_requested", "leave_approved", "approved", "link_code_issued"} <= actions
    assert "Priya" not in json.dumps(data) and "priya@" not in json.dumps(data)
    with pytest.raises(LookupError):
        export_employee(engine, 99999)


def test_erasure_deletes_and_scrubs_what_may_go_and_keeps_the_payroll_records(engine, data_dir: Path):
    gerrit = seed(engine, data_dir)
    exported_before = [(d.id, d.fields, d.source, d.status) for d in drafts(engine, status=DraftStatus.EXPORTED)]
    ledger_before = [(e.id, e.minutes) for e in rows(engine, LeaveEntry, employee_id=gerrit.id)]
    raw = {i: data_dir / rows(engine, InboundMessage, id=i)[0].raw_path
           for i in (gerrit.exported_mail, gerrit.own_mail, gerrit.shared_mail)}

    done = erase_employee(engine, gerrit.id, actor="anna@bureau.example", now=utcnow(), data_dir=data_dir)

    assert (done.telegram_chats, done.link_codes, done.messages_deleted, done.notices_deleted) == (1, 1, 2, 2)
    assert (done.drafts_rejected, done.drafts_scrubbed, done.kept_exported_drafts) == (2, 2, 1)
    assert (done.leave_requests_cancelled, done.leave_requests_scrubbed) == (1, 2)
    assert done.kept_leave_entries == len(ledger_before) and "bewaarplicht" in done.kept
    # Payroll records stay exactly as exported, the ledger too.
    assert [(d.id, d.fields, d.source, d.status) for d in drafts(engine, status=DraftStatus.EXPORTED)] == \
        exported_before
    assert [(e.id, e.minutes) for e in rows(engine, LeaveEntry, employee_id=gerrit.id)] == ledger_before
    # What was never exported is rejected and empty, Priya's draft untouched.
    for draft in drafts(engine, employee_id="71", employer_id="garage-hoek"):
        if draft.status != DraftStatus.EXPORTED:
            assert (draft.status, draft.reason, draft.fields, draft.employee_name, draft.issues) == (
                DraftStatus.REJECTED, ERASED_REASON, {}, None, [])
            assert "text" not in draft.source
    [priya] = drafts(engine, employee_id="72")
    assert priya.status == DraftStatus.NEW and priya.fields["hours"] == 2
    # Chats, codes, messages and notices to him are gone; Priya's stay.
    assert rows(engine, TelegramChat) == [] and rows(engine, LinkCode, employee_id=gerrit.id) == []
    assert [m.to_address for m in rows(engine, OutboundMessage)] == ["priya@example.org"]
    assert [n.key for n in rows(engine, SentNotice)] == ["documents:1:mail:priya@example.org"]
    requests = {r.id: r for r in rows(engine, LeaveRequestRow, employee_id=gerrit.id)}
    assert requests[gerrit.pending_request].status == LeaveStatus.CANCELLED
    assert requests[gerrit.approved_request].status == LeaveStatus.APPROVED
    assert all(r.text is None and r.reason is None for r in requests.values())
    [employee] = rows(engine, Employee, id=gerrit.id)
    assert (employee.number, employee.first_name, employee.email, employee.birth_date) == ("71", "Gerrit", None, None)
    assert employee.hours_per_week == 40
    # His own mails are gone; the one about Priya too stays until retention.
    assert sorted(done.message_ids) == sorted([gerrit.exported_mail, gerrit.own_mail]) and done.raw_mails_deleted == 2
    assert not raw[gerrit.exported_mail].exists() and not raw[gerrit.own_mail].exists()
    assert raw[gerrit.shared_mail].is_file()
    # Logged once, with ids and counts only.
    [event] = rows(engine, AuditEvent, action="employee_erased")
    assert (event.actor, event.subject_type, event.subject_id) == ("anna@bureau.example", "employee", str(gerrit.id))
    assert "gerrit" not in json.dumps(event.detail).lower() and IBAN not in json.dumps(event.detail)

    again = erase_employee(engine, gerrit.id, actor="anna@bureau.example", now=utcnow(), data_dir=data_dir)
    changed = {k: v for k, v in again.counts().items() if not k.startswith(("kept_", "address_"))}
    assert set(changed.values()) == {0}, changed  # nothing more to do the second time


def test_an_address_that_is_also_someone_elses_keeps_its_messages(engine, data_dir: Path):
    gerrit = seed(engine, data_dir)
    add_sender(engine, "garage-hoek", "gerrit@example.org", actor="test")  # he also mails the mutations
    done = erase_employee(engine, gerrit.id, actor="cli", now=utcnow())
    assert done.address_shared and done.messages_deleted == 1  # only the Telegram message
    assert "Gerrit@Example.org" in [m.to_address for m in rows(engine, OutboundMessage)]
    assert done.message_ids == [] and done.raw_mails_deleted == 0  # no data dir: no mail deleted
    with pytest.raises(LookupError):
        erase_employee(engine, 99999, actor="cli", now=utcnow())
