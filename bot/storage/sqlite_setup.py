"""Setting up the SQLite file: the schema, as the migrations that build it one version at a
time, and a connection with the settings every write relies on."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

import aiosqlite

from bot.storage.private_files import create_private

# Each entry moves the schema from version N-1 to N. Never edit a shipped entry: add one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE preferences (
               user_ref TEXT PRIMARY KEY,
               lang TEXT NOT NULL CHECK (lang IN ('vi', 'en')),
               updated_at TEXT NOT NULL
           )""",
    ),
    (
        """CREATE TABLE escalations (
               id INTEGER PRIMARY KEY,
               update_key TEXT NOT NULL UNIQUE,
               created_at TEXT NOT NULL,
               user_ref TEXT NOT NULL,
               chat_type TEXT NOT NULL,
               lang TEXT NOT NULL,
               level TEXT NOT NULL CHECK (level IN ('urgent', 'concern')),
               trigger_rule TEXT NOT NULL,
               trigger_phrase TEXT NOT NULL,
               about_other INTEGER NOT NULL DEFAULT 0,
               excerpt TEXT,
               check_in TEXT CHECK (check_in IN ('safe', 'needs_help')),
               status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'acknowledged', 'resolved')),
               handled_by TEXT,
               handled_at TEXT,
               label TEXT CHECK (label IN ('real', 'false_alarm')),
               reminded INTEGER NOT NULL DEFAULT 0
           )""",
        "CREATE INDEX escalations_created ON escalations (created_at)",
        "CREATE INDEX escalations_status ON escalations (status)",
        "CREATE INDEX escalations_user ON escalations (user_ref)",
        """CREATE TABLE notes (
               id INTEGER PRIMARY KEY,
               escalation_id INTEGER NOT NULL REFERENCES escalations (id) ON DELETE CASCADE,
               created_at TEXT NOT NULL,
               author TEXT NOT NULL,
               text TEXT NOT NULL
           )""",
    ),
    (
        # The chat id is the one raw Telegram identifier the bot stores: a check-in cannot be
        # sent without it. The row is deleted once the check-in is sent or cancelled.
        """CREATE TABLE check_ins (
               id INTEGER PRIMARY KEY,
               user_ref TEXT NOT NULL UNIQUE,
               chat_id INTEGER NOT NULL,
               lang TEXT NOT NULL CHECK (lang IN ('vi', 'en')),
               due_at TEXT NOT NULL,
               created_at TEXT NOT NULL
           )""",
        "CREATE INDEX check_ins_due ON check_ins (due_at)",
    ),
    (
        # Escalations from the terminal chat (`python -m bot chat`) share the log so that the
        # staff tools can be tried without Telegram; each row says where it came from.
        "ALTER TABLE escalations ADD COLUMN source TEXT NOT NULL DEFAULT 'telegram' "
        "CHECK (source IN ('telegram', 'terminal'))",
    ),
    (
        # A third level, emergency (already acted or in the act); the answers to the direct
        # question "are you thinking of harming yourself?"; and which detector raised it.
        # SQLite cannot change a CHECK, so the table is rebuilt (foreign keys are off while
        # migrating: dropping the old table must not take the notes with it).
        """CREATE TABLE escalations_v5 (
               id INTEGER PRIMARY KEY,
               update_key TEXT NOT NULL UNIQUE,
               created_at TEXT NOT NULL,
               user_ref TEXT NOT NULL,
               chat_type TEXT NOT NULL,
               lang TEXT NOT NULL,
               level TEXT NOT NULL CHECK (level IN ('emergency', 'urgent', 'concern')),
               trigger_rule TEXT NOT NULL,
               trigger_phrase TEXT NOT NULL,
               about_other INTEGER NOT NULL DEFAULT 0,
               excerpt TEXT,
               check_in TEXT CHECK (check_in IN ('safe', 'needs_help', 'thinking', 'not_thinking',
                                                 'unsaid')),
               status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'acknowledged', 'resolved')),
               handled_by TEXT,
               handled_at TEXT,
               label TEXT CHECK (label IN ('real', 'false_alarm')),
               reminded INTEGER NOT NULL DEFAULT 0,
               source TEXT NOT NULL DEFAULT 'telegram' CHECK (source IN ('telegram', 'terminal')),
               detector TEXT NOT NULL DEFAULT 'rules' CHECK (detector IN ('rules', 'model', 'both'))
           )""",
        """INSERT INTO escalations_v5 (id, update_key, created_at, user_ref, chat_type, lang, level,
               trigger_rule, trigger_phrase, about_other, excerpt, check_in, status, handled_by,
               handled_at, label, reminded, source)
           SELECT id, update_key, created_at, user_ref, chat_type, lang, level, trigger_rule,
               trigger_phrase, about_other, excerpt, check_in, status, handled_by, handled_at,
               label, reminded, source FROM escalations""",
        "DROP TABLE escalations",
        "ALTER TABLE escalations_v5 RENAME TO escalations",
        "CREATE INDEX escalations_created ON escalations (created_at)",
        "CREATE INDEX escalations_status ON escalations (status)",
        "CREATE INDEX escalations_user ON escalations (user_ref)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


class StoreGone(OSError):
    """The database file was removed or replaced under a running bot."""


async def connect(path: Path, busy_timeout_ms: int) -> aiosqlite.Connection:
    create_private(path)
    connection = await aiosqlite.connect(path)
    try:
        await connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        await connection.execute("PRAGMA journal_mode = WAL")
        await connection.execute("PRAGMA synchronous = FULL")
        await connection.execute("PRAGMA foreign_keys = ON")
        # Deleted rows are overwritten, not left in free pages: /forget must leave nothing.
        await connection.execute("PRAGMA secure_delete = ON")
    except BaseException:
        await connection.close()
        raise
    return connection


def identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino


async def schema_version(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def migrate(db: aiosqlite.Connection) -> None:
    """Bring the file to this bot's schema, one version at a time; a newer file is refused."""
    current = await schema_version(db)
    if current > SCHEMA_VERSION:
        raise RuntimeError(f"the database has schema version {current}, newer than this "
                           f"bot's {SCHEMA_VERSION}; run the newer bot or restore a backup")
    if current == SCHEMA_VERSION:
        return
    # Off while tables are rebuilt (it cannot change inside a transaction); checked before on.
    await db.execute("PRAGMA foreign_keys = OFF")
    try:
        for version in range(current + 1, SCHEMA_VERSION + 1):
            await db.execute("BEGIN IMMEDIATE")
            try:
                for statement in MIGRATIONS[version - 1]:
                    await db.execute(statement)
                async with db.execute("PRAGMA foreign_key_check") as cursor:
                    if await cursor.fetchone() is not None:
                        raise RuntimeError(f"migration to schema version {version} broke a reference")
                await db.execute(f"PRAGMA user_version = {version}")
                await db.commit()
            except BaseException:
                await db.rollback()
                raise
    finally:
        await db.execute("PRAGMA foreign_keys = ON")


class Connected(Protocol):
    """A store that writes through one shared connection."""

    _db: aiosqlite.Connection
    _write_lock: asyncio.Lock


S = TypeVar("S", bound=Connected)
P = ParamSpec("P")
R = TypeVar("R")


def one_writer(method: Callable[Concatenate[S, P], Coroutine[Any, Any, R]],
               ) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
    """Run a writing method alone, and roll it back if it fails. All writes share one
    connection, whose transaction takes in every statement executed before the next commit:
    interleaved, one task's failed commit would take other tasks' rows with it after they had
    been told their rows were stored (and an escalation so lost is never spooled)."""

    @functools.wraps(method)
    async def alone(store: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        async with store._write_lock:
            try:
                return await method(store, *args, **kwargs)
            except BaseException:
                with contextlib.suppress(Exception):
                    await store._db.rollback()
                raise

    return alone
