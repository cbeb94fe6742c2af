"""Webhook mode through real HTTP: Telegram's side is the fake Bot API server, the other side
is the bot's own webhook server on a free loopback port."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.config import ContentPaths
from bot.content.loader import load_engine
from bot.telegram.app import build_application
from bot.telegram.webhook import SECRET_HEADER, serve_webhook
from tests.fake_telegram import FakeTelegram
from tests.support import make_settings

SECRET = "webhook-secret-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Webhook:
    def __init__(self, telegram: FakeTelegram, tmp_path: Path, content: ContentPaths) -> None:
        self.port = free_port()
        self.settings = make_settings(telegram, tmp_path / "data", content,
                                      webhook_url="https://bot.example.org/telegram",
                                      webhook_secret=SECRET, port=self.port)
        engine = load_engine(content.intents_dir, content.resources_file).engine
        self.app = build_application(self.settings, engine, read_timeout=2.0)
        self.stop = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def ready(self) -> None:
        async with aiohttp.ClientSession() as session:
            for _ in range(200):
                try:
                    async with session.get(f"{self.base}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError("webhook server never became healthy")


@pytest.fixture
async def webhook(telegram: FakeTelegram, tmp_path: Path,
                  content_dir: ContentPaths) -> AsyncIterator[Webhook]:
    hook = Webhook(telegram, tmp_path, content_dir)
    hook.task = asyncio.create_task(serve_webhook(hook.app, hook.settings, hook.stop))
    yield hook
    hook.stop.set()
    await asyncio.wait_for(hook.task, 10)


def update(text: str, update_id: int = 1) -> dict[str, object]:
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": 1, "chat": {"id": 1001, "type": "private"},
        "from": {"id": 1001, "is_bot": False, "first_name": "Lan"}, "text": text}}


async def test_updates_with_the_secret_are_answered(webhook: Webhook, telegram: FakeTelegram) -> None:
    await webhook.ready()
    [registered] = telegram.calls_to("setWebhook")
    assert registered.params["url"] == "https://bot.example.org/telegram"
    assert registered.params["secret_token"] == SECRET
    async with aiohttp.ClientSession() as session, session.post(
            f"{webhook.base}/telegram", data=json.dumps(update("tôi muốn tự tử")),
            headers={SECRET_HEADER: SECRET, "Content-Type": "application/json"}) as response:
        assert response.status == 200
    [crisis, *_] = await telegram.wait_for("sendMessage", 2)
    assert "115" in crisis.params["text"]


@pytest.mark.parametrize("secret", [None, "wrong-secret-wrong-secret"])
async def test_updates_without_the_secret_are_refused(webhook: Webhook, telegram: FakeTelegram,
                                                      secret: str | None) -> None:
    await webhook.ready()
    headers = {SECRET_HEADER: secret} if secret else {}
    async with aiohttp.ClientSession() as session, session.post(
            f"{webhook.base}/telegram", data=json.dumps(update("mất ngủ")), headers=headers) as response:
        assert response.status == 403
    await asyncio.sleep(0.3)
    assert telegram.calls_to("sendMessage") == []


async def test_start_up_waits_for_telegram_to_be_reachable(telegram: FakeTelegram, tmp_path: Path,
                                                           content_dir: ContentPaths) -> None:
    telegram.disappear()
    hook = Webhook(telegram, tmp_path, content_dir)
    task = asyncio.create_task(serve_webhook(hook.app, hook.settings, hook.stop))
    await asyncio.sleep(1.5)
    assert not task.done()  # still trying, not exited
    await telegram.reappear()
    await hook.ready()
    assert telegram.calls_to("setWebhook")
    hook.stop.set()
    await asyncio.wait_for(task, 10)
