"""Configuration from environment variables, read in this one place.

A missing or malformed value stops start-up with one line naming the variable
(`ConfigError`), never a traceback. `.env.example` lists every variable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
TOKEN_PATTERN = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,256}$")


class ConfigError(Exception):
    """One configuration problem, worded for the person running the bot."""


@dataclass(frozen=True)
class ContentPaths:
    intents_dir: Path
    resources_file: Path


@dataclass(frozen=True)
class StoreConfig:
    """Where the bot keeps what it stores: today one SQLite file in the data folder."""

    data_dir: Path


@dataclass(frozen=True)
class Settings:
    token: str
    base_url: str
    data_dir: Path
    admin_ids: frozenset[int]
    content: ContentPaths
    log_level: str
    webhook_url: str | None
    webhook_secret: str | None
    port: int
    user_messages_per_minute: int
    pseudonym_secret: str | None
    staff_chat_id: int | None = None
    staff_ids: frozenset[int] = frozenset()
    retention_days: int = 90
    digest_hour: int = 8
    store_excerpts: bool = False
    alert_reminder_minutes: int = 30
    staff_lang: str = "vi"
    session_timeout_minutes: int = 30

    @property
    def store(self) -> StoreConfig:
        return StoreConfig(self.data_dir)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            raise ConfigError("TELEGRAM_BOT_TOKEN: not set; get a token from @BotFather")
        if not TOKEN_PATTERN.match(token):
            raise ConfigError("TELEGRAM_BOT_TOKEN: does not look like a bot token "
                              "(digits, a colon, then letters); copy it again from @BotFather")
        webhook_url = env.get("WEBHOOK_URL", "").strip() or None
        webhook_secret = env.get("WEBHOOK_SECRET", "").strip() or None
        if webhook_url:
            if not webhook_url.startswith("https://"):
                raise ConfigError("WEBHOOK_URL: Telegram only calls https:// addresses")
            if webhook_secret is None or not SECRET_PATTERN.match(webhook_secret):
                raise ConfigError("WEBHOOK_SECRET: required with WEBHOOK_URL; 16-256 characters "
                                  "of A-Z, a-z, 0-9, _ and -")
        return cls(
            token=token,
            base_url=(env.get("TELEGRAM_BASE_URL", "").strip() or DEFAULT_BASE_URL),
            data_dir=data_dir(env),
            admin_ids=_ids(env, "BOT_ADMIN_IDS"),
            content=content_paths(env),
            log_level=log_level(env),
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            port=_int(env, "PORT", 8080, 1, 65535),
            user_messages_per_minute=_int(env, "BOT_USER_MESSAGES_PER_MINUTE", 20, 1, 600),
            pseudonym_secret=pseudonym_secret(env),
            staff_chat_id=_chat_id(env, "STAFF_CHAT_ID"),
            staff_ids=_ids(env, "BOT_STAFF_IDS"),
            retention_days=retention_days(env),
            digest_hour=_int(env, "BOT_DIGEST_HOUR", 8, 0, 23),
            store_excerpts=store_excerpts(env),
            alert_reminder_minutes=_int(env, "BOT_ALERT_REMINDER_MINUTES", 30, 1, 1440),
            staff_lang=_choice(env, "BOT_STAFF_LANG", "vi", ("vi", "en")),
            session_timeout_minutes=session_timeout_minutes(env),
        )


def _ids(env: Mapping[str, str], name: str) -> frozenset[int]:
    raw = env.get(name, "").strip()
    if not raw:
        return frozenset()
    try:
        return frozenset(int(part) for part in raw.split(",") if part.strip())
    except ValueError:
        raise ConfigError(f"{name}: write Telegram user ids as numbers separated by commas, "
                          "like 12345,67890") from None


def _chat_id(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}: '{raw}' is not a Telegram chat id (a number; groups are "
                          "negative, like -1001234567890)") from None


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = env.get(name, "").strip().casefold() or default
    if raw not in choices:
        raise ConfigError(f"{name}: '{raw}' must be one of {', '.join(choices)}")
    return raw


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().casefold()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name}: '{raw}' must be true or false")


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ConfigError(f"{name}: '{raw}' must be a whole number from {low} to {high}")
    return int(raw)


def content_paths(env: Mapping[str, str] | None = None) -> ContentPaths:
    env = os.environ if env is None else env
    intents = Path(env.get("BOT_INTENTS_DIR") or PROJECT_ROOT / "intents")
    resources = Path(env.get("BOT_RESOURCES_FILE") or PROJECT_ROOT / "resources.yaml")
    if not intents.is_dir():
        raise ConfigError(f"BOT_INTENTS_DIR: {intents} is not a folder")
    if not resources.is_file():
        raise ConfigError(f"BOT_RESOURCES_FILE: {resources} is not a file")
    return ContentPaths(intents, resources)


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("BOT_DATA_DIR", "").strip() or "data")


def store_config(env: Mapping[str, str] | None = None) -> StoreConfig:
    """Where the store is, for tools that need it without the rest of the settings."""
    return StoreConfig(data_dir(env))


def pseudonym_secret(env: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if env is None else env
    return env.get("BOT_PSEUDONYM_SECRET", "").strip() or None


def store_excerpts(env: Mapping[str, str] | None = None) -> bool:
    return _flag(os.environ if env is None else env, "BOT_STORE_EXCERPTS")


def retention_days(env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    return _int(env, "BOT_RETENTION_DAYS", 90, 1, 3650)


def session_timeout_minutes(env: Mapping[str, str] | None = None) -> int:
    """How long an exercise, a safety plan and the memory of a conversation outlive silence."""
    return _int(os.environ if env is None else env, "BOT_SESSION_TIMEOUT_MINUTES", 30, 1, 1440)


def log_level(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    level = (env.get("LOG_LEVEL") or "INFO").upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL: '{level}' is not one of {', '.join(LOG_LEVELS)}")
    return level
