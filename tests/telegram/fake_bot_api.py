"""A fake Telegram Bot API server that python-telegram-bot (v22) talks to over real HTTP.

`FakeBotApi` runs a stdlib `ThreadingHTTPServer` on 127.0.0.1 (a free port) in a background thread and
answers the Bot API methods a polling bot needs. PTB reaches it through its ordinary HTTP path:

    with FakeBotApi(token=TOKEN) as fake:
        application = (
            Application.builder().token(TOKEN).base_url(fake.base_url).base_file_url(fake.base_file_url).build()
        )
        ...  # add handlers
        with run_polling_in_thread(application):
            fake.send_text(42, "/start")
            [reply] = fake.wait_for_sent(42, 1)
            assert reply["text"] == "Hallo"

PTB joins `base_url` with the token and method as `{base_url}{token}/{method}`, so the fake serves
`/bot{token}/{method}`; a wrong token gets 401 Unauthorized, as on Telegram.

Implemented methods: getMe, deleteWebhook, getUpdates (long polling with `offset`, `limit` and `timeout`),
sendMessage, editMessageText, editMessageReplyMarkup, answerCallbackQuery, setMyCommands, getMyCommands,
deleteMyCommands, close and logOut. Any other method answers 404 "Not Found" and lands in
`unknown_calls`, so a test can assert that the bot called nothing the fake does not know.

PTB sends its parameters form-encoded (`application/x-www-form-urlencoded`; `multipart/form-data` when it
uploads a file), with every non-string value JSON-encoded; the fake also takes JSON bodies and query strings.
Recorded parameters are decoded back to Python values (ints, dicts for `reply_markup`, ...).

Test-side helpers: `send_text` and `press` queue `message` and `callback_query` updates; `sent`,
`wait_for_sent`, `edits`, `answers`, `calls`, `calls_to`, `wait_for_call`, `wait_until_consumed` and
`commands` read what the bot did. `fail` and `hang` make the next calls to a method go wrong the way
Telegram's servers sometimes do (a 5xx answer; no answer at all), without doing what was asked.
`run_polling_in_thread` runs an `Application`'s updater on its own event loop in a thread and always
stops it, with timeouts, so a test cannot hang.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import email.parser
import email.policy
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from telegram.ext import Application

DEFAULT_TOKEN = "123456789:TEST-fake-bot-api-token"
MAX_POLL_TIMEOUT = 50.0  # seconds; Telegram caps long polling at 50 too

JSONDict = dict[str, Any]

# Parameters that are strings on the wire and must not be JSON-decoded (a text of "123" stays "123").
STRING_PARAMETERS = frozenset({
    "text", "caption", "parse_mode", "callback_query_id", "inline_message_id", "url", "language_code",
    "description", "short_description", "name", "title", "business_connection_id", "message_effect_id",
    "emoji", "question", "address", "phone_number", "first_name", "last_name", "vcard", "secret_token",
    "ip_address", "custom_title", "payload", "currency", "provider_token", "game_short_name",
    "photo", "document", "audio", "video", "voice", "animation", "video_note", "sticker", "thumbnail",
    "certificate", "file_id", "action", "explanation",
})


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str
    content: bytes


@dataclass(frozen=True)
class _Fault:
    """One call that goes wrong: answered `status` at once, or (with `hang_seconds`) only after that long."""

    status: int
    description: str
    hang_seconds: float = 0.0


@dataclass
class _State:
    """Everything the fake remembers; guarded by `FakeBotApi._cond`."""

    updates: list[JSONDict] = field(default_factory=list)
    next_update_id: int = 1
    next_callback_id: int = 1
    confirmed_offset: int = 0
    messages: dict[tuple[int | str, int], JSONDict] = field(default_factory=dict)
    next_message_id: dict[int | str, int] = field(default_factory=dict)
    sent: list[JSONDict] = field(default_factory=list)
    edits: list[JSONDict] = field(default_factory=list)
    answers: list[JSONDict] = field(default_factory=list)
    calls: list[tuple[str, JSONDict]] = field(default_factory=list)
    unknown_calls: list[tuple[str, JSONDict]] = field(default_factory=list)
    commands: dict[tuple[str, str], list[JSONDict]] = field(default_factory=dict)
    chats: dict[int | str, JSONDict] = field(default_factory=dict)
    faults: dict[str, list[_Fault]] = field(default_factory=dict)  # lower-cased method -> the next faults
    faulted_calls: list[tuple[str, JSONDict]] = field(default_factory=list)


class ApiError(Exception):
    """Answered to the bot as `{"ok": false, "error_code": ..., "description": ...}`."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def decode_parameter(name: str, value: str) -> Any:
    """Undo PTB's form encoding of one parameter: non-strings were JSON-encoded."""
    if name in STRING_PARAMETERS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def parse_body(content_type: str, body: bytes) -> JSONDict:
    """Parameters of a request body: JSON, form-encoded or multipart, as PTB and others send them."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}
    if media_type == "application/json":
        loaded = json.loads(body)
        if not isinstance(loaded, dict):
            raise ApiError(400, "Bad Request: the JSON body must be an object")
        return loaded
    if media_type == "application/x-www-form-urlencoded":
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        return {name: decode_parameter(name, value) for name, value in pairs}
    if media_type == "multipart/form-data":
        return _parse_multipart(content_type, body)
    raise ApiError(400, f"Bad Request: unsupported content type {media_type!r}")


def _parse_multipart(content_type: str, body: bytes) -> JSONDict:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    params: JSONDict = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            params[name] = UploadedFile(filename=filename, content_type=part.get_content_type(), content=content)
        else:
            charset = part.get_content_charset() or "utf-8"
            params[name] = decode_parameter(name, content.decode(charset))
    return params


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeBotApi:
    """A threaded HTTP server speaking enough of the Telegram Bot API for a polling bot.

    Thread-safe: the HTTP handlers and the test share one condition variable.
    """

    def __init__(self, token: str = DEFAULT_TOKEN, *, bot_username: str = "loonbode_test_bot",
                 bot_first_name: str = "Loonbode") -> None:
        self.token = token
        bot_id = token.split(":", 1)[0]
        self.bot_user: JSONDict = {
            "id": int(bot_id) if bot_id.isdigit() else 1,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self._cond = threading.Condition()
        self._state = _State()
        self._stopping = False
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeBotApi:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("FakeBotApi is already started")
        with self._cond:
            self._stopping = False
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="fake-bot-api", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Release waiting long polls, stop serving and close the socket. Idempotent."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeBotApi is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """For `ApplicationBuilder.base_url`; PTB appends `{token}/{method}`."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For `ApplicationBuilder.base_file_url`; the fake serves no files (404)."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ------------------------------------------------------------------ driving the bot

    def send_text(self, chat_id: int, text: str, *, user: JSONDict | None = None,
                  language_code: str | None = "nl") -> JSONDict:
        """Queue a `message` update: a user writes `text` in `chat_id`. Returns the update.

        A leading `/command` gets its `bot_command` entity, as Telegram adds it, so CommandHandler matches.
        `user` defaults to a private-chat user whose id is `chat_id`.
        """
        sender = self._user(chat_id, user, language_code)
        with self._cond:
            chat = self._chat(chat_id, sender)
            message: JSONDict = {
                "message_id": self._new_message_id(chat_id),
                "date": int(time.time()),
                "chat": chat,
                "from": sender,
                "text": text,
            }
            if text.startswith("/"):
                command = text.split(maxsplit=1)[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_length(command)}]
            self._state.messages[(chat_id, message["message_id"])] = message
            return self._push({"message": message})

    def press(self, chat_id: int, message_id: int, data: str, *, user: JSONDict | None = None,
              language_code: str | None = "nl") -> JSONDict:
        """Queue a `callback_query` update: a user presses the button with `data` under a message.

        The query carries the message as the bot last left it (text and keyboard after edits).
        Returns the update; its `callback_query.id` is what `answerCallbackQuery` must answer.
        """
        sender = self._user(chat_id, user, language_code)
        with self._cond:
            chat = self._chat(chat_id, sender)
            message = self._state.messages.get((chat_id, message_id))
            if message is None:
                message = {"message_id": message_id, "date": int(time.time()), "chat": chat,
                           "from": self.bot_user, "text": ""}
            query_id = str(self._state.next_callback_id)
            self._state.next_callback_id += 1
            query: JSONDict = {
                "id": query_id,
                "from": sender,
                "message": copy.deepcopy(message),
                "chat_instance": str(chat_id),
                "data": data,
            }
            return self._push({"callback_query": query})

    def fail(self, method: str, status: int = 502, description: str = "Bad Gateway", *, times: int = 1) -> None:
        """The next `times` calls to `method` are answered `status` (a 5xx, say) and do nothing."""
        self._add_faults(method, _Fault(status, description), times)

    def hang(self, method: str, seconds: float, *, times: int = 1) -> None:
        """The next `times` calls to `method` get no answer for `seconds` (then a 504) and do nothing:
        a client with a shorter timeout gives up on a request Telegram never handled."""
        self._add_faults(method, _Fault(504, "Gateway Timeout", hang_seconds=seconds), times)

    @property
    def faulted_calls(self) -> list[tuple[str, JSONDict]]:
        """The calls `fail` or `hang` answered, as (method, params), in order."""
        with self._cond:
            return copy.deepcopy(self._state.faulted_calls)

    def _add_faults(self, method: str, fault: _Fault, times: int) -> None:
        with self._cond:
            self._state.faults.setdefault(method.lower(), []).extend([fault] * times)

    def push_update(self, update: JSONDict) -> JSONDict:
        """Queue any update body (without `update_id`, which the fake assigns)."""
        with self._cond:
            return self._push(copy.deepcopy(update))

    # ------------------------------------------------------------------ reading what the bot did

    def sent(self, chat_id: int | str) -> list[JSONDict]:
        """Messages the bot sent to `chat_id` with sendMessage, in order.

        Each: `chat_id`, `message_id`, `text`, `parse_mode`, `reply_markup` (decoded, or None) and `params`.
        """
        with self._cond:
            return [copy.deepcopy(m) for m in self._state.sent if m["chat_id"] == chat_id]

    def wait_for_sent(self, chat_id: int | str, count: int, timeout: float = 10.0) -> list[JSONDict]:
        """Block until the bot has sent at least `count` messages to `chat_id`; returns them all."""
        self._wait(lambda: sum(1 for m in self._state.sent if m["chat_id"] == chat_id) >= count, timeout,
                   lambda: f"expected {count} message(s) to chat {chat_id}, got: {self.sent(chat_id)!r}")
        return self.sent(chat_id)

    def edits(self, chat_id: int | str) -> list[JSONDict]:
        """editMessageText / editMessageReplyMarkup calls for `chat_id`, in order (`method` says which)."""
        with self._cond:
            return [copy.deepcopy(e) for e in self._state.edits if e["chat_id"] == chat_id]

    def message(self, chat_id: int | str, message_id: int) -> JSONDict | None:
        """A message as it stands now (after the bot's edits), or None."""
        with self._cond:
            found = self._state.messages.get((chat_id, message_id))
            return copy.deepcopy(found) if found is not None else None

    @property
    def answers(self) -> list[JSONDict]:
        """answerCallbackQuery parameters, in order."""
        with self._cond:
            return copy.deepcopy(self._state.answers)

    @property
    def calls(self) -> list[tuple[str, JSONDict]]:
        """Every request as (method, params), in arrival order, unknown methods included."""
        with self._cond:
            return copy.deepcopy(self._state.calls)

    @property
    def unknown_calls(self) -> list[tuple[str, JSONDict]]:
        """Requests for methods the fake does not implement (answered 404)."""
        with self._cond:
            return copy.deepcopy(self._state.unknown_calls)

    def calls_to(self, method: str) -> list[JSONDict]:
        """Parameters of every call to `method` (case-insensitive), in order."""
        with self._cond:
            return [copy.deepcopy(p) for m, p in self._state.calls if m.lower() == method.lower()]

    def wait_for_call(self, method: str, count: int = 1, timeout: float = 10.0) -> list[JSONDict]:
        """Block until `method` was called at least `count` times; returns the parameters of all calls."""
        lowered = method.lower()
        self._wait(lambda: sum(1 for m, _ in self._state.calls if m.lower() == lowered) >= count, timeout,
                   lambda: f"expected {count} call(s) to {method}, got calls: {[m for m, _ in self.calls]!r}")
        return self.calls_to(method)

    def wait_until_consumed(self, timeout: float = 10.0) -> None:
        """Block until the bot has confirmed (fetched past) every queued update."""
        self._wait(lambda: not self._state.updates, timeout,
                   lambda: f"updates still pending: {self._state.updates!r}")

    def commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """The command list set with setMyCommands for that scope and language."""
        with self._cond:
            return copy.deepcopy(self._state.commands.get(_commands_key(scope, language_code), []))

    # ------------------------------------------------------------------ internals (hold self._cond)

    def _wait(self, ready: Callable[[], bool], timeout: float, describe: Callable[[], str]) -> None:
        with self._cond:
            if self._cond.wait_for(ready, timeout):
                return
        raise AssertionError(f"timed out after {timeout}s: {describe()}")

    def _push(self, body: JSONDict) -> JSONDict:
        update = {"update_id": self._state.next_update_id, **body}
        self._state.next_update_id += 1
        self._state.updates.append(update)
        self._cond.notify_all()
        return copy.deepcopy(update)

    def _user(self, chat_id: int, user: JSONDict | None, language_code: str | None) -> JSONDict:
        sender: JSONDict = {"id": chat_id, "is_bot": False, "first_name": "Test"}
        if user is not None:
            sender.update(user)
        if language_code is not None and "language_code" not in sender:
            sender["language_code"] = language_code
        return sender

    def _chat(self, chat_id: int | str, sender: JSONDict | None = None) -> JSONDict:
        chat = self._state.chats.get(chat_id)
        if chat is None:
            if isinstance(chat_id, int) and chat_id > 0:
                chat = {"id": chat_id, "type": "private",
                        "first_name": (sender or {}).get("first_name", "Test")}
            else:
                chat = {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}
            self._state.chats[chat_id] = chat
        return copy.deepcopy(chat)

    def _new_message_id(self, chat_id: int | str) -> int:
        message_id = self._state.next_message_id.get(chat_id, 1)
        self._state.next_message_id[chat_id] = message_id + 1
        return message_id

    def handle(self, method: str, params: JSONDict) -> Any:
        """Answer one Bot API call; returns `result` or raises ApiError. Called by the HTTP handler."""
        name = method.lower()
        with self._cond:
            waiting = self._state.faults.get(name)
            fault = waiting.pop(0) if waiting else None
            if fault is not None:
                self._state.calls.append((method, copy.deepcopy(params)))
                self._state.faulted_calls.append((method, copy.deepcopy(params)))
                self._cond.notify_all()
                if fault.hang_seconds:
                    self._cond.wait_for(lambda: self._stopping, fault.hang_seconds)
                raise ApiError(fault.status, fault.description)
        if name == "getupdates":
            return self._get_updates(params)
        with self._cond:
            self._state.calls.append((method, copy.deepcopy(params)))
            self._cond.notify_all()
            handler = self._handlers.get(name)
            if handler is None:
                self._state.unknown_calls.append((method, copy.deepcopy(params)))
                raise ApiError(404, "Not Found")
            return handler(self, params)

    def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0.0, min(MAX_POLL_TIMEOUT, float(params.get("timeout") or 0)))
        deadline = time.monotonic() + timeout
        with self._cond:
            self._state.calls.append(("getUpdates", copy.deepcopy(params)))
            if offset > 0:
                self._state.updates = [u for u in self._state.updates if u["update_id"] >= offset]
                self._state.confirmed_offset = max(self._state.confirmed_offset, offset)
            self._cond.notify_all()
            while True:
                pending = self._state.updates
                if offset < 0:
                    pending = pending[offset:]
                if pending or self._stopping:
                    return copy.deepcopy(pending[:limit])
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._cond.wait(remaining)

    def _get_me(self, params: JSONDict) -> JSONDict:
        return copy.deepcopy(self.bot_user)

    def _ok(self, params: JSONDict) -> bool:
        return True

    def _send_message(self, params: JSONDict) -> JSONDict:
        chat_id = _require(params, "chat_id")
        text = _require(params, "text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        reply_markup = params.get("reply_markup")
        message: JSONDict = {
            "message_id": self._new_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": copy.deepcopy(self.bot_user),
            "text": text,
        }
        if isinstance(reply_markup, dict) and "inline_keyboard" in reply_markup:
            message["reply_markup"] = copy.deepcopy(reply_markup)
        self._state.messages[(chat_id, message["message_id"])] = message
        self._state.sent.append({
            "chat_id": chat_id,
            "message_id": message["message_id"],
            "text": text,
            "parse_mode": params.get("parse_mode"),
            "reply_markup": copy.deepcopy(reply_markup),
            "params": copy.deepcopy(params),
        })
        return copy.deepcopy(message)

    def _edit(self, params: JSONDict, method: str) -> JSONDict | bool:
        reply_markup = params.get("reply_markup")
        record: JSONDict = {
            "method": method,
            "chat_id": params.get("chat_id"),
            "message_id": params.get("message_id"),
            "text": params.get("text"),
            "parse_mode": params.get("parse_mode"),
            "reply_markup": copy.deepcopy(reply_markup),
            "params": copy.deepcopy(params),
        }
        if "inline_message_id" in params:
            self._state.edits.append(record)
            return True
        chat_id = _require(params, "chat_id")
        message_id = _require(params, "message_id")
        message = self._state.messages.get((chat_id, message_id))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message.get("from", {}).get("id") != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        new = copy.deepcopy(message)
        if method == "editMessageText":
            text = _require(params, "text")
            if not isinstance(text, str) or not text.strip():
                raise ApiError(400, "Bad Request: message text is empty")
            new["text"] = text
        new.pop("reply_markup", None)
        if isinstance(reply_markup, dict) and "inline_keyboard" in reply_markup:
            new["reply_markup"] = copy.deepcopy(reply_markup)
        if new == message:
            raise ApiError(400, "Bad Request: message is not modified: specified new message content and reply "
                                "markup are exactly the same as a current content and reply markup of the message")
        new["edit_date"] = int(time.time())
        self._state.messages[(chat_id, message_id)] = new
        self._state.edits.append(record)
        return copy.deepcopy(new)

    def _edit_message_text(self, params: JSONDict) -> JSONDict | bool:
        return self._edit(params, "editMessageText")

    def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict | bool:
        return self._edit(params, "editMessageReplyMarkup")

    def _answer_callback_query(self, params: JSONDict) -> bool:
        _require(params, "callback_query_id")
        self._state.answers.append(copy.deepcopy(params))
        return True

    def _set_my_commands(self, params: JSONDict) -> bool:
        commands = _require(params, "commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: commands must be a list")
        key = _commands_key(params.get("scope"), params.get("language_code") or "")
        self._state.commands[key] = copy.deepcopy(commands)
        return True

    def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        key = _commands_key(params.get("scope"), params.get("language_code") or "")
        return copy.deepcopy(self._state.commands.get(key, []))

    def _delete_my_commands(self, params: JSONDict) -> bool:
        key = _commands_key(params.get("scope"), params.get("language_code") or "")
        self._state.commands.pop(key, None)
        return True

    _handlers: ClassVar[dict[str, Callable[[FakeBotApi, JSONDict], Any]]] = {
        "getme": _get_me,
        "deletewebhook": _ok,
        "sendmessage": _send_message,
        "editmessagetext": _edit_message_text,
        "editmessagereplymarkup": _edit_message_reply_markup,
        "answercallbackquery": _answer_callback_query,
        "setmycommands": _set_my_commands,
        "getmycommands": _get_my_commands,
        "deletemycommands": _delete_my_commands,
        "close": _ok,
        "logout": _ok,
    }


def _require(params: JSONDict, name: str) -> Any:
    if params.get(name) is None:
        raise ApiError(400, f"Bad Request: parameter {name!r} is required")
    return params[name]


def _commands_key(scope: Any, language_code: str) -> tuple[str, str]:
    scope_key = json.dumps(scope or {"type": "default"}, sort_keys=True)
    return scope_key, language_code


def _make_handler(fake: FakeBotApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeBotApi/1.0"

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            url = urlsplit(self.path)
            prefix = "/bot"
            try:
                if not url.path.startswith(prefix) or url.path.count("/") != 2:
                    raise ApiError(404, "Not Found")
                token, method = url.path[len(prefix):].split("/", 1)
                if token != fake.token:
                    raise ApiError(401, "Unauthorized")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                params = {name: decode_parameter(name, value) for name, value in parse_qsl(url.query)}
                params.update(parse_body(self.headers.get("Content-Type", ""), body))
                self._reply(200, {"ok": True, "result": fake.handle(method, params)})
            except ApiError as error:
                self._reply(error.code, {"ok": False, "error_code": error.code, "description": error.description})
            except (ValueError, TypeError) as error:
                self._reply(400, {"ok": False, "error_code": 400, "description": f"Bad Request: {error}"})

        def _reply(self, status: int, payload: JSONDict) -> None:
            body = json.dumps(payload, default=_json_default).encode()
            self.send_response(HTTPStatus(status))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

    return Handler


def _json_default(value: object) -> object:
    if isinstance(value, UploadedFile):
        return {"filename": value.filename, "content_type": value.content_type, "size": len(value.content)}
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


@dataclass
class RunningApplication:
    """Handle on an Application polling in a background thread; `errors` are exceptions its handlers raised."""

    errors: list[BaseException] = field(default_factory=list)


@contextlib.contextmanager
def run_polling_in_thread(application: Application[Any, Any, Any, Any, Any, Any], *, poll_timeout: int = 1,
                          start_timeout: float = 10.0, stop_timeout: float = 10.0,
                          raise_handler_errors: bool = True) -> Iterator[RunningApplication]:
    """Run `application`'s polling on a new event loop in a daemon thread; always stop it on exit.

    `Application.run_polling` must own the main thread (signal handlers), so this uses the lower-level API:
    `initialize` / `start` / `updater.start_polling`, then `updater.stop` / `stop` / `shutdown`. An error
    handler collects exceptions from handlers; with `raise_handler_errors` they fail the block on exit.
    Stop the application before the fake server, so the last long poll ends cleanly.
    """
    running = RunningApplication()
    loop = asyncio.new_event_loop()
    stop_event = asyncio.Event()
    started = threading.Event()
    failure: list[BaseException] = []

    async def collect_error(update: object, context: Any) -> None:
        if context.error is not None:
            running.errors.append(context.error)

    application.add_error_handler(collect_error)

    async def main() -> None:
        updater = application.updater
        if updater is None:
            raise RuntimeError("the Application was built without an Updater")
        async with application:  # initialize() ... shutdown()
            await application.start()
            try:
                await updater.start_polling(poll_interval=0.0, timeout=poll_timeout)
                started.set()
                await stop_event.wait()
            finally:
                if updater.running:
                    await updater.stop()
                if application.running:
                    await application.stop()

    def target() -> None:
        try:
            loop.run_until_complete(main())
        except BaseException as error:  # reported in the test's thread
            failure.append(error)
        finally:
            started.set()
            loop.close()

    thread = threading.Thread(target=target, name="ptb-polling", daemon=True)
    thread.start()
    try:
        if not started.wait(start_timeout):
            raise AssertionError(f"the Application did not start polling within {start_timeout}s")
        if failure:
            raise AssertionError("the Application failed to start") from failure[0]
        yield running
    finally:
        with contextlib.suppress(RuntimeError):  # the loop is already closed if main() failed
            loop.call_soon_threadsafe(stop_event.set)
        thread.join(stop_timeout)
        if thread.is_alive():
            raise AssertionError(f"the Application did not stop within {stop_timeout}s")
    if failure:
        raise AssertionError("the Application failed while polling") from failure[0]
    if raise_handler_errors and running.errors:
        raise AssertionError(f"handlers raised: {running.errors!r}") from running.errors[0]
