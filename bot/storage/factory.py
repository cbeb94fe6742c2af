"""Opening the store the configuration names; the one place that knows which backend it is."""

from __future__ import annotations

import sqlite3

from bot.config import StoreConfig
from bot.storage.sqlite import DATABASE_FILE, SqliteStore
from bot.storage.store import Store

# What a store raises when it fails (locked, read-only, full, gone): callers that report a
# failure rather than crash catch these.
STORE_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, OSError)


class NoStore(Exception):
    """Nothing is stored yet where the configuration points, and the caller would not create it."""


def where(config: StoreConfig) -> str:
    """The store's place in words, for people: a path today."""
    return str(config.data_dir / DATABASE_FILE)


async def open_store(config: StoreConfig, create: bool = True) -> Store:
    """The store, migrated to this bot's schema; with `create` False, NoStore if there is none
    yet (reading an empty log must not create one)."""
    path = config.data_dir / DATABASE_FILE
    if not create and not path.is_file():
        raise NoStore(f"no escalation log yet at {path}")
    return await SqliteStore.open(path)
