"""What every chat conversation shares: the `Reply` it returns, and the hooks to the notifier.

A `Reply` is the text to send, its buttons (label, data) laid out `columns` to a row, and
whether it replaces the message a button was pressed on.

`workflows` decides and stores; `notifier` writes the messages. The chat classes get the
hooks from whoever builds them (`intake.telegram_bot` wires the notifier's functions), so
a stored request and the employer's question about it, or a decision and the employee's
message, are committed together. Each hook adds rows to the session and never commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from workflows.models import DataChangeRequest, Employee, LeaveRequestRow

RequestHook = Callable[[Session, LeaveRequestRow], object]
LinkCodeHook = Callable[[Session, Employee, str, str], object]  # session, employee, code, language
ChangeHook = Callable[[Session, DataChangeRequest], object]
ChangeDecisionHook = Callable[[Session, DataChangeRequest, str | None], object]  # ..., the rejection's reason


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    edit: bool = False
    columns: int = 3


def _nothing(*_args: object) -> None:
    return None


@dataclass(frozen=True)
class ChatHooks:
    on_requested: RequestHook = _nothing  # a new request: ask the employer
    on_decided: RequestHook = _nothing  # a decision: tell the employee
    on_link_code: LinkCodeHook = _nothing  # an employee asked for a link code by mail
    on_change_requested: ChangeHook = _nothing  # a data change asked for in /gegevens: ask the employer
    on_change_decided: ChangeDecisionHook = _nothing  # the employer confirmed or rejected it: tell the employee


def is_request_number(text: str) -> bool:
    """A request number as typed or sent in a button: ASCII digits only ("²" is a digit to Python), and short
    enough for the database's integer."""
    return text.isascii() and text.isdigit() and 0 < len(text) <= 9
