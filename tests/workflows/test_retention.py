"""Retention: raw mail goes once its drafts are done and the days have passed; the drafts stay."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from dashboard.app import create_app
from loonbode.settings import Settings
from notifier.questions import ask_employer
from parsers.roster import Roster
from tests.dashboard.conftest import PASSWORD, USERS, log_in
from tests.parsers.conftest import ROSTER, build_mail
from workflows.export import export_period
from workflows.inbound import store_inbound
from workflows.models import AuditEvent, DraftRow, InboundMessage, InboundStatus, utcnow
from workflows.pipeline import run_pending
from workflows.quarantine import discard
from workflows.retention import PURGED_PATH, purge_raw_mail
from workflows.review import ReviewError, approve, reject, reopen
from workflows.roster_store import import_roster
from workflows.users import create_user

HOURS = "Gerrit heeft 6 overuren gemaakt à 125%."
LATER = dt.timedelta(days=91)


@pytest.fixture
def stored(engine, data_dir: Path):  # type: ignore[no-untyped-def]
    import_roster(engine, Roster.model_validate(ROSTER), actor="test")

    def store(body: str, **mail: object) -> int:
        inbound_id = store_inbound(engine, data_dir, build_mail(body, **mail), channel="smtp")  # type: ignore[arg-type]
        run_pending(engine, data_dir, "test")
        return inbound_id

    return store


def message(engine, inbound_id: int) -> InboundMessage:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        found = session.get(InboundMessage, inbound_id)
        assert found is not None
        return found


def drafts_of(engine, inbound_id: int) -> list[DraftRow]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return list(session.exec(select(DraftRow).where(DraftRow.inbound_id == inbound_id).order_by(col(DraftRow.id))))


def export_all(engine, inbound_id: int) -> None:  # type: ignore[no-untyped-def]
    for draft in drafts_of(engine, inbound_id):
        approve(engine, draft.id or 0, scope=None, actor="anna@bureau.example")
    export_period(engine, "garage-hoek", drafts_of(engine, inbound_id)[0].period or "", "anna@bureau.example")


def purge(engine, data_dir: Path, after: dt.timedelta = LATER):  # type: ignore[no-untyped-def]
    return purge_raw_mail(engine, data_dir, now=utcnow() + after, retention_days=90)


def test_raw_mail_of_exported_drafts_goes_after_the_retention_days_and_the_drafts_stay(engine, data_dir: Path,
                                                                                      stored):
    inbound_id = stored(HOURS)
    export_all(engine, inbound_id)
    raw_file = data_dir / message(engine, inbound_id).raw_path
    before = [(d.id, d.status, d.fields, d.source) for d in drafts_of(engine, inbound_id)]

    assert purge(engine, data_dir, dt.timedelta(days=89)).messages == 0  # the clock starts at the export
    assert raw_file.exists()

    done = purge(engine, data_dir)
    assert (done.messages, done.files_deleted, done.message_ids) == (1, 1, [inbound_id])
    assert not raw_file.exists()
    row = message(engine, inbound_id)
    assert row.raw_path == PURGED_PATH and row.purged_at is not None
    assert row.status == InboundStatus.PARSED and row.subject == "Mutaties"  # the row itself stays
    assert [(d.id, d.status, d.fields, d.source) for d in drafts_of(engine, inbound_id)] == before
    with Session(engine) as session:
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "raw_purged")).all()
    assert (event.subject_type, event.subject_id, event.detail) == ("inbound", str(inbound_id),
                                                                   {"retention_days": 90})
    assert purge(engine, data_dir).messages == 0  # once


def test_mail_with_drafts_still_open_or_never_exported_stays(engine, data_dir: Path, stored):
    open_mail = stored(HOURS)
    rejected_mail = stored("Priya is sinds maandag ziek.")
    for draft in drafts_of(engine, rejected_mail):
        reject(engine, draft.id or 0, "niet voor ons", scope=None, actor="anna@bureau.example")
    mixed = stored("Gerrit heeft 3 overuren gemaakt à 150%.\nStijn heeft 2 uur ORT gewerkt.", subject="Uren")
    first, *rest = drafts_of(engine, mixed)
    assert rest, "the mixed mail should give two drafts"
    approve(engine, first.id or 0, scope=None, actor="anna@bureau.example")
    export_period(engine, "garage-hoek", first.period or "", "anna@bureau.example")

    assert purge(engine, data_dir, dt.timedelta(days=1000)).messages == 0
    for inbound_id in (open_mail, rejected_mail, mixed):
        assert (data_dir / message(engine, inbound_id).raw_path).is_file()


def test_mail_without_drafts_goes_unless_a_person_still_has_to_look_at_it(engine, data_dir: Path, stored):
    auto = stored("Ik ben afwezig.", subject="Automatisch antwoord: Mutaties")
    bulk = stored("Onze nieuwsbrief.", subject="Nieuws", headers={"List-Unsubscribe": "<mailto:x@y.example>"})
    held = stored("Mark is ziek.", sender="x@elders.example")
    thrown = stored("Koop printers.", sender="verkoop@printers.example")
    discard(engine, thrown, "anna@bureau.example")
    assert [message(engine, i).status for i in (auto, bulk, held, thrown)] == [
        InboundStatus.AUTO_REPLY, InboundStatus.BULK, InboundStatus.QUARANTINED, InboundStatus.DISCARDED]

    assert sorted(purge(engine, data_dir).message_ids) == [auto, bulk, thrown]
    assert message(engine, held).purged_at is None
    assert (data_dir / message(engine, held).raw_path).is_file()


def test_failed_mail_is_never_purged(engine, data_dir: Path, stored):
    inbound_id = store_inbound(engine, data_dir, build_mail(HOURS), channel="smtp")
    with Session(engine) as session:
        row = session.get(InboundMessage, inbound_id)
        row.status, row.processed_at = InboundStatus.FAILED, utcnow()  # type: ignore[union-attr]
        session.add(row)
        session.commit()
    assert purge(engine, data_dir, dt.timedelta(days=1000)).messages == 0


def test_a_file_shared_by_two_messages_goes_only_when_both_are_purged(engine, data_dir: Path, stored):
    raw = build_mail(HOURS)
    first = store_inbound(engine, data_dir, raw, channel="smtp")
    second = store_inbound(engine, data_dir, raw, channel="imap")  # the same bytes: one file
    run_pending(engine, data_dir, "test")
    assert message(engine, second).status == InboundStatus.DUPLICATE
    shared = data_dir / message(engine, first).raw_path

    done = purge(engine, data_dir)  # the duplicate may go, its file not: the original's drafts are open
    assert (done.message_ids, done.files_deleted, done.files_kept) == ([second], 0, 1)
    assert shared.is_file() and message(engine, first).purged_at is None

    export_all(engine, first)
    assert purge(engine, data_dir).files_deleted == 1
    assert not shared.exists()


def test_screens_and_questions_say_the_mail_was_deleted(engine, data_dir: Path, stored):
    inbound_id = stored("Gerrit heeft 6 overuren gemaakt à 125%.\nStijn heeft 2 uur ORT gewerkt.")
    first, second = drafts_of(engine, inbound_id)
    approve(engine, first.id or 0, scope=None, actor="anna@bureau.example")
    export_period(engine, "garage-hoek", first.period or "", "anna@bureau.example")
    reject(engine, second.id or 0, "dubbel gemeld", scope=None, actor="anna@bureau.example")
    assert purge(engine, data_dir).message_ids == [inbound_id]
    reopen(engine, second.id or 0, scope=None, actor="anna@bureau.example")  # a draft back under review

    settings = Settings(data_dir=data_dir)  # type: ignore[call-arg]
    with pytest.raises(ReviewError, match="na 90 dagen verwijderd"):
        ask_employer(engine, settings, second.id or 0, "Klopt dit?", scope=None, actor="anna@bureau.example")
    create_user(engine, USERS["bureau"][0], role="bureau", password=PASSWORD, actor="test")
    settings = settings.model_copy(update={"require_two_factor_for_bureau": False})  # a password is enough here
    client = TestClient(create_app(settings, engine), base_url="http://testserver",  # type: ignore[arg-type]
                        follow_redirects=False)
    log_in(client, USERS["bureau"][0], PASSWORD)
    for draft in (first, second):
        page = client.get(f"/drafts/{draft.id}")
        assert page.status_code == 200
        assert "De oorspronkelijke mail is na 90 dagen verwijderd" in page.text
    assert "6 overuren" in client.get(f"/drafts/{first.id}").text  # the sentence it was read from stays
