"""A fake Telegram Bot API server for tests.

``FakeTelegram`` is an aiohttp server on 127.0.0.1 that speaks enough of the Bot API for a real
python-telegram-bot ``Application`` to run against it (point it there with
``ApplicationBuilder().base_url(f"{server.url}/bot")``). Tests use it three ways:

* to act as users: ``send_text``, ``press_button`` ... queue updates that the bot fetches with
  ``getUpdates`` long polling;
* to see what the bot did: every request is recorded in ``calls`` (``wait_for``, ``sent_texts``);
* to break things: ``fail`` injects HTTP errors, timeouts and dropped connections per method,
  ``disappear``/``reappear`` take the whole server off the network and back.

Requests arrive as ``POST /bot<token>/<method>`` either form-encoded (PTB's default: strings as
they are, every other value JSON-encoded), as JSON, or as multipart when files are uploaded.
"""

from __future__ import annotations

import asyncio
import bisect
import copy
import json
import logging
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import BodyPartReader, web

__all__ = ["DEFAULT_TOKEN", "FAULT_KINDS", "Call", "FakeTelegram"]

_LOGGER = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"

FAULT_KINDS = frozenset({"500", "502", "429", "409", "403", "400", "timeout", "drop"})

# Long polls are capped so that a test never waits long on an idle bot.
_MAX_LONG_POLL = 2.0
_DEFAULT_TIMEOUT_DELAY = 3.0

_PATH_RE = re.compile(r"/bot([^/]*)/([A-Za-z_]+)/?")
_INT_RE = re.compile(r"-?\d+")
_FLOAT_RE = re.compile(r"-?\d+\.\d*(?:[eE][-+]?\d+)?")

# Free-text parameters are never decoded: a user may well send the text "42", "true" or "[1]".
_TEXT_PARAMS = frozenset(
    {
        "text",
        "caption",
        "title",
        "description",
        "short_description",
        "name",
        "query",
        "question",
        "explanation",
        "first_name",
        "last_name",
        "address",
        "vcard",
        "phone_number",
        "parse_mode",
        "caption_parse_mode",
        "callback_query_id",
        "inline_query_id",
        "inline_message_id",
        "url",
        "language_code",
        "emoji",
        "action",
        "secret_token",
        "message_effect_id",
        "business_connection_id",
        "custom_emoji_id",
        "payload",
        "start_parameter",
    }
)

_FAULT_ERRORS: dict[str, tuple[int, str]] = {
    "500": (500, "Internal Server Error"),
    "502": (502, "Bad Gateway"),
    "409": (
        409,
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    ),
    "403": (403, "Forbidden: bot was blocked by the user"),
    "400": (
        400,
        "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 0",
    ),
}


@dataclass(frozen=True)
class Call:
    """One request the bot made.

    ``failed`` is the injected fault kind (``"500"``, ``"timeout"``, ``"drop"`` ...) or, for
    requests the fake itself rejected (unknown method, message to edit not found ...), the HTTP
    status code as a string; ``None`` when the request was served normally.
    """

    method: str
    params: dict[str, Any]
    token: str
    at: float
    failed: str | None = None

    def describe(self, since: float | None = None) -> str:
        """A one-line human-readable summary, for assertion messages."""
        when = f"+{self.at - since:7.3f}s " if since is not None else ""
        args = ", ".join(f"{key}={value!r}" for key, value in self.params.items())
        if len(args) > 300:
            args = args[:297] + "..."
        failed = f"  [failed: {self.failed}]" if self.failed else ""
        return f"{when}{self.method}({args}){failed}"


@dataclass
class _Fault:
    kind: str
    remaining: int
    retry_after: int
    delay: float


class _ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


class _Signal:
    """Wakes every coroutine waiting on it; unlike ``asyncio.Event`` there is no clear/wait race."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait(self, timeout: float) -> bool:
        """Wait until notified (True) or until ``timeout`` seconds passed (False)."""
        if timeout <= 0:
            return False
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            done, _ = await asyncio.wait({waiter}, timeout=timeout)
            return bool(done)
        finally:
            self._waiters.discard(waiter)
            waiter.cancel()


def _utf16_len(text: str) -> int:
    # Telegram measures entity offsets and lengths in UTF-16 code units.
    return len(text.encode("utf-16-le")) // 2


def _decode_param(name: str, value: str) -> Any:
    """Undo PTB's form encoding: non-string values were sent as JSON strings."""
    if name in _TEXT_PARAMS:
        return value
    if _INT_RE.fullmatch(value):
        return int(value)
    if _FLOAT_RE.fullmatch(value):
        return float(value)
    if value in ("true", "false"):
        return value == "true"
    if value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _decode_params(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        name: _decode_param(name, value) if isinstance(value, str) else value for name, value in raw.items()
    }


async def _read_params(request: web.BaseRequest) -> dict[str, Any]:
    raw: dict[str, Any] = dict(request.query)
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is None:
                raw[part.name] = await part.text()
                continue
            size = 0
            while chunk := await part.read_chunk():
                size += len(chunk)
            # Files stay dicts, so _decode_params leaves them alone.
            raw[part.name] = {
                "filename": part.filename,
                "size": size,
                "content_type": part.headers.get("Content-Type"),
            }
        return _decode_params(raw)

    body = await request.read()
    if not body:
        return _decode_params(raw)
    if request.content_type == "application/json":
        try:
            decoded = json.loads(body)
        except ValueError as exc:
            raise _ApiError(400, "Bad Request: can't parse JSON object") from exc
        if not isinstance(decoded, dict):
            raise _ApiError(400, "Bad Request: parameters must be a JSON object")
        raw.update(decoded)
    else:
        raw.update(await request.post())
    return _decode_params(raw)


def _json_response(payload: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(payload, status=status)


def _error_response(code: int, description: str, retry_after: int | None = None) -> web.Response:
    payload: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        payload["parameters"] = {"retry_after": retry_after}
    return _json_response(payload, status=code)


def _inline_markup(markup: Any) -> dict[str, Any] | None:
    # Telegram only echoes inline keyboards back in Message.reply_markup, and PTB parses that
    # field as InlineKeyboardMarkup: echoing a ReplyKeyboardMarkup would make PTB raise.
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return markup
    return None


class FakeTelegram:
    """A fake Telegram Bot API server; see the module docstring."""

    def __init__(self, token: str = DEFAULT_TOKEN, bot_user: dict[str, Any] | None = None) -> None:
        self.token: str = token
        self.url: str = ""
        self.bot_user: dict[str, Any] = bot_user or {
            "id": 999000,
            "is_bot": True,
            "first_name": "Wellbeing",
            "username": "wellbeing_test_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.calls: list[Call] = []
        # Indexed by method, so waiting on thousands of calls stays linear, not quadratic.
        self._calls_by_method: dict[str, list[Call]] = {}
        self.errors: list[BaseException] = []  # bugs inside the fake itself, not API errors

        self._port = 0
        self._web_server: web.Server | None = None
        self._server: asyncio.Server | None = None
        self._closed_servers: list[asyncio.Server] = []
        self._stopping = False

        self._calls_signal = _Signal()
        self._updates_signal = _Signal()
        self._stop_signal = _Signal()

        self._pending: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._next_callback_id = 1
        self._next_file_id = 1
        self._message_counters: dict[int, int] = {}
        self._messages: dict[int, dict[int, dict[str, Any]]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._commands: dict[tuple[str, str], list[Any]] = {}
        self._webhook_url = ""

        self._methods: dict[str, Callable[[dict[str, Any]], Any]] = {
            name.lower(): handler
            for name, handler in {
                "getMe": self._get_me,
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "sendPhoto": self._send_photo,
                "sendDocument": self._send_document,
                "answerCallbackQuery": self._true,
                "sendChatAction": self._true,
                "setMyCommands": self._set_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "getMyCommands": self._get_my_commands,
                "setMyDescription": self._true,
                "setMyShortDescription": self._true,
                "setMyName": self._true,
                "setChatMenuButton": self._true,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "close": self._true,
                "logOut": self._true,
            }.items()
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port; ``url`` is set afterwards."""
        if self._server is not None:
            raise RuntimeError("FakeTelegram is already running")
        self._stopping = False
        # handler_cancellation: a client that gives up (read timeout, shutdown) must also end
        # its long poll here, as it would on Telegram, instead of leaving it to time out.
        self._web_server = web.Server(self._handle, handler_cancellation=True, access_log=None)
        await self._listen()
        self.url = f"http://127.0.0.1:{self._port}"

    async def stop(self) -> None:
        """Close every connection and stop listening. Safe to call twice."""
        if self._web_server is None:
            return
        self._stopping = True
        self._updates_signal.notify()
        self._stop_signal.notify()
        self._close_listener_and_connections()
        await self._wait_connections_gone()
        for server in self._closed_servers:
            await server.wait_closed()
        self._closed_servers.clear()
        self._web_server = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def disappear(self) -> None:
        """Vanish from the network: connections are cut and new ones are refused."""
        if self._server is None:
            raise RuntimeError("FakeTelegram is not listening")
        self._close_listener_and_connections()

    async def reappear(self) -> None:
        """Listen again on the same port after ``disappear``."""
        if self._web_server is None:
            raise RuntimeError("FakeTelegram was never started (or was stopped)")
        if self._server is not None:
            raise RuntimeError("FakeTelegram is already listening")
        await self._wait_connections_gone()
        await self._listen()

    async def _listen(self) -> None:
        assert self._web_server is not None
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            # Without SO_REUSEADDR, reappear() could not rebind while old connections linger
            # in TIME_WAIT.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", self._port))
            sock.setblocking(False)
            self._port = sock.getsockname()[1]
            self._server = await asyncio.get_running_loop().create_server(self._web_server, sock=sock)
        except BaseException:
            sock.close()
            raise

    def _close_listener_and_connections(self) -> None:
        if self._server is not None:
            self._server.close()
            self._closed_servers.append(self._server)
            self._server = None
        if self._web_server is not None:
            for connection in self._web_server.connections:
                if connection.transport is not None:
                    # abort, not close: the peer sees the connection die mid-request.
                    connection.transport.abort()

    async def _wait_connections_gone(self) -> None:
        assert self._web_server is not None
        deadline = time.monotonic() + 2.0
        while self._web_server.connections and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    # ------------------------------------------------------------------ what the bot did

    def calls_to(self, method: str) -> list[Call]:
        """All recorded calls to ``method`` (case-insensitive, like Telegram)."""
        return list(self._calls_by_method.get(method.lower(), ()))

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Wait until at least ``count`` calls to ``method`` (matching ``where``) were recorded.

        Failed calls count too; pass ``where=lambda c: c.failed is None`` to wait for served
        ones. Returns every matching call so far.
        """
        deadline = time.monotonic() + timeout
        while True:
            recorded = self._calls_by_method.get(method.lower(), [])
            if where is None and len(recorded) < count:
                matching = recorded
            else:
                matching = [call for call in recorded if where is None or where(call)]
            if len(matching) >= count:
                return list(matching)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(self._timeout_report(method, count, timeout, where, matching))
            await self._calls_signal.wait(remaining)

    def _timeout_report(
        self,
        method: str,
        count: int,
        timeout: float,
        where: Callable[[Call], bool] | None,
        matching: list[Call],
    ) -> str:
        condition = " matching `where`" if where is not None else ""
        recent = self.calls[-25:]
        since = self.calls[0].at if self.calls else None
        lines = [
            f"expected {count} call(s) to {method}{condition} within {timeout}s, "
            f"got {len(matching)}; {len(self.calls)} call(s) in total, the last {len(recent)}:"
        ]
        lines += [f"  {call.describe(since)}" for call in recent] or ["  (none)"]
        if self.errors:
            lines.append(f"errors inside FakeTelegram: {self.errors!r}")
        return "\n".join(lines)

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """Texts of sendMessage/editMessageText calls that took effect, optionally for one chat.

        Calls answered with an error are left out; "timeout" calls are kept, because the
        message was delivered even though the bot never saw the answer.
        """
        texts: list[str] = []
        for call in self.calls:
            if call.method.lower() not in ("sendmessage", "editmessagetext"):
                continue
            if call.failed not in (None, "timeout"):
                continue
            if chat_id is not None and call.params.get("chat_id") != chat_id:
                continue
            text = call.params.get("text")
            if isinstance(text, str):
                texts.append(text)
        return texts

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates queued but not yet confirmed by a ``getUpdates`` offset."""
        return list(self._pending)

    # ------------------------------------------------------------------ what users do

    def send_text(
        self,
        text: str,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Lan",
        username: str | None = None,
        language_code: str | None = "vi",
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Queue a text message from a user (a negative ``chat_id`` makes it a group chat)."""
        user = self._remember_user(user_id, first_name, username, language_code)
        chat = self._remember_chat(user, chat_id, chat_type)
        message = self._user_message(user, chat, text=text, entities=self._entities(text, entities))
        return self.queue_update({"message": message})

    def edit_text(
        self,
        message_id: int,
        text: str,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
    ) -> dict[str, Any]:
        """Queue an ``edited_message`` update: a user edited one of their messages."""
        user = self._known_user(user_id)
        chat = self._remember_chat(user, chat_id, chat_type)
        original = self._messages.get(chat["id"], {}).get(message_id)
        now = int(time.time())
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": original["date"] if original else now,
            "edit_date": now,
            "chat": chat,
            "from": user,
            "text": text,
        }
        entities = self._entities(text, None)
        if entities:
            message["entities"] = entities
        self._messages.setdefault(chat["id"], {})[message_id] = message
        return self.queue_update({"edited_message": copy.deepcopy(message)})

    def send_sticker(self, user_id: int = 1001, chat_id: int | None = None) -> dict[str, Any]:
        """Queue a sticker message from a user."""
        file_id, unique_id = self._new_file_id("sticker")
        sticker = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "🙂",
        }
        return self._queue_user_media(user_id, chat_id, sticker=sticker)

    def send_photo(
        self, user_id: int = 1001, chat_id: int | None = None, caption: str | None = None
    ) -> dict[str, Any]:
        """Queue a photo message from a user."""
        photo = [self._photo_size(90, 90), self._photo_size(1280, 960)]
        if caption is None:
            return self._queue_user_media(user_id, chat_id, photo=photo)
        return self._queue_user_media(user_id, chat_id, photo=photo, caption=caption)

    def send_voice(self, user_id: int = 1001, chat_id: int | None = None) -> dict[str, Any]:
        """Queue a voice message from a user."""
        file_id, unique_id = self._new_file_id("voice")
        voice = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "duration": 3,
            "mime_type": "audio/ogg",
            "file_size": 12345,
        }
        return self._queue_user_media(user_id, chat_id, voice=voice)

    def press_button(
        self,
        data: str,
        user_id: int = 1001,
        message_id: int | None = None,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """Queue a ``callback_query``: the user pressed an inline button on a bot message.

        The message is the bot's last message in the chat, or ``message_id``; the button data
        is not checked against its keyboard, so stale or forged presses can be simulated too.
        """
        user = self._known_user(user_id)
        target_chat = user_id if chat_id is None else chat_id
        messages = self._messages.get(target_chat, {})
        if message_id is None:
            bot_ids = [mid for mid, msg in messages.items() if self._is_from_bot(msg)]
            if not bot_ids:
                raise LookupError(f"the bot has not sent any message to chat {target_chat}")
            message_id = max(bot_ids)
        if message_id not in messages:
            raise LookupError(f"no message {message_id} in chat {target_chat}")
        query_id = str(self._next_callback_id)
        self._next_callback_id += 1
        callback_query = {
            "id": query_id,
            "from": user,
            "message": copy.deepcopy(messages[message_id]),
            "chat_instance": f"chat-instance-{target_chat}",
            "data": data,
        }
        return self.queue_update({"callback_query": callback_query})

    def queue_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update; ``update_id`` is assigned when missing."""
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        bisect.insort(self._pending, update, key=lambda queued: int(queued["update_id"]))
        self._updates_signal.notify()
        return update

    # ------------------------------------------------------------------ faults

    def fail(self, method: str, kind: str, times: int = 1, retry_after: int = 1, delay: float = 0.0) -> None:
        """Make the next ``times`` calls to ``method`` fail in the way ``kind`` says.

        Kinds: "500", "502", "429" (with ``retry_after``), "409", "403", "400", "timeout"
        (served normally after ``delay`` seconds, 3 by default: set the bot's read timeout below
        that) and "drop" (connection closed without an answer). For the other kinds ``delay``
        is waited before failing. Faults queued for one method are used up in order.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        if times < 1:
            raise ValueError("times must be at least 1")
        if kind == "timeout" and delay <= 0:
            delay = _DEFAULT_TIMEOUT_DELAY
        self._faults.setdefault(method.lower(), []).append(_Fault(kind, times, retry_after, delay))

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._faults.get(method.lower())
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.pop(0)
        return fault

    # ------------------------------------------------------------------ HTTP

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        match = _PATH_RE.fullmatch(request.path)
        if match is None:
            return _error_response(404, "Not Found")
        token, method = match.group(1), match.group(2)
        at = time.monotonic()
        try:
            params = await _read_params(request)
        except _ApiError as exc:
            self._record(Call(method, {}, token, at, failed=str(exc.code)))
            return _error_response(exc.code, exc.description)

        fault = self._take_fault(method)
        if fault is not None and fault.kind != "timeout":
            self._record(Call(method, params, token, at, failed=fault.kind))
            await self._pause(fault.delay)
            if fault.kind == "drop":
                request.protocol.force_close()
                # The transport is gone, so aiohttp silently discards this response.
                return web.Response(status=499)
            if fault.kind == "429":
                return _error_response(
                    429, f"Too Many Requests: retry after {fault.retry_after}", fault.retry_after
                )
            code, description = _FAULT_ERRORS[fault.kind]
            return _error_response(code, description)

        failed = fault.kind if fault is not None else None
        response: web.Response
        try:
            if method.lower() == "getupdates":
                self._record(Call(method, params, token, at, failed=failed))
                response = _json_response({"ok": True, "result": await self._get_updates(params)})
            else:
                response = self._serve(method, params, token, at, failed)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.errors.append(exc)
            _LOGGER.exception("FakeTelegram failed while serving %s", method)
            return _error_response(500, f"FakeTelegram internal error: {exc!r}")
        if fault is not None:
            await self._pause(fault.delay)
        return response

    def _serve(
        self, method: str, params: dict[str, Any], token: str, at: float, failed: str | None
    ) -> web.Response:
        handler = self._methods.get(method.lower())
        try:
            if handler is None:
                raise _ApiError(404, "Not Found")
            result = handler(params)
        except _ApiError as exc:
            self._record(Call(method, params, token, at, failed=failed or str(exc.code)))
            return _error_response(exc.code, exc.description)
        self._record(Call(method, params, token, at, failed=failed))
        return _json_response({"ok": True, "result": result})

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._calls_by_method.setdefault(call.method.lower(), []).append(call)
        self._calls_signal.notify()

    async def _pause(self, seconds: float) -> None:
        if seconds > 0 and not self._stopping:
            await self._stop_signal.wait(seconds)

    # ------------------------------------------------------------------ Bot API methods

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = params.get("offset")
        if isinstance(offset, int) and offset > 0:
            self._pending = [u for u in self._pending if int(u["update_id"]) >= offset]
        elif isinstance(offset, int) and offset < 0:
            self._pending = self._pending[offset:]
        limit = params.get("limit", 100)
        limit = max(1, min(100, limit)) if isinstance(limit, int) else 100
        timeout = params.get("timeout", 0)
        timeout = min(float(timeout), _MAX_LONG_POLL) if isinstance(timeout, int | float) else 0.0

        deadline = time.monotonic() + timeout
        while not self._pending and not self._stopping:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            await self._updates_signal.wait(remaining)
        return copy.deepcopy(self._pending[:limit])

    def _true(self, params: dict[str, Any]) -> bool:
        return True

    def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return dict(self.bot_user)

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        content: dict[str, Any] = {"text": text}
        if isinstance(params.get("entities"), list):
            content["entities"] = params["entities"]
        return self._bot_message(chat_id, params, content)

    def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        if "photo" not in params:
            raise _ApiError(400, "Bad Request: there is no photo in the request")
        content: dict[str, Any] = {"photo": [self._photo_size(90, 90), self._photo_size(1280, 960)]}
        return self._bot_message(chat_id, params, content)

    def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        document = params.get("document")
        if document is None:
            raise _ApiError(400, "Bad Request: there is no document in the request")
        file_id, unique_id = self._new_file_id("document")
        uploaded = document if isinstance(document, dict) else {}
        content = {
            "document": {
                "file_id": file_id,
                "file_unique_id": unique_id,
                "file_name": uploaded.get("filename") or "document",
                "file_size": uploaded.get("size") or 1024,
            }
        }
        return self._bot_message(chat_id, params, content)

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if "inline_message_id" in params:
            return True
        message = self._bot_message_to_edit(params)
        message["text"] = text
        message.pop("entities", None)
        if isinstance(params.get("entities"), list):
            message["entities"] = params["entities"]
        self._apply_markup(message, params)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        if "inline_message_id" in params:
            return True
        message = self._bot_message_to_edit(params)
        self._apply_markup(message, params)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _delete_message(self, params: dict[str, Any]) -> bool:
        chat_id = self._chat_id(params)
        message_id = params.get("message_id")
        messages = self._messages.get(chat_id, {})
        if not isinstance(message_id, int) or message_id not in messages:
            raise _ApiError(400, "Bad Request: message to delete not found")
        del messages[message_id]
        return True

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _ApiError(400, "Bad Request: can't parse commands JSON object")
        self._commands[self._commands_key(params)] = commands
        return True

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _get_my_commands(self, params: dict[str, Any]) -> list[Any]:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    def _commands_key(self, params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        language = params.get("language_code") or ""
        return json.dumps(scope, sort_keys=True), str(language)

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        self._webhook_url = str(params.get("url") or "")
        return True

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self._webhook_url = ""
        if params.get("drop_pending_updates") is True:
            self._pending.clear()
        return True

    def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self._webhook_url, "has_custom_certificate": False, "pending_update_count": 0}

    # ------------------------------------------------------------------ helpers

    def _chat_id(self, params: dict[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _ApiError(400, "Bad Request: chat_id is empty")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise _ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id in self._chats:
            return dict(self._chats[chat_id])
        if chat_id > 0:
            first_name = self._users.get(chat_id, {}).get("first_name", "User")
            return {"id": chat_id, "type": "private", "first_name": first_name}
        return {"id": chat_id, "type": "group", "title": "Test group"}

    def _bot_sender(self) -> dict[str, Any]:
        sender = {"id": self.bot_user["id"], "is_bot": True, "first_name": self.bot_user["first_name"]}
        if self.bot_user.get("username"):
            sender["username"] = self.bot_user["username"]
        return sender

    def _is_from_bot(self, message: dict[str, Any]) -> bool:
        return bool(message.get("from", {}).get("id") == self.bot_user["id"])

    def _next_message_id(self, chat_id: int) -> int:
        self._message_counters[chat_id] = self._message_counters.get(chat_id, 0) + 1
        return self._message_counters[chat_id]

    def _bot_message(self, chat_id: int, params: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self._bot_sender(),
            **content,
        }
        if isinstance(params.get("caption"), str):
            message["caption"] = params["caption"]
        markup = _inline_markup(params.get("reply_markup"))
        if markup is not None:
            message["reply_markup"] = markup
        self._messages.setdefault(chat_id, {})[message["message_id"]] = message
        return copy.deepcopy(message)

    def _bot_message_to_edit(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        message_id = params.get("message_id")
        message = self._messages.get(chat_id, {}).get(message_id) if isinstance(message_id, int) else None
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        if not self._is_from_bot(message):
            raise _ApiError(400, "Bad Request: message can't be edited")
        return message

    @staticmethod
    def _apply_markup(message: dict[str, Any], params: dict[str, Any]) -> None:
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        markup = _inline_markup(params.get("reply_markup"))
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup

    def _remember_user(
        self, user_id: int, first_name: str, username: str | None, language_code: str | None
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        self._users[user_id] = user
        return dict(user)

    def _known_user(self, user_id: int) -> dict[str, Any]:
        if user_id in self._users:
            return dict(self._users[user_id])
        return self._remember_user(user_id, "Lan", None, "vi")

    def _remember_chat(self, user: dict[str, Any], chat_id: int | None, chat_type: str) -> dict[str, Any]:
        target = user["id"] if chat_id is None else chat_id
        if chat_type == "private" and target < 0:
            chat_type = "group"
        chat: dict[str, Any] = {"id": target, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = user["first_name"]
            if "username" in user:
                chat["username"] = user["username"]
        else:
            chat["title"] = "Test group"
        self._chats[target] = chat
        return dict(chat)

    def _user_message(self, user: dict[str, Any], chat: dict[str, Any], **content: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
        }
        message.update({key: value for key, value in content.items() if value is not None})
        self._messages.setdefault(chat["id"], {})[message["message_id"]] = message
        return copy.deepcopy(message)

    def _queue_user_media(self, user_id: int, chat_id: int | None, **content: Any) -> dict[str, Any]:
        user = self._known_user(user_id)
        chat_type = "private" if chat_id is None or chat_id > 0 else "group"
        chat = self._remember_chat(user, chat_id, chat_type)
        return self.queue_update({"message": self._user_message(user, chat, **content)})

    @staticmethod
    def _entities(text: str, entities: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        # PTB's CommandHandler only reacts to messages with a bot_command entity at offset 0.
        if entities is not None or not text.startswith("/"):
            return entities
        command = text.split(maxsplit=1)[0]
        return [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]

    def _new_file_id(self, kind: str) -> tuple[str, str]:
        number = self._next_file_id
        self._next_file_id += 1
        return f"fake-{kind}-file-{number}", f"fake-{kind}-{number}"

    def _photo_size(self, width: int, height: int) -> dict[str, Any]:
        file_id, unique_id = self._new_file_id("photo")
        return {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "width": width,
            "height": height,
            "file_size": width * height // 10,
        }
