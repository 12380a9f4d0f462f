"""Stored mail becomes drafts exactly once, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlmodel import Session, select

from parsers.roster import Roster
from tests.parsers.conftest import ROSTER, build_mail
from workflows.inbound import store_inbound
from workflows.models import DraftRow, InboundMessage, InboundStatus
from workflows.pipeline import claim_next, process, release_stale, run_pending
from workflows.queries import drafts_json
from workflows.roster_store import import_roster, load_roster


def setup_roster(engine) -> None:
    import_roster(engine, Roster.model_validate(ROSTER))


def test_a_roster_round_trips_through_the_database(engine):
    setup_roster(engine)
    def by_id(roster: Roster) -> list[dict]:
        return sorted(roster.model_dump()["employers"], key=lambda e: e["id"])

    assert by_id(load_roster(engine)) == by_id(Roster.model_validate(ROSTER))


def test_a_stored_mail_becomes_drafts_once(engine, data_dir: Path):
    setup_roster(engine)
    message_id = store_inbound(engine, data_dir, build_mail("Priya is sinds maandag ziek."), channel="smtp")
    assert run_pending(engine, data_dir, "w1") == 1
    assert run_pending(engine, data_dir, "w1") == 0
    drafts = drafts_json(engine)
    assert [(d["type"], d["employee_id"]) for d in drafts] == [("sick", "72")]
    assert drafts[0]["message_id"].endswith("@example.org>")
    with Session(engine) as session:
        assert session.get(InboundMessage, message_id).status == InboundStatus.PARSED


def test_the_same_mail_twice_gives_one_set_of_drafts(engine, data_dir: Path):
    setup_roster(engine)
    raw = build_mail("Gerrit heeft 4 overuren gemaakt in februari.")
    first = store_inbound(engine, data_dir, raw, channel="smtp")
    second = store_inbound(engine, data_dir, raw, channel="imap")
    run_pending(engine, data_dir, "w1")
    with Session(engine) as session:
        assert session.get(InboundMessage, second).status == InboundStatus.DUPLICATE
        assert session.get(InboundMessage, second).duplicate_of == first
        assert len(session.exec(select(DraftRow)).all()) == 1


def test_unknown_senders_are_quarantined_and_auto_replies_marked(engine, data_dir: Path):
    setup_roster(engine)
    unknown = store_inbound(engine, data_dir, build_mail("Mark is ziek.", sender="x@elders.example"), channel="smtp")
    auto = store_inbound(engine, data_dir, build_mail("Ik ben afwezig.", subject="Automatisch antwoord: x"),
                         channel="smtp")
    run_pending(engine, data_dir, "w1")
    with Session(engine) as session:
        assert session.get(InboundMessage, unknown).status == InboundStatus.QUARANTINED
        assert session.get(InboundMessage, auto).status == InboundStatus.AUTO_REPLY
        assert session.exec(select(DraftRow)).all() == []


def test_a_message_claimed_by_a_worker_that_died_is_handed_back(engine, data_dir: Path):
    setup_roster(engine)
    message_id = store_inbound(engine, data_dir, build_mail("Priya is ziek."), channel="smtp")
    assert claim_next(engine, "dead-worker") == message_id
    assert claim_next(engine, "other") is None
    assert release_stale(engine, older_than=dt.timedelta(seconds=-1)) == 1
    assert claim_next(engine, "other") == message_id
    assert process(engine, data_dir, message_id) == InboundStatus.PARSED


def test_a_failure_keeps_the_mail_and_says_why(engine, data_dir: Path):
    setup_roster(engine)
    message_id = store_inbound(engine, data_dir, build_mail("Priya is ziek."), channel="smtp")
    with Session(engine) as session:
        raw_path = session.get(InboundMessage, message_id).raw_path
    (data_dir / raw_path).unlink()
    claim_next(engine, "w1")
    assert process(engine, data_dir, message_id) == InboundStatus.FAILED
    with Session(engine) as session:
        message = session.get(InboundMessage, message_id)
        assert message.status_detail.startswith("FileNotFoundError")
