"""Long polling through Telegram's faults (tests/fake_telegram.py injects them): the bot keeps
running, answers once the API is back, and handles no update twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import ContentPaths
from bot.content.loader import load_engine
from bot.telegram.app import build_application
from bot.telegram.lifecycle import App, start, stop
from bot.telegram.polling import poll
from tests.fake_telegram import FakeTelegram
from tests.support import make_settings


@pytest.fixture
async def polling(telegram: FakeTelegram, tmp_path: Path, content_dir: ContentPaths) -> AsyncIterator[App]:
    app = build_application(
        make_settings(telegram, tmp_path / "data", content_dir),
        load_engine(content_dir.intents_dir, content_dir.resources_file).engine,
        read_timeout=2.0,
    )
    await start(app)
    stop_event = asyncio.Event()
    task = asyncio.create_task(poll(app, stop_event, timeout=1))
    yield app
    stop_event.set()
    await asyncio.wait_for(task, 10)
    await stop(app)


async def test_each_update_is_answered_once_through_faults(polling: App, telegram: FakeTelegram) -> None:
    telegram.fail("getUpdates", "409")
    telegram.fail("getUpdates", "500")
    telegram.fail("getUpdates", "drop")
    for person in range(30):
        telegram.send_text("tôi muốn tự tử" if person % 3 == 0 else "mất ngủ", user_id=5000 + person)
    await telegram.wait_for("sendMessage", 40, timeout=30)
    await asyncio.sleep(1.5)
    answers = Counter(c.params["chat_id"] for c in telegram.calls_to("sendMessage"))
    assert {chat: n for chat, n in answers.items() if n != (2 if (chat - 5000) % 3 == 0 else 1)} == {}


async def test_the_api_disappearing_and_returning(polling: App, telegram: FakeTelegram) -> None:
    telegram.send_text("chào bạn")
    await telegram.wait_for("sendMessage")
    telegram.disappear()
    telegram.send_text("tôi muốn tự tử")  # written while Telegram was unreachable
    await asyncio.sleep(2.0)
    await telegram.reappear()
    calls = await telegram.wait_for("sendMessage", 3, timeout=30)
    assert "115" in calls[1].params["text"]
    await asyncio.sleep(1.0)
    assert len(telegram.calls_to("sendMessage")) == 3


async def test_updates_are_confirmed_after_they_are_handled(polling: App, telegram: FakeTelegram) -> None:
    for n in range(5):
        telegram.send_text(f"cảm ơn {n}")
    await telegram.wait_for("sendMessage", 5)
    await telegram.wait_for("getUpdates", where=lambda c: c.params.get("offset") == 6, timeout=5)
    assert telegram.pending_updates == []
