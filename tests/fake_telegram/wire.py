"""The Bot API's wire format as the fake server speaks it: requests in, JSON answers out.

Requests arrive as ``POST /bot<token>/<method>`` either form-encoded (python-telegram-bot's
default: strings as they are, every other value JSON-encoded), as JSON, or as multipart when
files are uploaded. Every request is recorded as a ``Call``.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

PATH_RE = re.compile(r"/bot([^/]*)/([A-Za-z_]+)/?")
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


class ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


class Signal:
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


def utf16_len(text: str) -> int:
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


async def read_params(request: web.BaseRequest) -> dict[str, Any]:
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
            raise ApiError(400, "Bad Request: can't parse JSON object") from exc
        if not isinstance(decoded, dict):
            raise ApiError(400, "Bad Request: parameters must be a JSON object")
        raw.update(decoded)
    else:
        raw.update(await request.post())
    return _decode_params(raw)


def json_response(payload: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(payload, status=status)


def error_response(code: int, description: str, retry_after: int | None = None) -> web.Response:
    payload: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        payload["parameters"] = {"retry_after": retry_after}
    return json_response(payload, status=code)


def inline_markup(markup: Any) -> dict[str, Any] | None:
    # Telegram only echoes inline keyboards back in Message.reply_markup, and PTB parses that
    # field as InlineKeyboardMarkup: echoing a ReplyKeyboardMarkup would make PTB raise.
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return markup
    return None
