"""SQLite storage through one long-lived aiosqlite connection.

WAL mode with `synchronous=FULL`: a row counts as stored only once it is on disk. The
schema is versioned with `PRAGMA user_version` and migrated in code at start-up, so nobody
runs SQL by hand. Only pseudonymous user references are stored (see `bot.privacy`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Self

import aiosqlite

BUSY_TIMEOUT_MS = 5000

# Each entry moves the schema from version N-1 to N. Never edit a shipped entry: add one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE preferences (
               user_ref TEXT PRIMARY KEY,
               lang TEXT NOT NULL CHECK (lang IN ('vi', 'en')),
               updated_at TEXT NOT NULL
           )""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection

    @classmethod
    async def open(cls, path: Path) -> Self:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(path)
        try:
            await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await connection.execute("PRAGMA journal_mode = WAL")
            await connection.execute("PRAGMA synchronous = FULL")
            await connection.execute("PRAGMA foreign_keys = ON")
            store = cls(connection)
            await store._migrate()
        except BaseException:
            await connection.close()
            raise
        return store

    async def close(self) -> None:
        await self._db.close()

    async def schema_version(self) -> int:
        async with self._db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        current = await self.schema_version()
        if current > SCHEMA_VERSION:
            raise RuntimeError(f"the database has schema version {current}, newer than this "
                               f"bot's {SCHEMA_VERSION}; run the newer bot or restore a backup")
        for version in range(current + 1, SCHEMA_VERSION + 1):
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                for statement in MIGRATIONS[version - 1]:
                    await self._db.execute(statement)
                await self._db.execute(f"PRAGMA user_version = {version}")
                await self._db.commit()
            except BaseException:
                await self._db.rollback()
                raise

    async def languages(self) -> dict[str, str]:
        async with self._db.execute("SELECT user_ref, lang FROM preferences") as cursor:
            return {ref: lang async for ref, lang in cursor}

    async def set_language(self, user_ref: str, lang: str) -> None:
        await self._db.execute(
            "INSERT INTO preferences (user_ref, lang, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_ref) DO UPDATE SET lang = excluded.lang, updated_at = excluded.updated_at",
            (user_ref, lang, _now()))
        await self._db.commit()

    async def forget(self, user_ref: str) -> int:
        """Delete every row about one person; returns how many rows went."""
        cursor = await self._db.execute("DELETE FROM preferences WHERE user_ref = ?", (user_ref,))
        await self._db.commit()
        return cursor.rowcount
