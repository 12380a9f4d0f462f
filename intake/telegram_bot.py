"""The Telegram channel: employees link their chat once, then ask for leave in plain words.

Every update is handled by calling `workflows` (linking, the leave ledger) and `parsers`
(`parse_leave`, the same parser as `loonbode parse-leave`); the bot itself keeps no state:
what a chat is in the middle of (a request waiting for "Bevestigen") is saved in the
database, so a restart continues the conversation. Dutch by default, English when the
employee writes English.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
import threading
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from loonbode.settings import telegram_base_url
from parsers.labels import LEAVE_LABELS
from parsers.leave import message_language, parse_leave
from parsers.models import LeaveRequest
from workflows.leave_days import WorkSchedule, leave_hours
from workflows.leave_ledger import LeaveError, balance, cancel, request_leave
from workflows.models import Employee, LeaveRequestRow
from workflows.telegram_links import LinkError, chat, redeem, save_state

log = logging.getLogger(__name__)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
CODE = re.compile(r"^\s*(\d{6})\s*$")

TEXT = {
    "nl": {
        "link": "Welkom bij Loonbode. Stuur de koppelcode van zes cijfers die u van uw werkgever kreeg.",
        "linked": "Gekoppeld, {name}. Vraag verlof aan in een zin, bijvoorbeeld: 'Ik wil vrij van 3 t/m 7 augustus'.",
        "help": "Vraag verlof aan in een zin ('Mag ik vrijdag vrij?'). /saldo toont uw verlofuren, "
                "/aanvragen uw aanvragen, /annuleer <nummer> trekt een aanvraag in.",
        "not_leave": "Dat begrijp ik niet als verlofaanvraag. {why}\nVoorbeeld: 'Ik wil vrij van 3 t/m 7 augustus'.",
        "confirm": "{kind} van {start} t/m {end}: {days} werkdag(en), {hours} uur.\nSaldo daarna: {after} uur.\n"
                   "Klopt dit?",
        "nothing": "Die dagen kosten geen verlofuren ({why}); er is niets aangevraagd.",
        "sent": "Aanvraag {id} is naar uw werkgever gestuurd. U hoort het zodra er een besluit is.",
        "dropped": "Niet aangevraagd.",
        "expired": "Deze vraag is niet meer open; stuur uw verzoek opnieuw.",
        "balance": "Uw verlof: {total} uur (wettelijk {statutory}, bovenwettelijk {extra}).{expiry}",
        "expiry": "\n{hours} uur vervalt op {date}.",
        "requests": "Uw aanvragen:\n{lines}",
        "no_requests": "U heeft nog geen verlof aangevraagd.",
        "yes": "Bevestigen", "no": "Annuleren",
        "bad_code": "Die code klopt niet of is verlopen. Vraag uw werkgever om een nieuwe.",
        "locked": "Te veel verkeerde codes; probeer het over een kwartier opnieuw.",
        "cancel_how": "Stuur /annuleer gevolgd door het nummer van de aanvraag (zie /aanvragen).",
        "cancelled": "Aanvraag {id} is ingetrokken; de uren staan weer op uw saldo.",
        "cancel_past": "Aanvraag {id} is al begonnen of voorbij en kan hier niet meer worden ingetrokken.",
        "status": {"pending": "wacht op besluit", "approved": "goedgekeurd", "rejected": "afgewezen",
                   "cancelled": "ingetrokken"},
    },
    "en": {
        "link": "Welcome to Loonbode. Send the six-digit link code your employer gave you.",
        "linked": "Linked, {name}. Ask for leave in a sentence, for example: 'Can I take Friday off?'.",
        "help": "Ask for leave in a sentence ('Can I take Friday off?'). /saldo shows your leave hours, "
                "/aanvragen your requests, /annuleer <number> withdraws one.",
        "not_leave": "I could not read that as a leave request. {why}\nExample: 'I would like 3 to 7 August off'.",
        "confirm": "{kind} from {start} to {end}: {days} working day(s), {hours} hours.\n"
                   "Balance afterwards: {after} hours.\nIs this right?",
        "nothing": "Those days cost no leave hours ({why}); nothing was requested.",
        "sent": "Request {id} has been sent to your employer. You will hear as soon as it is decided.",
        "dropped": "Not requested.",
        "expired": "This question is no longer open; please send your request again.",
        "balance": "Your leave: {total} hours (statutory {statutory}, extra {extra}).{expiry}",
        "expiry": "\n{hours} hours expire on {date}.",
        "requests": "Your requests:\n{lines}",
        "no_requests": "You have not requested any leave yet.",
        "yes": "Confirm", "no": "Cancel",
        "bad_code": "That code is wrong or has expired. Ask your employer for a new one.",
        "locked": "Too many wrong codes; please try again in a quarter of an hour.",
        "cancel_how": "Send /annuleer followed by the request's number (see /aanvragen).",
        "cancelled": "Request {id} has been withdrawn; the hours are back on your balance.",
        "cancel_past": "Request {id} has already started or passed and cannot be withdrawn here.",
        "status": {"pending": "awaiting a decision", "approved": "approved", "rejected": "rejected",
                   "cancelled": "withdrawn"},
    },
}


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _day(value: dt.date) -> str:
    return value.strftime("%d-%m-%Y")


class LeaveBot:
    """The handlers, over one database; `today` gives the date in Amsterdam (a test may fix it)."""

    def __init__(self, engine: Engine, today: Callable[[], dt.date] | None = None) -> None:
        self.engine = engine
        self.today = today or (lambda: dt.datetime.now(AMSTERDAM).date())

    def install(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        application.add_handler(CommandHandler("start", self.start))
        application.add_handler(CommandHandler("help", self.help))
        application.add_handler(CommandHandler("saldo", self.balance))
        application.add_handler(CommandHandler("aanvragen", self.requests))
        application.add_handler(CommandHandler(["annuleer", "cancel"], self.cancel))
        application.add_handler(CallbackQueryHandler(self.button))
        application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self.text))

    # -- helpers -----------------------------------------------------------------------------------------------

    def _language(self, update: Update, text: str = "") -> str:
        """The language of the words when they tell, else the chat's app language; Dutch by default."""
        found = message_language(text) if text else None
        if found:
            return found
        code = (update.effective_user.language_code if update.effective_user else None) or "nl"
        return "en" if code.startswith("en") else "nl"

    def _employee(self, chat_id: int) -> Employee | None:
        state = chat(self.engine, chat_id)
        if state.employee_id is None:
            return None
        with Session(self.engine) as session:
            return session.get(Employee, state.employee_id)

    async def _reply(self, update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        assert update.effective_chat is not None
        await update.effective_chat.send_message(text, reply_markup=markup)

    # -- commands ----------------------------------------------------------------------------------------------

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        language = self._language(update)
        employee = await asyncio.to_thread(self._employee, update.effective_chat.id)
        if employee is None:
            await self._reply(update, TEXT[language]["link"])
        else:
            await self._reply(update, TEXT[language]["linked"].format(name=employee.first_name))

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update, TEXT[self._language(update)]["help"])

    async def balance(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        language = self._language(update)
        employee = await asyncio.to_thread(self._employee, update.effective_chat.id)
        if employee is None or employee.id is None:
            await self._reply(update, TEXT[language]["link"])
            return
        found = await asyncio.to_thread(balance, self.engine, employee.id, self.today())
        expiry = ""
        soonest = min((k for k in (found.statutory, found.extra) if k.next_expiry_on and k.next_expiry_minutes),
                      key=lambda k: k.next_expiry_on, default=None)  # type: ignore[arg-type, return-value]
        if soonest is not None and soonest.next_expiry_on is not None:
            expiry = TEXT[language]["expiry"].format(hours=_number(soonest.next_expiry_hours),
                                                     date=_day(soonest.next_expiry_on))
        await self._reply(update, TEXT[language]["balance"].format(
            total=_number(found.hours), statutory=_number(found.statutory.hours), extra=_number(found.extra.hours),
            expiry=expiry))

    async def requests(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        language = self._language(update)
        employee = await asyncio.to_thread(self._employee, update.effective_chat.id)
        if employee is None:
            await self._reply(update, TEXT[language]["link"])
            return
        with Session(self.engine) as session:
            rows = list(session.exec(select(LeaveRequestRow).where(LeaveRequestRow.employee_id == employee.id)
                                     .order_by(col(LeaveRequestRow.start_date).desc()).limit(10)))
        if not rows:
            await self._reply(update, TEXT[language]["no_requests"])
            return
        lines = "\n".join(f"{r.id}: {_day(r.start_date)} t/m {_day(r.end_date)}, {_number(r.minutes / 60)} uur — "
                          f"{TEXT[language]['status'].get(r.status, r.status)}" for r in rows)
        await self._reply(update, TEXT[language]["requests"].format(lines=lines))

    async def cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Withdraw a pending request, or an approved one that has not started."""
        assert update.effective_chat is not None
        language = self._language(update)
        employee = await asyncio.to_thread(self._employee, update.effective_chat.id)
        if employee is None:
            await self._reply(update, TEXT[language]["link"])
            return
        number = (context.args or [""])[0].lstrip("#")
        with Session(self.engine) as session:
            row = session.get(LeaveRequestRow, int(number)) if number.isdigit() else None
        if row is None or row.employee_id != employee.id:
            await self._reply(update, TEXT[language]["cancel_how"])
            return
        if row.start_date <= self.today():
            await self._reply(update, TEXT[language]["cancel_past"].format(id=row.id))
            return
        try:
            await asyncio.to_thread(cancel, self.engine, row.id or 0, actor=f"telegram:{update.effective_chat.id}")
        except LeaveError as exc:
            await self._reply(update, str(exc))
            return
        await self._reply(update, TEXT[language]["cancelled"].format(id=row.id))

    # -- conversation ------------------------------------------------------------------------------------------

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None and update.effective_message is not None
        chat_id, words = update.effective_chat.id, update.effective_message.text or ""
        language = self._language(update, words)
        employee = await asyncio.to_thread(self._employee, chat_id)
        if employee is None:
            code = CODE.match(words)
            if code is None:
                await self._reply(update, TEXT[language]["link"])
                return
            try:
                linked = await asyncio.to_thread(redeem, self.engine, chat_id, code.group(1))
            except LinkError as exc:
                await self._reply(update, TEXT[language]["locked" if exc.locked else "bad_code"])
                return
            await self._reply(update, TEXT[language]["linked"].format(name=linked.first_name))
            return
        read = parse_leave(words, self.today())
        if not isinstance(read, LeaveRequest):
            await self._reply(update, TEXT[language]["not_leave"].format(why=read.message))
            return
        await self._offer(update, employee, read, words, language)

    async def _offer(self, update: Update, employee: Employee, read: LeaveRequest, words: str, language: str) -> None:
        assert update.effective_chat is not None and employee.id is not None
        schedule = WorkSchedule(employee.hours_per_week or 40.0, tuple(employee.work_days))
        single = read.start_date == read.end_date
        try:
            days = leave_hours(read.start_date, read.end_date, schedule,
                               half_day=read.part_of_day if single and read.hours is None else None,
                               first_day_hours=read.hours if single and read.hours else None,
                               last_day_hours=read.hours if single and read.hours else None)
        except ValueError as exc:
            await self._reply(update, str(exc))
            return
        if days.hours <= 0:
            why = ", ".join(sorted({d.reason_not_charged for d in days.days if d.reason_not_charged}))
            await self._reply(update, TEXT[language]["nothing"].format(why=why))
            return
        current = await asyncio.to_thread(balance, self.engine, employee.id, self.today())
        pending = {"leave_type": read.leave_type, "start": read.start_date.isoformat(),
                   "end": read.end_date.isoformat(), "hours": days.hours, "text": words[:2000]}
        await asyncio.to_thread(save_state, self.engine, update.effective_chat.id, {"pending": pending},
                                language=language)
        kind = LEAVE_LABELS[read.leave_type][language]
        text = TEXT[language]["confirm"].format(kind=kind[:1].upper() + kind[1:], start=_day(read.start_date),
                                                end=_day(read.end_date), days=_number(days.working_days),
                                                hours=_number(days.hours), after=_number(current.hours - days.hours))
        buttons = InlineKeyboardMarkup([[InlineKeyboardButton(TEXT[language]["yes"], callback_data="confirm"),
                                         InlineKeyboardButton(TEXT[language]["no"], callback_data="drop")]])
        await self._reply(update, text, buttons)

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and update.effective_chat is not None
        await query.answer()
        chat_id = update.effective_chat.id
        state = await asyncio.to_thread(chat, self.engine, chat_id)
        language = state.language if state.language in TEXT else "nl"
        pending = state.state.get("pending")
        if not pending or state.employee_id is None:
            await query.edit_message_text(TEXT[language]["expired"])
            return
        await asyncio.to_thread(save_state, self.engine, chat_id, {})
        if query.data != "confirm":
            await query.edit_message_text(TEXT[language]["dropped"])
            return
        try:
            made = await asyncio.to_thread(
                request_leave, self.engine, state.employee_id, pending["leave_type"],
                dt.date.fromisoformat(pending["start"]), dt.date.fromisoformat(pending["end"]), float(pending["hours"]),
                "telegram", pending.get("text"))
        except LeaveError as exc:
            await query.edit_message_text(str(exc))
            return
        await query.edit_message_text(TEXT[language]["sent"].format(id=made.id))


def build_application(token: str, engine: Engine, *, api_url: str | None = None,
                      today: Callable[[], dt.date] | None = None) -> Application[Any, Any, Any, Any, Any, Any]:
    base = telegram_base_url(api_url)
    application = (Application.builder().token(token).base_url(base).base_file_url(base.replace("/bot", "/file/bot"))
                   .build())
    LeaveBot(engine, today).install(application)
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
