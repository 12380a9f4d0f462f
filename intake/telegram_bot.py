"""The Telegram channel: carries messages between Telegram and the leave conversation.

Commands, sentences and button presses go to `workflows.leave_chat.LeaveChat` (off the
event loop, as it talks to the database); its `Reply` is sent back, or replaces the
message a button was on. `BotRunner` polls the Bot API in a thread of its own for
`loonbode serve`; `LOONBODE_TELEGRAM_API_URL` points it at another Bot API server.

When the conversation fails (the database is away, or a button carries data it cannot read)
the error is logged and the chat hears "try again" as a new message, rather than nothing at all;
a button's message keeps its buttons.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from loonbode.settings import telegram_base_url
from workflows.chat_base import ChatHooks, Reply
from workflows.leave_chat import LeaveChat

log = logging.getLogger(__name__)

COMMANDS = ("start", "help", "saldo", "aanvragen", "annuleer", "cancel", "verlof", "leave", "gegevens",
            "details")
FAILED = {"nl": "Er ging iets mis aan onze kant; probeer het zo nog eens.",
          "en": "Something went wrong on our side; please try again in a moment."}


def _markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    buttons = [InlineKeyboardButton(label, callback_data=data) for label, data in reply.buttons]
    width = max(reply.columns, 1)
    return InlineKeyboardMarkup([buttons[i:i + width] for i in range(0, len(buttons), width)])


def _app_language(update: Update) -> str | None:
    return update.effective_user.language_code if update.effective_user else None


async def _reply(update: Update, what: str, work: Callable[[], Reply]) -> Reply:
    """`work`'s reply, computed off the event loop; when it fails, a logged error and FAILED."""
    try:
        return await asyncio.to_thread(work)
    except Exception:
        chat_id = update.effective_chat.id if update.effective_chat else None
        log.exception("Telegram: %s van chat %s niet verwerkt; de chat krijgt 'probeer het zo nog eens'", what,
                      chat_id)
        return Reply(FAILED["en" if (_app_language(update) or "").startswith("en") else "nl"])


class TelegramAdapter:
    """python-telegram-bot handlers around one `LeaveChat`."""

    def __init__(self, conversation: LeaveChat) -> None:
        self.conversation = conversation

    def install(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        application.add_handler(CommandHandler(list(COMMANDS), self.command))
        application.add_handler(CallbackQueryHandler(self.button))
        application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self.text))

    async def command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None and update.effective_message is not None
        name = (update.effective_message.text or "/help").split()[0].lstrip("/").split("@")[0].lower()
        chat_id = update.effective_chat.id
        reply = await _reply(update, f"opdracht /{name}", lambda: self.conversation.command(
            chat_id, name, list(context.args or []), _app_language(update)))
        await update.effective_chat.send_message(reply.text, reply_markup=_markup(reply))

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None and update.effective_message is not None
        chat_id, words = update.effective_chat.id, update.effective_message.text or ""
        reply = await _reply(update, "bericht", lambda: self.conversation.message(chat_id, words,
                                                                                 _app_language(update)))
        await update.effective_chat.send_message(reply.text, reply_markup=_markup(reply))

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and update.effective_chat is not None
        await query.answer()
        chat_id = update.effective_chat.id
        reply = await _reply(update, "knop", lambda: self.conversation.button(chat_id, query.data))
        if reply.edit:
            await query.edit_message_text(reply.text, reply_markup=_markup(reply))
        else:
            await update.effective_chat.send_message(reply.text, reply_markup=_markup(reply))


def build_application(token: str, engine: Engine, *, api_url: str | None = None,
                      today: Callable[[], dt.date] | None = None,
                      hooks: ChatHooks | None = None) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot over `engine`; `hooks` carry requests, decisions and mailed link codes to the notifier
    (`notifier.chat_notices.chat_hooks(settings)` in `loonbode serve`)."""
    base = telegram_base_url(api_url)
    # python-telegram-bot logs every update and every Bot API call with its parameters and answer at DEBUG:
    # the chat's own words, which hold an IBAN when an employee changes it in /gegevens. We log our own line
    # per failure.
    for name in ("telegram.Bot", "telegram.ext.ExtBot", "telegram.ext.Application"):
        bot_log = logging.getLogger(name)
        bot_log.setLevel(max(bot_log.getEffectiveLevel(), logging.INFO))
    application = (Application.builder().token(token).base_url(base).base_file_url(base.replace("/bot", "/file/bot"))
                   .build())
    TelegramAdapter(LeaveChat(engine, today, hooks)).install(application)
    return application


class BotRunner:
    """Polls the Bot API on an event loop of its own in a thread; `stop` ends it cleanly."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self.application = application
        self.loop = asyncio.new_event_loop()
        self._stopping: asyncio.Event | None = None
        self._started = threading.Event()
        self.thread = threading.Thread(target=self._run, name="telegram", daemon=True)

    def start(self, timeout: float = 30.0) -> None:
        self.thread.start()
        if not self._started.wait(timeout):
            log.error("de Telegram-bot startte niet binnen %.0f s", timeout)

    def _run(self) -> None:
        self.loop.run_until_complete(self._main())

    async def _main(self) -> None:
        self._stopping = asyncio.Event()
        updater = self.application.updater
        assert updater is not None
        retry = 1.0
        while not self._stopping.is_set():
            try:
                async with self.application:
                    await self.application.start()
                    await updater.start_polling(poll_interval=0.0, timeout=20, drop_pending_updates=False)
                    self._started.set()
                    await self._stopping.wait()
                    await updater.stop()
                    await self.application.stop()
                    return
            except Exception as exc:  # the Bot API unreachable at start: try again, mail intake goes on
                log.warning("Telegram-bot kon niet starten (%s); opnieuw over %.0f s", type(exc).__name__, retry)
                self._started.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), retry)
                retry = min(retry * 2, 300.0)

    def stop(self, timeout: float = 30.0) -> None:
        if self._stopping is not None:
            self.loop.call_soon_threadsafe(self._stopping.set)
        self.thread.join(timeout)
