"""Helpers shared by the Telegram tests: settings, a bot running against the fake server, and
small readers of what the fake server recorded."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.config import ContentPaths, Settings
from bot.content.loader import load_engine
from bot.telegram.app import App, build_application, start, stop
from bot.telegram.state import BotState
from tests.fake_telegram import Call, FakeTelegram

ADMIN = 4242
USER = 1001


def make_settings(telegram: FakeTelegram, data_dir: Path, content: ContentPaths,
                  **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        token=telegram.token, base_url=f"{telegram.url}/bot", data_dir=data_dir,
        admin_ids=frozenset({ADMIN}), content=content, log_level="INFO", webhook_url=None,
        webhook_secret=None, port=0, user_messages_per_minute=20, pseudonym_secret="test-secret-key")
    values.update(overrides)
    return Settings(**values)


class Running:
    """Start and stop the real bot against the fake server, as many times as a test needs.
    Keyword arguments go to `build_application` on every start (`time_scale`, `clock`,
    `check_in_interval`, ...), so a restarted bot runs with the same options."""

    def __init__(self, telegram: FakeTelegram, settings: Settings, **options: Any) -> None:
        self.telegram, self.settings = telegram, settings
        self.options: dict[str, Any] = {"read_timeout": 2.0, **options}
        self.app: App | None = None

    @property
    def state(self) -> BotState:
        assert self.app is not None, "the bot is not running"
        return self.app.bot_data

    async def start(self) -> App:
        engine = load_engine(self.settings.content.intents_dir, self.settings.content.resources_file).engine
        self.app = build_application(self.settings, engine, **self.options)
        await start(self.app)
        assert self.app.updater is not None
        await self.app.updater.start_polling(poll_interval=0.0, timeout=1)
        return self.app

    async def stop(self) -> None:
        if self.app is not None:
            if self.app.updater and self.app.updater.running:
                await self.app.updater.stop()
            await stop(self.app)
            self.app = None


def rows(database: Path, table: str) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait for work the bot does after replying (storage writes come after the reply)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def to(chat_id: int) -> Callable[[Call], bool]:
    return lambda call: call.params.get("chat_id") == chat_id


async def replies(telegram: FakeTelegram, count: int = 1, chat_id: int = USER) -> list[str]:
    calls = await telegram.wait_for("sendMessage", count, where=to(chat_id))
    return [c.params["text"] for c in calls]


def buttons(call: Call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]
