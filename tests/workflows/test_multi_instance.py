"""Two workers on one database process every stored mail exactly once.

On PostgreSQL two worker processes (each the loop `loonbode serve` runs around
`run_pending`, under its own name) share 200 stored mails; on SQLite two threads do the
same against `claim_next`'s conditional UPDATE. Among the mails are copies of the same
mail stored next to each other, so both workers tend to reach them at the same moment.
Afterwards every message is in the state it should be, every parsed mail has its own
drafts exactly once, and both workers did part of the work.

The pipeline clears `claimed_by` and its audit rows say only "worker", so the workers here
pass a `confirm` callback that writes an audit row with their own name inside the
transaction that commits the drafts: one such row per parsed mail says who made them.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from parsers.mail import parse_mail
from parsers.roster import Roster
from tests.parsers.conftest import ATELIER, ROSTER, build_mail
from workflows.inbound import store_inbound
from workflows.models import AuditEvent, DraftRow, InboundMessage, InboundStatus, MessageKey
from workflows.pipeline import run_pending
from workflows.roster_store import import_roster

ROOT = Path(__file__).resolve().parents[2]
WORKERS = ("worker-a", "worker-b")
MADE_DRAFTS = "test:made-drafts"

# One worker process: connect, say "ready", wait for "go" so both start together, work,
# and print how many messages it claimed.
WORKER_PROCESS = """
import sys
from pathlib import Path

from tests.workflows.test_multi_instance import work
from workflows.db import create_db_engine

url, data_dir, name = sys.argv[1:]
engine = create_db_engine(url)
engine.connect().close()
print("ready", flush=True)
sys.stdin.readline()
print(work(engine, Path(data_dir), name), flush=True)
"""


def work(engine: Engine, data_dir: Path, name: str) -> int:
    """A worker's loop: process until nothing waits; returns how many messages it claimed."""

    def record(session: Session, message: InboundMessage, _result: object, drafts: list[DraftRow]) -> None:
        session.add(AuditEvent(actor=name, action=MADE_DRAFTS, subject_type="inbound", subject_id=str(message.id),
                               detail={"drafts": len(drafts)}))

    claimed = 0
    while True:
        claimed += run_pending(engine, data_dir, name, confirm=record)
        # run_pending also returns when it lost a race for the last message it saw.
        with Session(engine) as session:
            waiting = session.exec(select(func.count()).select_from(InboundMessage)
                                   .where(InboundMessage.status == InboundStatus.RECEIVED)).one()
        if waiting == 0:
            return claimed


def store_mails(engine: Engine, data_dir: Path) -> dict[int, tuple[str, int]]:
    """Store 200 mails; returns, per inbound id, what it should become and how many drafts it makes.

    160 distinct mails from known senders (1 to 3 mutations each; 20 of them stored twice,
    one copy right after the other), 10 from unknown senders and 10 automatic replies.
    Copies are keyed "copy:<first id>": one of the pair is parsed, the other a duplicate.
    """
    import_roster(engine, Roster.model_validate(ROSTER))
    roster = Roster.model_validate(ROSTER)
    received = dt.datetime(2026, 3, 18, 9, 30, tzinfo=dt.UTC)
    expected: dict[int, tuple[str, int]] = {}
    for i in range(160):
        hours = 1 + i % 40
        if i % 4 == 3:
            lines = [f"Hannah worked {hours} hours overtime in February.", "Daniel has been sick since Monday."]
            raw = build_mail("\n".join(lines[: 1 + i % 2]), sender=ATELIER, message_id=f"<multi-{i}@example.org>")
        else:
            lines = [f"Gerrit heeft {hours} overuren gemaakt in februari.", "Priya is sinds maandag ziek.",
                     f"Bas heeft {hours + 1} overuren gemaakt in februari."]
            raw = build_mail("\n".join(lines[: 1 + i % 3]), message_id=f"<multi-{i}@example.org>")
        drafts = len(parse_mail(raw, roster, filename=f"multi-{i}.eml", received_at=received).mutations)
        assert drafts >= 1, f"test mail {i} should make drafts"
        first = store_inbound(engine, data_dir, raw, channel="smtp", received_at=received)
        if i % 8 == 0:
            second = store_inbound(engine, data_dir, raw, channel="imap", received_at=received)
            expected[first] = expected[second] = (f"copy:{first}", drafts)
        else:
            expected[first] = (InboundStatus.PARSED, drafts)
        if i % 16 == 5:
            raw = build_mail(f"Mark is ziek ({i}).", sender=f"x{i}@elders.example", message_id=f"<stranger-{i}@x>")
            expected[store_inbound(engine, data_dir, raw, channel="smtp")] = (InboundStatus.QUARANTINED, 0)
        if i % 16 == 11:
            raw = build_mail(f"Ik ben afwezig tot {1 + i % 28} april.", subject="Automatisch antwoord: Mutaties",
                             message_id=f"<away-{i}@example.org>")
            expected[store_inbound(engine, data_dir, raw, channel="smtp")] = (InboundStatus.AUTO_REPLY, 0)
    assert len(expected) == 200
    return expected


def assert_processed_exactly_once(engine: Engine, expected: dict[int, tuple[str, int]],
                                  claimed: dict[str, int]) -> None:
    with Session(engine) as session:
        messages = {m.id: m for m in session.exec(select(InboundMessage)).all()}
        drafts_per_message = Counter(d.inbound_id for d in session.exec(select(DraftRow)).all())
        keys = {k.key: k.inbound_id for k in session.exec(select(MessageKey)).all()}
        audit = session.exec(select(AuditEvent).where(AuditEvent.subject_type == "inbound")).all()

    # Each claim is one message taken: together the workers claimed each message once.
    assert sum(claimed.values()) == len(expected), claimed
    assert messages.keys() == expected.keys()

    parsed_copies: dict[str, list[int]] = {}
    for message_id, (outcome, drafts) in expected.items():
        message = messages[message_id]
        assert message.status != InboundStatus.FAILED, (message_id, message.status_detail)
        assert (message.attempts, message.claimed_by) == (1, None), message_id
        if outcome.startswith("copy:"):
            assert message.status in (InboundStatus.PARSED, InboundStatus.DUPLICATE), message.status_detail
            if message.status == InboundStatus.PARSED:
                parsed_copies.setdefault(outcome, []).append(message_id)
                assert drafts_per_message[message_id] == drafts
            else:
                assert drafts_per_message[message_id] == 0
        else:
            assert message.status == outcome, (message_id, message.status_detail)
            assert drafts_per_message[message_id] == (drafts if outcome == InboundStatus.PARSED else 0)

    # Of two copies exactly one made drafts, and the other points at it.
    copies = {outcome: drafts for outcome, drafts in expected.values() if outcome.startswith("copy:")}
    assert parsed_copies.keys() == copies.keys()
    assert all(len(winners) == 1 for winners in parsed_copies.values()), parsed_copies
    for outcome, [winner] in parsed_copies.items():
        [loser] = [i for i, (o, _) in expected.items() if o == outcome and i != winner]
        assert messages[loser].duplicate_of == winner
        assert keys[f"mid:{messages[winner].message_id}"] == winner

    singles = sum(drafts for outcome, drafts in expected.values() if outcome == InboundStatus.PARSED)
    assert sum(drafts_per_message.values()) == singles + sum(copies.values())

    # The pipeline's own audit trail: never two outcomes for one message. (A copy that lost
    # the race at commit is marked duplicate without one.)
    outcomes = Counter(e.subject_id for e in audit if e.actor == "worker")
    assert max(outcomes.values()) == 1

    # Who made the drafts: one record per parsed message, from one of the two workers, and
    # both workers made some.
    makers = [e for e in audit if e.action == MADE_DRAFTS]
    parsed = {i for i, m in messages.items() if m.status == InboundStatus.PARSED}
    assert sorted(int(e.subject_id) for e in makers) == sorted(parsed)
    assert {e.actor for e in makers} == set(WORKERS)
    assert all(count > 0 for count in claimed.values()), claimed


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_two_worker_processes_on_postgres_process_each_mail_once(engine: Engine, data_dir: Path):
    expected = store_mails(engine, data_dir)
    url = engine.url.render_as_string(hide_password=False)
    processes = [subprocess.Popen([sys.executable, "-c", WORKER_PROCESS, url, str(data_dir), name], cwd=ROOT,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for name in WORKERS]
    try:
        for process in processes:
            assert process.stdout.readline().strip() == "ready", process.communicate(timeout=30)[1]
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        outputs = [process.communicate(timeout=300) for process in processes]
    finally:
        for process in processes:
            process.kill()
            process.wait()
    for process, (_out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
    claimed = {name: int(out.strip()) for name, (out, _err) in zip(WORKERS, outputs, strict=True)}
    assert_processed_exactly_once(engine, expected, claimed)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_two_worker_threads_on_sqlite_process_each_mail_once(engine: Engine, data_dir: Path):
    expected = store_mails(engine, data_dir)
    start = threading.Barrier(len(WORKERS))
    claimed: dict[str, int] = {}
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            start.wait()
            claimed[name] = work(engine, data_dir, name)
        except BaseException as exc:  # reported by the test thread below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(name,)) for name in WORKERS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert_processed_exactly_once(engine, expected, claimed)
