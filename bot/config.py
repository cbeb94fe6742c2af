"""Configuration from environment variables, read in this one place.

A missing or malformed value stops start-up with one line naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(Exception):
    """One configuration problem, worded for the person running the bot."""


@dataclass(frozen=True)
class ContentPaths:
    intents_dir: Path
    resources_file: Path


def content_paths(env: Mapping[str, str] | None = None) -> ContentPaths:
    env = os.environ if env is None else env
    intents = Path(env.get("BOT_INTENTS_DIR") or PROJECT_ROOT / "intents")
    resources = Path(env.get("BOT_RESOURCES_FILE") or PROJECT_ROOT / "resources.yaml")
    if not intents.is_dir():
        raise ConfigError(f"BOT_INTENTS_DIR: {intents} is not a folder")
    if not resources.is_file():
        raise ConfigError(f"BOT_RESOURCES_FILE: {resources} is not a file")
    return ContentPaths(intents, resources)


def log_level(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    level = (env.get("LOG_LEVEL") or "INFO").upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL: '{level}' is not one of {', '.join(LOG_LEVELS)}")
    return level
