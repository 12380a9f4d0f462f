"""The one reminder about a leave request left open two working days: when, to whom, and only once."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from loonbode.settings import Settings
from notifier.leave_reminders import remind_open_requests, reminder_due_at
from parsers.roster import Roster
from tests.parsers.conftest import ROSTER
from workflows.leave_ledger import accrue_year, decide, request_leave
from workflows.models import Employee, LeaveRequestRow, OutboundMessage
from workflows.periods import AMSTERDAM
from workflows.roster_store import import_roster


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=AMSTERDAM).astimezone(dt.UTC)  # type: ignore[misc]


@pytest.mark.parametrize(("made", "due"), [
    (local(2026, 3, 18, 10, 0), local(2026, 3, 20, 10, 0)),   # Wednesday -> Friday
    (local(2026, 3, 19, 16, 30), local(2026, 3, 23, 16, 30)),  # Thursday -> Monday
    (local(2026, 3, 21, 9, 0), local(2026, 3, 24, 9, 0)),     # Saturday -> Tuesday
    (local(2026, 4, 2, 11, 0), local(2026, 4, 7, 11, 0)),     # Thursday before Easter: Monday 6 April is a holiday
    (local(2026, 12, 24, 8, 0), local(2026, 12, 29, 8, 0)),   # Christmas Eve: 25 and 26 December off
    (local(2026, 10, 23, 12, 0), local(2026, 10, 27, 12, 0)),  # across the end of summer time (25 October)
])
def test_due_after_two_working_days(made: dt.datetime, due: dt.datetime) -> None:
    assert reminder_due_at(made) == due


@pytest.fixture
def open_request(engine: Engine, tmp_path: Path) -> tuple[Settings, int]:
    import_roster(engine, Roster.model_validate(ROSTER), actor="test")
    with Session(engine) as session:
        priya = session.exec(select(Employee).where(Employee.number == "72")).one()
    assert priya.id is not None
    accrue_year(engine, priya.id, 2026, actor="test")
    request = request_leave(engine, priya.id, "vacation", dt.date(2026, 4, 13), dt.date(2026, 4, 14), 16, "telegram")
    with Session(engine) as session:  # made on Wednesday 18 March, 10:00
        row = session.get(LeaveRequestRow, request.id)
        assert row is not None
        row.created_at = local(2026, 3, 18, 10, 0)
        session.add(row)
        session.commit()
    assert request.id is not None
    return Settings(data_dir=tmp_path, telegram_token=None), request.id  # type: ignore[call-arg]


def reminders(engine: Engine) -> list[OutboundMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboundMessage).where(OutboundMessage.kind == "leave_reminder")
                                 .order_by(col(OutboundMessage.id))))


def test_reminded_once_when_due(engine: Engine, open_request: tuple[Settings, int]) -> None:
    settings, _request_id = open_request
    assert remind_open_requests(engine, settings, now=local(2026, 3, 20, 9, 59)) == 0
    assert remind_open_requests(engine, settings, now=local(2026, 3, 20, 10, 0)) == 1
    assert remind_open_requests(engine, settings, now=local(2026, 3, 25, 10, 0)) == 0
    mails = reminders(engine)
    # garage-hoek has no dashboard user here: its sender addresses are asked, each once.
    assert [m.to_address for m in mails] == ["loon@garagehoek.example", "ria@garagehoek.example"]
    mail = mails[0]
    assert mail.subject.startswith("Herinnering: Verlofaanvraag van Priya Ramdin")
    assert "wacht sinds 18-03-2026 10:00 op uw besluit" in mail.body
    assert "/leave/decide/" in mail.body


def test_a_decided_request_is_not_reminded(engine: Engine, open_request: tuple[Settings, int]) -> None:
    settings, request_id = open_request
    decide(engine, request_id, True, actor="ria@garagehoek.example", today=dt.date(2026, 3, 19))
    assert remind_open_requests(engine, settings, now=local(2026, 3, 30, 10, 0)) == 0
    assert reminders(engine) == []


def test_two_instances_remind_once(engine: Engine, open_request: tuple[Settings, int]) -> None:
    settings, _request_id = open_request
    counts: list[int] = []
    start = threading.Barrier(4)

    def run() -> None:
        start.wait()
        counts.append(remind_open_requests(engine, settings, now=local(2026, 3, 23, 8, 0)))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(counts) == 1
    assert len({m.to_address for m in reminders(engine)}) == len(reminders(engine)) == 2
