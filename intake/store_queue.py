"""Group commit for the SMTP listener: one writer thread stores what many sessions hand it.

Each SMTP session waits for its own mail to be durable before it answers `250`. Storing one
mail at a time costs a transaction and a folder fsync per mail; while one batch is being
written the next mails queue up, and the writer stores all of them in one transaction
(PostgreSQL and Postfix do the same). A session still hears `250` only after its mail is
committed. When a batch fails, its mails are retried one by one, so one mail that cannot be
stored never turns its neighbours' answers into `451`.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from workflows.inbound import Arrival, store_arrivals

log = logging.getLogger(__name__)

MAX_BATCH_MAILS = 64
MAX_BATCH_BYTES = 32 * 1024 * 1024


@dataclass
class _Pending:
    arrival: Arrival
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[int]


def _settle(future: asyncio.Future[int], result: int | None, error: BaseException | None) -> None:
    if future.done():  # the session went away (cancelled) while its mail was being stored
        if error is None:
            # Stored all the same, but the sender never heard 250 and will likely send it again.
            log.warning("bericht %s opgeslagen, maar de SMTP-sessie was al verbroken: de afzender kreeg geen 250 "
                        "en stuurt het waarschijnlijk opnieuw (dan een duplicaat)", result)
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]


class StoreQueue:
    """`await queue.store(arrival)` returns the stored message's id once it is committed."""

    def __init__(self, engine: Engine, data_dir: Path) -> None:
        self.engine = engine
        self.data_dir = data_dir
        self._pending: queue.Queue[_Pending | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="smtp-store", daemon=True)
        self._thread.start()

    async def store(self, arrival: Arrival) -> int:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self._pending.put(_Pending(arrival, loop, future))
        return await future

    def close(self) -> None:
        """Store what is queued, then stop the writer."""
        self._pending.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            first = self._pending.get()
            if first is None:
                return
            batch, size, closing = [first], len(first.arrival.raw), False
            while len(batch) < MAX_BATCH_MAILS and size < MAX_BATCH_BYTES:
                try:
                    more = self._pending.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    closing = True
                    break
                batch.append(more)
                size += len(more.arrival.raw)
            self._store(batch)
            if closing:
                return

    def _store(self, batch: list[_Pending]) -> None:
        try:
            ids = store_arrivals(self.engine, self.data_dir, [p.arrival for p in batch])
        except Exception as error:
            if len(batch) > 1:
                log.warning("%d mails samen opslaan mislukte (%s); nu een voor een", len(batch), error)
                for pending in batch:
                    self._store([pending])
                return
            for pending in batch:
                _answer(pending, None, error)
            return
        for pending, inbound_id in zip(batch, ids, strict=True):
            _answer(pending, inbound_id, None)


def _answer(pending: _Pending, result: int | None, error: BaseException | None) -> None:
    try:
        pending.loop.call_soon_threadsafe(_settle, pending.future, result, error)
    except RuntimeError:  # the listener's loop is closed: nobody is waiting for this answer any more
        log.warning("antwoord voor een SMTP-sessie kwam na het stoppen (bericht %s)", result)
