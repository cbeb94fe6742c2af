"""bot/telegram/http_client.py: python-telegram-bot's requests over aiohttp. Everything else in the tests
goes through it too (build_application uses it); these are the cases they do not reach:
uploads byte for byte, timeouts and refused connections as python-telegram-bot's errors."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.telegram.http_client import TIMEOUT, AiohttpRequest
from tests.fake_telegram import FakeTelegram


@asynccontextmanager
async def bot_for(base_url: str, token: str, read_timeout: float = TIMEOUT,
                  connect_timeout: float = TIMEOUT) -> AsyncIterator[Bot]:
    """A bot with its requests open, without the getMe of `Bot.initialize`."""
    request = AiohttpRequest(read_timeout=read_timeout, connect_timeout=connect_timeout)
    bot = Bot(token, base_url=base_url, request=request)
    await bot.request.initialize()
    try:
        yield bot
    finally:
        await bot.request.shutdown()


async def test_plain_and_multipart_requests_arrive_intact(telegram: FakeTelegram,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.telegram.http_client")
    telegram.send_text("chào")  # the fake server knows the chat once someone wrote from it
    chat = 1001
    content = bytes(range(256)) * 40
    async with bot_for(f"{telegram.url}/bot", telegram.token) as bot:
        sent = await bot.send_message(chat, "xin chào, người bạn 🌱")
        await bot.send_document(chat, document=content, filename="bao-cao.csv", caption="tuần này")
    assert sent.text == "xin chào, người bạn 🌱"
    [document] = telegram.calls_to("sendDocument")
    assert document.params["document"]["filename"] == "bao-cao.csv"
    assert document.params["document"]["size"] == len(content)
    assert document.params["caption"] == "tuần này"
    assert "POST sendMessage: HTTP 200" in caplog.text
    assert telegram.token.split(":")[1] not in caplog.text


@asynccontextmanager
async def serving(handler: Callable[[web.Request], Awaitable[web.Response]]) -> AsyncIterator[int]:
    """A local HTTP server answering every request with `handler`; yields its port."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


@pytest.fixture
async def silent_server() -> AsyncIterator[str]:
    """A server that accepts requests and answers none of them in time."""
    release = asyncio.Event()

    async def hang(_: web.Request) -> web.Response:
        await release.wait()
        return web.json_response({"ok": True, "result": True})

    async with serving(hang) as port:
        try:
            yield f"http://127.0.0.1:{port}/bot"
        finally:
            release.set()


async def test_a_response_that_never_comes_is_timed_out(silent_server: str) -> None:
    async with bot_for(silent_server, "123:ABC", read_timeout=0.2) as bot:
        started = asyncio.get_running_loop().time()
        with pytest.raises(TimedOut):
            await bot.send_message(1, "hello")
        assert asyncio.get_running_loop().time() - started < 2


async def test_a_refused_connection_is_a_network_error() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with bot_for(f"http://127.0.0.1:{port}/bot", "123:ABC", connect_timeout=1) as bot:
        with pytest.raises(NetworkError, match="aiohttp"):
            await bot.send_message(1, "hello")


async def test_requests_before_initialising_fail_loudly() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:9/bot1:A/getMe", "POST")


async def test_a_proxy_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP_PROXY (and HTTPS_PROXY for Telegram's https URL) is honoured, as httpx honours it:
    a host that reaches Telegram only through a proxy keeps working."""
    seen: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        seen.append(str(request.url))
        return web.json_response({"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "B",
                                                         "username": "b_bot"}})

    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with serving(proxy) as port:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
        async with bot_for("http://telegram.invalid/bot", "123:ABC") as bot:
            me = await bot.get_me()
    assert me.username == "b_bot"
    assert seen == ["http://telegram.invalid/bot123:ABC/getMe"]
