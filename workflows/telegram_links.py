"""Linking a Telegram chat to an employee with a one-time code, and the chat's saved state.

A code is six digits, valid for `CODE_MINUTES`, used once; only its SHA-256 is stored.
After `MAX_FAILED_CODES` wrong codes a chat is locked for `LOCK_MINUTES`, so codes cannot
be guessed. The conversation state of a chat lives here too, so a restart continues it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from workflows.models import AuditEvent, Employee, LinkCode, TelegramChat, utcnow

CODE_MINUTES = 30
MAX_FAILED_CODES = 5
LOCK_MINUTES = 15


class LinkError(ValueError):
    """The code was not accepted; the message says why, in Dutch; `locked` tells the two cases apart."""

    def __init__(self, message: str, *, locked: bool = False) -> None:
        super().__init__(message)
        self.locked = locked


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def issue_code(engine: Engine, employee_id: int, *, actor: str, now: dt.datetime | None = None) -> str:
    """A new code for the employee (earlier unused ones stop working)."""
    now = now or utcnow()
    code = f"{secrets.randbelow(10**6):06d}"
    with Session(engine) as session:
        if session.get(Employee, employee_id) is None:
            raise LookupError(employee_id)
        for old in session.exec(select(LinkCode).where(LinkCode.employee_id == employee_id,
                                                       col(LinkCode.used_at).is_(None))):
            old.used_at = now
            session.add(old)
        session.add(LinkCode(employee_id=employee_id, code_hash=_hash(code), created_at=now,
                             expires_at=now + dt.timedelta(minutes=CODE_MINUTES)))
        session.add(AuditEvent(actor=actor, action="link_code_issued", subject_type="employee",
                               subject_id=str(employee_id)))
        session.commit()
    return code


def chat(engine: Engine, chat_id: int) -> TelegramChat:
    with Session(engine) as session:
        found = session.get(TelegramChat, chat_id)
        if found is None:
            found = TelegramChat(chat_id=chat_id)
            session.add(found)
            session.commit()
            session.refresh(found)
        return found


def redeem(engine: Engine, chat_id: int, code: str, *, now: dt.datetime | None = None) -> Employee:
    """Link the chat to the code's employee, or raise LinkError (counting the wrong try)."""
    now = now or utcnow()
    with Session(engine) as session:
        state = session.get(TelegramChat, chat_id) or TelegramChat(chat_id=chat_id)
        if state.locked_until is not None and _aware(state.locked_until) > now:
            raise LinkError("te veel verkeerde codes; probeer het over een kwartier opnieuw", locked=True)
        found = session.exec(select(LinkCode).where(LinkCode.code_hash == _hash(code),
                                                    col(LinkCode.used_at).is_(None))).first()
        if found is None or _aware(found.expires_at) <= now:
            state.failed_codes += 1
            if state.failed_codes >= MAX_FAILED_CODES:
                state.locked_until, state.failed_codes = now + dt.timedelta(minutes=LOCK_MINUTES), 0
            session.add(state)
            session.commit()
            raise LinkError("die code klopt niet of is verlopen")
        employee = session.get(Employee, found.employee_id)
        assert employee is not None
        found.used_at = now
        state.employee_id, state.linked_at, state.failed_codes, state.locked_until = employee.id, now, 0, None
        session.add_all([found, state])
        session.add(AuditEvent(actor=f"telegram:{chat_id}", action="telegram_linked", subject_type="employee",
                               subject_id=str(employee.id)))
        session.commit()
        session.refresh(employee)
        return employee


def save_state(engine: Engine, chat_id: int, state: dict[str, Any], *, language: str | None = None) -> None:
    with Session(engine) as session:
        found = session.get(TelegramChat, chat_id) or TelegramChat(chat_id=chat_id)
        found.state = state
        if language:
            found.language = language
        found.updated_at = utcnow()
        session.add(found)
        session.commit()
