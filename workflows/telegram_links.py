"""Linking a Telegram chat to an employee (or to an employer's dashboard user) with a one-time code,
and the chat's saved state.

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
from sqlmodel import Session, col, func, select

from workflows.models import AuditEvent, Employee, LinkCode, TelegramChat, User, utcnow

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


def add_code(session: Session, *, employee_id: int | None = None, user_id: int | None = None, actor: str,
             now: dt.datetime | None = None) -> str:
    """A new code for an employee or a dashboard user, added to the session (not committed); earlier
    unused codes of the same owner stop working."""
    if (employee_id is None) == (user_id is None):
        raise ValueError("a code links either an employee or a user")
    now = now or utcnow()
    code = f"{secrets.randbelow(10**6):06d}"
    owner = LinkCode.employee_id == employee_id if employee_id is not None else LinkCode.user_id == user_id
    for old in session.exec(select(LinkCode).where(owner, col(LinkCode.used_at).is_(None))):
        old.used_at = now
        session.add(old)
    session.add(LinkCode(employee_id=employee_id, user_id=user_id, code_hash=_hash(code), created_at=now,
                         expires_at=now + dt.timedelta(minutes=CODE_MINUTES)))
    session.add(AuditEvent(actor=actor, action="link_code_issued",
                           subject_type="employee" if employee_id is not None else "user",
                           subject_id=str(employee_id if employee_id is not None else user_id)))
    return code


def issue_code(engine: Engine, employee_id: int, *, actor: str, now: dt.datetime | None = None) -> str:
    """A new code for the employee (earlier unused ones stop working)."""
    with Session(engine) as session:
        if session.get(Employee, employee_id) is None:
            raise LookupError(employee_id)
        code = add_code(session, employee_id=employee_id, actor=actor, now=now)
        session.commit()
    return code


def issue_user_code(engine: Engine, user_id: int, *, actor: str, now: dt.datetime | None = None) -> str:
    """A new code that links a chat to a dashboard user (an employer contact deciding on leave)."""
    with Session(engine) as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            raise LookupError(user_id)
        code = add_code(session, user_id=user_id, actor=actor, now=now)
        session.commit()
    return code


def employee_by_address(session: Session, address: str) -> Employee | None:
    """The one employee whose roster e-mail is `address` (None when none, or more than one, has it)."""
    address = address.strip().lower()
    found = list(session.exec(select(Employee).where(func.lower(Employee.email) == address).limit(2)))
    return found[0] if len(found) == 1 else None


def chat(engine: Engine, chat_id: int) -> TelegramChat:
    with Session(engine) as session:
        found = session.get(TelegramChat, chat_id)
        if found is None:
            found = TelegramChat(chat_id=chat_id)
            session.add(found)
            session.commit()
            session.refresh(found)
        return found


def redeem(engine: Engine, chat_id: int, code: str, *, now: dt.datetime | None = None) -> Employee | User:
    """Link the chat to the code's employee or user, or raise LinkError (counting the wrong try)."""
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
        found.used_at = now
        state.failed_codes, state.locked_until, state.linked_at = 0, None, now
        linked: Employee | User | None
        if found.employee_id is not None:
            linked = session.get(Employee, found.employee_id)
            state.employee_id, state.user_id = found.employee_id, None
            subject = ("employee", found.employee_id)
        else:
            linked = session.get(User, found.user_id)
            state.employee_id, state.user_id = None, found.user_id
            subject = ("user", found.user_id)
        assert linked is not None
        session.add_all([found, state])
        session.add(AuditEvent(actor=f"telegram:{chat_id}", action="telegram_linked", subject_type=subject[0],
                               subject_id=str(subject[1])))
        session.commit()
        session.refresh(linked)
        return linked


def save_state(engine: Engine, chat_id: int, state: dict[str, Any], *, language: str | None = None) -> None:
    with Session(engine) as session:
        found = session.get(TelegramChat, chat_id) or TelegramChat(chat_id=chat_id)
        found.state = state
        if language:
            found.language = language
        found.updated_at = utcnow()
        session.add(found)
        session.commit()
