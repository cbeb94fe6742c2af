"""Helpers shared by the Telegram tests."""

from pathlib import Path
from typing import Any

from bot.config import ContentPaths, Settings
from tests.fake_telegram import FakeTelegram

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
