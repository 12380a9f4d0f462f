"""The one reminder to an employer about a leave request still open after two working days.

Run by the scheduler every few minutes (`remind_open_requests`). A request is due once two
working days (Monday to Friday, Dutch public holidays excluded) have passed since it was
made, at the same time of day. Each request is claimed with a conditional UPDATE
(`reminded_at` still empty, status still pending) in the transaction that queues the
reminder, so it is reminded exactly once, also with two Loonbode instances on one database
or a job that runs again after a crash. The clock is an argument.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from loonbode.settings import Settings
from notifier.leave_approvals import queue_request_notice
from workflows.models import LeaveRequestRow, LeaveStatus, utcnow
from workflows.periods import AMSTERDAM
from workflows.working_days import add_working_days

log = logging.getLogger(__name__)

REMIND_AFTER_WORKING_DAYS = 2


def reminder_due_at(created_at: dt.datetime, working_days: int = REMIND_AFTER_WORKING_DAYS) -> dt.datetime:
    """When a request made at `created_at` is reminded: that many working days later, same time (Amsterdam)."""
    local = (created_at if created_at.tzinfo else created_at.replace(tzinfo=dt.UTC)).astimezone(AMSTERDAM)
    target = add_working_days(local.date(), working_days)
    return dt.datetime.combine(target, local.timetz()).astimezone(dt.UTC)


def remind_open_requests(engine: Engine, settings: Settings, *, now: dt.datetime | None = None) -> int:
    """Queue the reminder for every pending request that is due and not reminded yet; returns how many."""
    now = now or utcnow()
    # Nothing made in the last two calendar days can be due: two working days take at least that.
    with Session(engine) as session:
        candidates = list(session.exec(select(LeaveRequestRow.id, LeaveRequestRow.created_at).where(
            LeaveRequestRow.status == LeaveStatus.PENDING, col(LeaveRequestRow.reminded_at).is_(None),
            col(LeaveRequestRow.created_at) <= now - dt.timedelta(days=REMIND_AFTER_WORKING_DAYS))))
    reminded = 0
    for request_id, created_at in candidates:
        if reminder_due_at(created_at) > now:
            continue
        with Session(engine) as session:
            claimed = session.exec(update(LeaveRequestRow).where(  # type: ignore[call-overload]
                col(LeaveRequestRow.id) == request_id, col(LeaveRequestRow.reminded_at).is_(None),
                LeaveRequestRow.status == LeaveStatus.PENDING).values(reminded_at=now))
            if claimed.rowcount != 1:
                continue  # decided or reminded by someone else meanwhile
            request = session.get(LeaveRequestRow, request_id)
            assert request is not None
            queue_request_notice(settings, session, request, reminder=True, now=now)
            session.commit()
        reminded += 1
        log.info("herinnering verstuurd voor verlofaanvraag %s", request_id)
    return reminded
