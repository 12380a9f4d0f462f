"""The fake Bot API against python-telegram-bot's real HTTP path: polling, replies, buttons, commands."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, EndPointNotFound, InvalidToken
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from tests.telegram.fake_bot_api import DEFAULT_TOKEN, FakeBotApi, UploadedFile, parse_body, run_polling_in_thread

CHAT = 4242


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


def build_application(fake: FakeBotApi) -> Application[Any, Any, Any, Any, Any, Any]:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="ja"),
                                          InlineKeyboardButton("Nee", callback_data="nee")]])
        await update.effective_message.reply_text("Hallo", reply_markup=keyboard)

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text is not None
        language = update.effective_user.language_code if update.effective_user else None
        await update.effective_message.reply_text(f"<b>{update.effective_message.text}</b> ({language})",
                                                  parse_mode=ParseMode.HTML)

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Ontvangen")
        await query.edit_message_text(f"Gekozen: {query.data}")

    application = (
        Application.builder().token(fake.token).base_url(fake.base_url).base_file_url(fake.base_file_url).build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    application.add_handler(CallbackQueryHandler(button))
    return application


def test_polling_bot_replies_echoes_and_handles_a_button(fake: FakeBotApi) -> None:
    application = build_application(fake)
    with run_polling_in_thread(application):
        fake.send_text(CHAT, "/start")
        [hello] = fake.wait_for_sent(CHAT, 1)
        assert hello["text"] == "Hallo"
        assert hello["reply_markup"] == {"inline_keyboard": [[{"text": "Ja", "callback_data": "ja"},
                                                              {"text": "Nee", "callback_data": "nee"}]]}

        fake.send_text(CHAT, "goedemorgen", language_code="nl")
        _, echoed = fake.wait_for_sent(CHAT, 2)
        assert echoed["text"] == "<b>goedemorgen</b> (nl)"
        assert echoed["parse_mode"] == "HTML"
        assert echoed["reply_markup"] is None

        update = fake.press(CHAT, hello["message_id"], "ja")
        fake.wait_for_call("editMessageText")
        assert fake.answers == [{"callback_query_id": update["callback_query"]["id"], "text": "Ontvangen"}]
        [edit] = fake.edits(CHAT)
        assert edit["method"] == "editMessageText"
        assert (edit["message_id"], edit["text"]) == (hello["message_id"], "Gekozen: ja")
        current = fake.message(CHAT, hello["message_id"])
        assert current is not None and current["text"] == "Gekozen: ja" and "reply_markup" not in current
        fake.wait_until_consumed()

    # Each update was handled exactly once: offsets were honoured, nothing was fetched twice.
    assert [m["text"] for m in fake.sent(CHAT)] == ["Hallo", "<b>goedemorgen</b> (nl)"]
    assert len(fake.calls_to("answerCallbackQuery")) == 1
    assert fake.unknown_calls == []
    methods = {method for method, _ in fake.calls}
    assert {"getMe", "deleteWebhook", "getUpdates", "sendMessage", "answerCallbackQuery", "editMessageText"} <= methods


def test_many_messages_are_answered_in_order(fake: FakeBotApi) -> None:
    with run_polling_in_thread(build_application(fake)):
        for n in range(20):
            fake.send_text(CHAT + n % 2, f"bericht {n}")
        fake.wait_for_sent(CHAT, 10)
        fake.wait_for_sent(CHAT + 1, 10)
    assert [m["text"] for m in fake.sent(CHAT)] == [f"<b>bericht {n}</b> (nl)" for n in range(0, 20, 2)]
    assert [m["message_id"] for m in fake.sent(CHAT + 1)] == sorted({m["message_id"] for m in fake.sent(CHAT + 1)})


def test_bot_methods_commands_edits_and_unknown_methods(fake: FakeBotApi) -> None:
    async def scenario() -> None:
        async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as bot:
            assert bot.username == "loonbode_test_bot"
            await bot.set_my_commands([BotCommand("start", "Begin"), BotCommand("help", "Hulp")],
                                      language_code="nl")
            assert [c.command for c in await bot.get_my_commands(language_code="nl")] == ["start", "help"]
            assert await bot.get_my_commands() == ()
            await bot.delete_my_commands(language_code="nl")
            assert await bot.get_my_commands(language_code="nl") == ()

            keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])
            message = await bot.send_message(CHAT, "123", reply_markup=keyboard)
            assert message.text == "123" and message.reply_markup == keyboard and message.chat.id == CHAT
            edited = await bot.edit_message_reply_markup(CHAT, message.message_id, reply_markup=None)
            assert not isinstance(edited, bool) and edited.reply_markup is None and edited.text == "123"
            with pytest.raises(BadRequest, match="not modified"):
                await bot.edit_message_text("123", chat_id=CHAT, message_id=message.message_id)
            with pytest.raises(BadRequest, match="not found"):
                await bot.edit_message_text("x", chat_id=CHAT, message_id=999)
            with pytest.raises(EndPointNotFound):
                await bot.do_api_request("sendNonsense", api_kwargs={"chat_id": CHAT})
            assert await bot.close() is True

    asyncio.run(asyncio.wait_for(scenario(), timeout=20))
    [sent] = fake.sent(CHAT)
    assert sent["text"] == "123"  # a numeric text stays a string after form decoding
    assert [e["method"] for e in fake.edits(CHAT)] == ["editMessageReplyMarkup"]
    assert [method for method, _ in fake.unknown_calls] == ["sendNonsense"]


def test_wrong_token_is_unauthorized(fake: FakeBotApi) -> None:
    async def scenario() -> None:
        async with Bot("999:wrong", base_url=fake.base_url, base_file_url=fake.base_file_url):
            pass

    with pytest.raises(InvalidToken):
        asyncio.run(asyncio.wait_for(scenario(), timeout=20))


def call(fake: FakeBotApi, method: str, params: dict[str, Any], timeout: float = 10) -> dict[str, Any]:
    request = urllib.request.Request(f"{fake.base_url}{fake.token}/{method}", data=json.dumps(params).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            result: dict[str, Any] = json.loads(response.read())
    except urllib.error.HTTPError as error:
        result = json.loads(error.read())
    return result


def test_get_updates_long_polls_and_honours_offset(fake: FakeBotApi) -> None:
    began = time.monotonic()
    assert call(fake, "getUpdates", {"timeout": 0.3}) == {"ok": True, "result": []}
    assert 0.25 <= time.monotonic() - began < 5

    threading.Timer(0.2, fake.send_text, args=(CHAT, "hoi")).start()
    began = time.monotonic()
    [update] = call(fake, "getUpdates", {"timeout": 30})["result"]
    assert time.monotonic() - began < 5  # returned on the push, not after 30 s
    assert update["update_id"] == 1 and update["message"]["text"] == "hoi"
    assert update["message"]["from"]["language_code"] == "nl"

    fake.press(CHAT, 77, "knop")
    assert [u["update_id"] for u in call(fake, "getUpdates", {"offset": 1})["result"]] == [1, 2]
    assert [u["update_id"] for u in call(fake, "getUpdates", {"offset": 2, "limit": 1})["result"]] == [2]
    assert call(fake, "getUpdates", {"offset": 3})["result"] == []
    assert call(fake, "getUpdates", {"offset": 1})["result"] == []  # confirmed updates are gone
    fake.wait_until_consumed(timeout=1)


def test_stop_releases_a_waiting_long_poll() -> None:
    fake = FakeBotApi().start()
    result: list[dict[str, Any]] = []
    poller = threading.Thread(target=lambda: result.append(call(fake, "getUpdates", {"timeout": 30})), daemon=True)
    try:
        poller.start()
        fake.wait_for_call("getUpdates", timeout=5)
        began = time.monotonic()
    finally:
        fake.stop()
    poller.join(10)
    assert not poller.is_alive() and time.monotonic() - began < 5
    assert result == [{"ok": True, "result": []}]


def test_unknown_method_and_wait_for_sent_timeout(fake: FakeBotApi) -> None:
    assert call(fake, "sendPhoto", {"chat_id": CHAT}) == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert fake.unknown_calls == [("sendPhoto", {"chat_id": CHAT})]
    assert call(fake, "sendMessage", {"chat_id": CHAT, "text": "een"})["result"]["message_id"] == 1
    with pytest.raises(AssertionError, match="expected 2 message"):
        fake.wait_for_sent(CHAT, 2, timeout=0.2)


def test_parse_body_form_json_and_multipart() -> None:
    form = "chat_id=42&text=123&parse_mode=HTML&disable_notification=true&reply_markup=%7B%22a%22%3A+1%7D"
    assert parse_body("application/x-www-form-urlencoded", form.encode()) == {
        "chat_id": 42, "text": "123", "parse_mode": "HTML", "disable_notification": True, "reply_markup": {"a": 1},
    }
    assert parse_body("application/json", b'{"chat_id": "@kanaal", "text": "hoi"}') == {
        "chat_id": "@kanaal", "text": "hoi",
    }
    multipart = (
        b"--XyZ\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n42\r\n"
        b"--XyZ\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\n7\r\n"
        b"--XyZ\r\nContent-Disposition: form-data; name=\"document\"; filename=\"loon.csv\"\r\n"
        b"Content-Type: text/csv\r\n\r\na;b\r\n--XyZ--\r\n"
    )
    assert parse_body("multipart/form-data; boundary=XyZ", multipart) == {
        "chat_id": 42, "caption": "7", "document": UploadedFile("loon.csv", "text/csv", b"a;b"),
    }
    assert DEFAULT_TOKEN.split(":")[0].isdigit()
