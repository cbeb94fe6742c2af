"""Configuration: one clear line naming the variable, never a traceback."""

from pathlib import Path

import pytest

from bot.config import ConfigError, Settings

TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ"


def test_defaults() -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert settings.base_url == "https://api.telegram.org/bot"
    assert settings.data_dir == Path("data")
    assert settings.admin_ids == frozenset()
    assert settings.webhook_url is None and settings.port == 8080


def test_everything_set() -> None:
    settings = Settings.from_env({
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
        "BOT_DATA_DIR": "/tmp/x", "BOT_ADMIN_IDS": "1, 2,3", "LOG_LEVEL": "debug",
        "WEBHOOK_URL": "https://bot.example.org/telegram", "WEBHOOK_SECRET": "s3cret-s3cret-s3cret",
        "PORT": "9000", "BOT_USER_MESSAGES_PER_MINUTE": "5"})
    assert settings.admin_ids == frozenset({1, 2, 3})
    assert settings.log_level == "DEBUG" and settings.port == 9000
    assert settings.user_messages_per_minute == 5


@pytest.mark.parametrize(("env", "message"), [
    ({}, "TELEGRAM_BOT_TOKEN: not set"),
    ({"TELEGRAM_BOT_TOKEN": "nonsense"}, "TELEGRAM_BOT_TOKEN: does not look like a bot token"),
    ({"BOT_ADMIN_IDS": "12,abc"}, "BOT_ADMIN_IDS: write Telegram user ids as numbers"),
    ({"PORT": "99999"}, "PORT: '99999' must be a whole number from 1 to 65535"),
    ({"LOG_LEVEL": "loud"}, "LOG_LEVEL: 'LOUD' is not one of"),
    ({"WEBHOOK_URL": "http://insecure.example"}, "WEBHOOK_URL: Telegram only calls https://"),
    ({"WEBHOOK_URL": "https://bot.example.org/t"}, "WEBHOOK_SECRET: required with WEBHOOK_URL"),
    ({"BOT_INTENTS_DIR": "/no/such/place"}, "BOT_INTENTS_DIR: /no/such/place is not a folder"),
])
def test_bad_values_name_the_variable(env: dict[str, str], message: str) -> None:
    full = {"TELEGRAM_BOT_TOKEN": TOKEN, **env} if "TELEGRAM_BOT_TOKEN" not in env and env else env
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(full)
    assert str(caught.value).startswith(message)
    assert TOKEN not in str(caught.value)
