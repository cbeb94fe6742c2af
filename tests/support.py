"""What the end-to-end tests share: settings, the real bot running against the fake server with
the bot's own polling loop, and a `Person` in a chat who says, taps and receives, so that each
test reads like the conversation it checks."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.config import ContentPaths, Settings
from bot.content.loader import load_engine
from bot.core.actions import Action
from bot.storage.store import Store
from bot.telegram.app import build_application
from bot.telegram.lifecycle import App, start, stop
from bot.telegram.polling import poll
from bot.telegram.render import to_html
from bot.telegram.runtime import Runtime
from tests.fake_telegram import Call, FakeTelegram

ADMIN = 4242
USER = 1001


def act(data: str) -> Action:
    """The action written as `data`, as a button carries it."""
    action = Action.read(data)
    assert action is not None, data
    return action


def make_settings(telegram: FakeTelegram, data_dir: Path, content: ContentPaths,
                  **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        token=telegram.token, base_url=f"{telegram.url}/bot", data_dir=data_dir,
        admin_ids=frozenset({ADMIN}), content=content, log_level="INFO", webhook_url=None,
        webhook_secret=None, port=0, user_messages_per_minute=20, pseudonym_secret="test-secret-key")
    values.update(overrides)
    return Settings(**values)


class Running:
    """Start and stop the real bot against the fake server, as many times as a test needs,
    polling with the loop `python -m bot` runs (`bot.telegram.polling.poll`). Keyword arguments
    go to `build_application` on every start (`time_scale`, `clock`, `check_in_interval`, ...),
    so a restarted bot runs with the same options."""

    def __init__(self, telegram: FakeTelegram, settings: Settings, **options: Any) -> None:
        self.telegram, self.settings = telegram, settings
        self.options: dict[str, Any] = {"read_timeout": 2.0, **options}
        self.app: App | None = None
        self._stop = asyncio.Event()
        self._polling: asyncio.Task[None] | None = None

    @property
    def application(self) -> App:
        assert self.app is not None, "the bot is not running"
        return self.app

    @property
    def runtime(self) -> Runtime:
        assert self.app is not None and self.app.bot_data.runtime is not None, "the bot is not running"
        return self.app.bot_data.runtime

    @property
    def store(self) -> Store:
        return self.runtime.store

    async def start(self) -> App:
        engine = load_engine(self.settings.content.intents_dir, self.settings.content.resources_file).engine
        self.app = build_application(self.settings, engine, **self.options)
        await start(self.app)
        self._stop = asyncio.Event()
        self._polling = asyncio.create_task(poll(self.app, self._stop, timeout=1), name="polling")
        return self.app

    async def stop(self) -> None:
        if self.app is not None:
            self._stop.set()
            if self._polling is not None:
                await self._polling
            await stop(self.app)
            self.app = None

    async def escalations(self) -> int:
        return len(await self.store.escalations())


class Person:
    """One person in a private chat: what they send, and the bot's messages to them in order."""

    def __init__(self, telegram: FakeTelegram, user_id: int = USER) -> None:
        self.telegram, self.id = telegram, user_id
        self.seen = 0

    def says(self, text: str) -> int:
        """Send a message; its id, for an edit."""
        return int(self.telegram.send_text(text, user_id=self.id)["message"]["message_id"])

    def edits(self, message_id: int, text: str) -> None:
        self.telegram.edit_text(message_id, text, user_id=self.id)

    def sends_sticker(self) -> None:
        self.telegram.send_sticker(user_id=self.id)

    def taps(self, data: str | Action) -> None:
        self.telegram.press_button(str(data), user_id=self.id)

    def messages(self) -> list[Call]:
        return [c for c in self.telegram.calls_to("sendMessage") if to(self.id)(c)]

    async def receives(self, count: int, timeout: float = 5.0) -> list[Call]:
        """The next `count` messages to this person, waiting for them to arrive."""
        calls = await self.telegram.wait_for("sendMessage", self.seen + count, where=to(self.id),
                                             timeout=timeout)
        new = calls[self.seen:self.seen + count]
        self.seen += count
        return new

    async def receive(self, timeout: float = 5.0) -> Call:
        [call] = await self.receives(1, timeout)
        return call

    async def gets_nothing_more(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        extra = [c.params["text"][:80] for c in self.messages()[self.seen:]]
        assert not extra, f"unexpected messages: {extra}"

    def texts(self) -> list[str]:
        return [c.params["text"] for c in self.messages()]


def shown(text: str) -> str:
    """A content text as the person sees it: trimmed and escaped for Telegram's HTML."""
    return to_html(text.strip())


def text(call: Call) -> str:
    return str(call.params["text"])


async def until(condition: Callable[[], bool | Awaitable[bool]], timeout: float = 5.0) -> None:
    """Wait for work the bot does after replying (storage writes come after the reply);
    `condition` may be a coroutine function, such as a read through the store."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        met = condition()
        if not isinstance(met, bool):
            met = await met
        if met:
            return
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def to(chat_id: int) -> Callable[[Call], bool]:
    return lambda call: call.params.get("chat_id") == chat_id


async def replies(telegram: FakeTelegram, count: int = 1, chat_id: int = USER,
                  timeout: float = 5.0) -> list[str]:
    calls = await telegram.wait_for("sendMessage", count, where=to(chat_id), timeout=timeout)
    return [c.params["text"] for c in calls]


def buttons(call: Call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]
