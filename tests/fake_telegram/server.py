"""A fake Telegram Bot API server for tests.

``FakeTelegram`` is an aiohttp server on 127.0.0.1 that speaks enough of the Bot API for a real
python-telegram-bot ``Application`` to run against it (point it there with
``ApplicationBuilder().base_url(f"{server.url}/bot")``). Tests use it three ways:

* to act as users: ``send_text``, ``press_button`` ... (``tests.fake_telegram.model``) queue
  updates that the bot fetches with ``getUpdates`` long polling;
* to see what the bot did: every request is recorded in ``calls`` (``wait_for``, ``sent_texts``);
* to break things: ``fail`` injects HTTP errors, timeouts and dropped connections per method
  (``tests.fake_telegram.faults``), ``disappear``/``reappear`` take the whole server off the
  network and back.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import socket
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from aiohttp import web

from tests.fake_telegram.api import BotApi
from tests.fake_telegram.faults import FAULT_ERRORS, FaultPlan
from tests.fake_telegram.wire import (
    PATH_RE,
    ApiError,
    Call,
    Signal,
    error_response,
    json_response,
    read_params,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"
# Long polls are capped so that a test never waits long on an idle bot.
_MAX_LONG_POLL = 2.0


class FakeTelegram(BotApi):
    """A fake Telegram Bot API server; see the module docstring."""

    def __init__(self, token: str = DEFAULT_TOKEN, bot_user: dict[str, Any] | None = None) -> None:
        super().__init__(bot_user)
        self.token: str = token
        self.url: str = ""
        self.calls: list[Call] = []
        # Indexed by method, so waiting on thousands of calls stays linear, not quadratic.
        self._calls_by_method: dict[str, list[Call]] = {}
        self.errors: list[BaseException] = []  # bugs inside the fake itself, not API errors

        self._port = 0
        self._web_server: web.Server | None = None
        self._server: asyncio.Server | None = None
        self._closed_servers: list[asyncio.Server] = []
        self._stopping = False

        self._calls_signal = Signal()
        self._stop_signal = Signal()
        self._faults = FaultPlan()
        self._methods = self.methods()

    # Lifecycle

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

    # What the bot did

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

    # Faults

    def fail(self, method: str, kind: str, times: int = 1, retry_after: int = 1, delay: float = 0.0) -> None:
        """See ``FaultPlan.fail``."""
        self._faults.fail(method, kind, times, retry_after, delay)

    # HTTP

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        match = PATH_RE.fullmatch(request.path)
        if match is None:
            return error_response(404, "Not Found")
        token, method = match.group(1), match.group(2)
        at = time.monotonic()
        try:
            params = await read_params(request)
        except ApiError as exc:
            self._record(Call(method, {}, token, at, failed=str(exc.code)))
            return error_response(exc.code, exc.description)

        fault = self._faults.take(method)
        if fault is not None and fault.kind != "timeout":
            self._record(Call(method, params, token, at, failed=fault.kind))
            await self._pause(fault.delay)
            if fault.kind == "drop":
                request.protocol.force_close()
                # The transport is gone, so aiohttp silently discards this response.
                return web.Response(status=499)
            if fault.kind == "429":
                return error_response(
                    429, f"Too Many Requests: retry after {fault.retry_after}", fault.retry_after
                )
            code, description = FAULT_ERRORS[fault.kind]
            return error_response(code, description)

        failed = fault.kind if fault is not None else None
        response: web.Response
        try:
            if method.lower() == "getupdates":
                self._record(Call(method, params, token, at, failed=failed))
                response = json_response({"ok": True, "result": await self._get_updates(params)})
            else:
                response = self._serve(method, params, token, at, failed)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.errors.append(exc)
            _LOGGER.exception("FakeTelegram failed while serving %s", method)
            return error_response(500, f"FakeTelegram internal error: {exc!r}")
        if fault is not None:
            await self._pause(fault.delay)
        return response

    def _serve(
        self, method: str, params: dict[str, Any], token: str, at: float, failed: str | None
    ) -> web.Response:
        handler = self._methods.get(method.lower())
        try:
            if handler is None:
                raise ApiError(404, "Not Found")
            result = handler(params)
        except ApiError as exc:
            self._record(Call(method, params, token, at, failed=failed or str(exc.code)))
            return error_response(exc.code, exc.description)
        self._record(Call(method, params, token, at, failed=failed))
        return json_response({"ok": True, "result": result})

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._calls_by_method.setdefault(call.method.lower(), []).append(call)
        self._calls_signal.notify()

    async def _pause(self, seconds: float) -> None:
        if seconds > 0 and not self._stopping:
            await self._stop_signal.wait(seconds)

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
