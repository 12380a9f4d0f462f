"""Group commit: mails that queue up while a batch is written are stored together, and one
mail that cannot be stored fails alone, never its neighbours."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from intake.store_queue import StoreQueue
from workflows.inbound import Arrival, store_arrivals
from workflows.models import AuditEvent, InboundMessage
from workflows.rawstore import content_hash, raw_path


def arrival(n: int) -> Arrival:
    return Arrival(raw=f"Message-ID: <{n}@demo.example>\r\nSubject: {n}\r\n\r\nPriya is ziek ({n}).\r\n".encode(),
                   channel="smtp", envelope_from="werkgever@demo.example", envelope_to=("mutaties@bureau.example",))


def block_raw_folder(data_dir: Path, mail: Arrival) -> None:
    """A plain file where this mail's raw folder must go: storing exactly this mail fails."""
    folder = (data_dir / raw_path(content_hash(mail.raw))).parent
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("in de weg")


def stored(engine: Engine) -> list[InboundMessage]:
    with Session(engine) as session:
        return list(session.exec(select(InboundMessage).order_by(InboundMessage.id)))


def hold_write_lock(engine: Engine, locked: threading.Event, release: threading.Event) -> None:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.execute(text("LOCK TABLE inbound_messages IN EXCLUSIVE MODE"))
        locked.set()
        release.wait(30)
        connection.rollback()


def test_a_batch_is_all_or_nothing(engine: Engine, data_dir: Path):
    good, bad = arrival(1), arrival(2)
    block_raw_folder(data_dir, bad)
    with pytest.raises(OSError):
        store_arrivals(engine, data_dir, [good, bad])
    assert stored(engine) == []
    ids = store_arrivals(engine, data_dir, [good, arrival(3)])
    rows = stored(engine)
    assert [r.id for r in rows] == ids and [(data_dir / r.raw_path).read_bytes() for r in rows] == [
        good.raw, arrival(3).raw]
    with Session(engine) as session:
        audited = sorted(int(e.subject_id) for e in session.exec(select(AuditEvent)))
    assert audited == sorted(ids)


def test_queued_mails_share_a_commit_and_a_bad_one_fails_alone(engine: Engine, data_dir: Path,
                                                              caplog: pytest.LogCaptureFixture):
    mails = [arrival(n) for n in range(6)]
    block_raw_folder(data_dir, mails[3])
    queue = StoreQueue(engine, data_dir)
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=hold_write_lock, args=(engine, locked, release))
    holder.start()
    assert locked.wait(10)

    async def send_all() -> list[int | BaseException]:
        first = asyncio.ensure_future(queue.store(mails[0]))  # the writer takes it and waits for the lock
        await asyncio.sleep(0.2)
        rest = [asyncio.ensure_future(queue.store(m)) for m in mails[1:]]  # these queue up behind it
        await asyncio.sleep(0.2)
        release.set()
        return await asyncio.gather(first, *rest, return_exceptions=True)

    try:
        results = asyncio.run(send_all())
    finally:
        release.set()
        holder.join()
        queue.close()
    assert isinstance(results[3], OSError), results
    assert "5 mails samen opslaan mislukte" in caplog.text  # they were one batch, then one by one
    good = [r for i, r in enumerate(results) if i != 3]
    assert all(isinstance(r, int) for r in good), results
    rows = stored(engine)
    assert sorted(r.id for r in rows) == sorted(good)  # type: ignore[type-var]
    assert sorted((data_dir / r.raw_path).read_bytes() for r in rows) == sorted(
        m.raw for i, m in enumerate(mails) if i != 3)


def test_concurrent_sessions_each_get_their_own_mail_stored(engine: Engine, data_dir: Path):
    queue = StoreQueue(engine, data_dir)
    mails = [arrival(n) for n in range(40)]

    async def send() -> list[int]:
        return list(await asyncio.gather(*(queue.store(m) for m in mails)))

    try:
        ids = asyncio.run(send())
    finally:
        queue.close()
    with Session(engine) as session:
        assert [(data_dir / session.get(InboundMessage, i).raw_path).read_bytes() for i in ids] == [  # type: ignore[union-attr]
            m.raw for m in mails]
