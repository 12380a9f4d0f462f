"""The notifier's side of the chat hooks: what `loonbode serve` hands the Telegram bot.

A new request asks the employer (mail with links, Telegram when linked); a decision tells
the employee in the chat; a link code asked for by mail goes to the roster address. A data
change asked for in /gegevens asks the employer (mail with a dashboard link, Telegram when
linked), and its outcome goes to the employee's chat.
"""

from __future__ import annotations

from loonbode.settings import Settings
from notifier.data_change_notices import change_notifier, queue_change_decision
from notifier.leave_approvals import request_notifier
from notifier.leave_notices import queue_decision
from notifier.link_code_mail import queue_link_code
from workflows.chat_base import ChatHooks


def chat_hooks(settings: Settings) -> ChatHooks:
    return ChatHooks(on_requested=request_notifier(settings), on_decided=queue_decision,
                     on_link_code=lambda session, employee, code, language: queue_link_code(
                         settings, session, employee, code, language),
                     on_change_requested=change_notifier(settings), on_change_decided=queue_change_decision)
