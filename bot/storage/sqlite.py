"""SQLite storage through one long-lived aiosqlite connection.

WAL mode with `synchronous=FULL`: a row counts as stored only once it is on disk. The
schema is versioned with `PRAGMA user_version` and migrated in code at start-up, so nobody
runs SQL by hand. Only pseudonymous user references are stored (see `bot.storage.privacy`), and
every statement is parameterised.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self

import aiosqlite

from bot.storage.records import (
    LABELS,
    RAISING_ANSWERS,
    STATUSES,
    CheckIn,
    CountColumn,
    Escalation,
    NewEscalation,
)
from bot.storage.sqlite_setup import StoreGone, connect, identity, migrate, one_writer, schema_version

BUSY_TIMEOUT_MS = 5000
DATABASE_FILE = "bot.sqlite3"  # in the data folder

_COLUMNS = ("id, created_at, chat_type, lang, level, trigger_rule, trigger_phrase, about_other, "
            "excerpt, check_in, status, handled_by, handled_at, label, reminded, source, detector")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SqliteStore:
    """The `bot.storage.store.Store` protocol on one SQLite file."""

    def __init__(self, connection: aiosqlite.Connection, path: Path, busy_timeout_ms: int) -> None:
        self._db = connection
        self._write_lock = asyncio.Lock()
        self._path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._file = identity(path)

    @classmethod
    async def open(cls, path: Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Self:
        connection = await connect(path, busy_timeout_ms)
        store = cls(connection, path, busy_timeout_ms)
        try:
            await store._migrate()
        except BaseException:
            await connection.close()
            raise
        return store

    async def close(self) -> None:
        await self._db.close()

    async def healthy(self) -> bool:
        """False when the file was deleted or replaced: SQLite would go on writing to the
        unlinked file, and every row written after that would vanish at the next restart."""
        return self._intact()

    def _intact(self) -> bool:
        return identity(self._path) == self._file

    async def reconnect(self) -> None:
        """Open the database file afresh (creating and migrating it if it is gone)."""
        fresh = await connect(self._path, self._busy_timeout_ms)
        old, self._db = self._db, fresh
        self._file = identity(self._path)
        try:
            await self._migrate()
        finally:
            await old.close()

    async def schema_version(self) -> int:
        return await schema_version(self._db)

    async def _migrate(self) -> None:
        await migrate(self._db)

    async def languages(self) -> dict[str, str]:
        async with self._db.execute("SELECT user_ref, lang FROM preferences") as cursor:
            return {ref: lang async for ref, lang in cursor}

    @one_writer
    async def set_language(self, user_ref: str, lang: str) -> None:
        await self._db.execute(
            "INSERT INTO preferences (user_ref, lang, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_ref) DO UPDATE SET lang = excluded.lang, updated_at = excluded.updated_at",
            (user_ref, lang, _now()))
        await self._db.commit()

    @one_writer
    async def clear_language(self, user_ref: str) -> None:
        await self._db.execute("DELETE FROM preferences WHERE user_ref = ?", (user_ref,))
        await self._db.commit()

    @one_writer
    async def forget(self, user_ref: str) -> int:
        """Delete every row about one person (notes go with their escalation); returns how many."""
        removed = 0
        for table in ("preferences", "escalations", "check_ins"):
            cursor = await self._db.execute(f"DELETE FROM {table} WHERE user_ref = ?", (user_ref,))
            removed += cursor.rowcount
        await self._db.commit()
        # The write-ahead log still holds the old pages until a checkpoint empties it.
        await self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return removed

    @one_writer
    async def add_escalation(self, new: NewEscalation) -> int | None:
        """SqliteStore one escalation; returns its id, or None when this update was stored before."""
        if not self._intact():
            raise StoreGone(f"{self._path} was removed or replaced while the bot was running")
        cursor = await self._db.execute(
            "INSERT INTO escalations (update_key, created_at, user_ref, chat_type, lang, level, "
            "trigger_rule, trigger_phrase, about_other, excerpt, source, detector) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (update_key) DO NOTHING",
            (new.update_key, new.created_at, new.user_ref, new.chat_type, new.lang, new.level,
             new.trigger_rule, new.trigger_phrase, int(new.about_other), new.excerpt, new.source,
             new.detector))
        await self._db.commit()
        return cursor.lastrowid if cursor.rowcount else None

    async def escalation(self, escalation_id: int) -> Escalation | None:
        found = await self.escalations(ids=(escalation_id,))
        return found[0] if found else None

    async def escalations(self, status: str | None = None, since: str | None = None,
                          ids: Sequence[int] = (), limit: int | None = None,
                          open_only: bool = False) -> list[Escalation]:
        """Newest first. Ties on the second (a burst) go by id, which only grows: a list cut
        at `limit` must keep the newest rows, whatever their timestamps share."""
        where: list[str] = ["status != 'resolved'"] if open_only else []
        args: list[Any] = []
        if status:
            where.append("status = ?")
            args.append(status)
        if since:
            where.append("created_at >= ?")
            args.append(since)
        if ids:
            where.append(f"id IN ({', '.join('?' for _ in ids)})")
            args.extend(ids)
        sql = f"SELECT {_COLUMNS} FROM escalations"
        sql += f" WHERE {' AND '.join(where)}" if where else ""
        sql += " ORDER BY created_at DESC, id DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        async with self._db.execute(sql, args) as cursor:
            rows = [row async for row in cursor]
        notes = await self._notes([int(r[0]) for r in rows])
        return [Escalation(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8], r[9],
                           r[10], r[11], r[12], r[13], bool(r[14]), r[15], r[16],
                           tuple(notes.get(int(r[0]), [])))
                for r in rows]

    async def _notes(self, ids: list[int]) -> dict[int, list[str]]:
        if not ids:
            return {}
        found: dict[int, list[str]] = {}
        sql = (f"SELECT escalation_id, created_at, author, text FROM notes WHERE escalation_id IN "
               f"({', '.join('?' for _ in ids)}) ORDER BY id")
        async with self._db.execute(sql, ids) as cursor:
            async for escalation_id, created_at, author, text in cursor:
                found.setdefault(int(escalation_id), []).append(f"{created_at[:16]} {author}: {text}")
        return found

    @one_writer
    async def set_status(self, escalation_id: int, status: str, by: str) -> bool:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        cursor = await self._db.execute(
            "UPDATE escalations SET status = ?, handled_by = ?, handled_at = ? WHERE id = ?",
            (status, by, _now(), escalation_id))
        await self._db.commit()
        return cursor.rowcount > 0

    @one_writer
    async def set_label(self, escalation_id: int, label: str, by: str) -> bool:
        if label not in LABELS:
            raise ValueError(f"unknown label {label!r}")
        cursor = await self._db.execute(
            "UPDATE escalations SET label = ?, handled_by = COALESCE(handled_by, ?) WHERE id = ?",
            (label, by, escalation_id))
        await self._db.commit()
        return cursor.rowcount > 0

    @one_writer
    async def add_note(self, escalation_id: int, author: str, text: str) -> bool:
        if await self.escalation(escalation_id) is None:
            return False
        await self._db.execute(
            "INSERT INTO notes (escalation_id, created_at, author, text) VALUES (?, ?, ?, ?)",
            (escalation_id, _now(), author, text))
        await self._db.commit()
        return True

    @one_writer
    async def record_check_in(self, user_ref: str, answer: str, within: timedelta) -> int | None:
        """Attach an answer (`CHECK_IN_ANSWERS`) to the person's latest escalation; a raising one
        makes it urgent (an emergency stays one) and open again. Returns the escalation id, or
        None if there is none recent."""
        since = (datetime.now(UTC) - within).isoformat(timespec="seconds")
        async with self._db.execute(
                "SELECT id FROM escalations WHERE user_ref = ? AND created_at >= ? "
                "ORDER BY created_at DESC, id DESC LIMIT 1", (user_ref, since)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        raising = (", status = 'new', reminded = 0, level = CASE level WHEN 'emergency' THEN level "
                   "ELSE 'urgent' END") if answer in RAISING_ANSWERS else ""
        await self._db.execute(f"UPDATE escalations SET check_in = ?{raising} WHERE id = ?", (answer, row[0]))
        await self._db.commit()
        return int(row[0])

    @one_writer
    async def add_check_in(self, user_ref: str, chat_id: int, lang: str, due_at: datetime) -> int:
        """Schedule one check-in for a person, replacing any they had; returns its id."""
        await self._db.execute(
            "INSERT INTO check_ins (user_ref, chat_id, lang, due_at, created_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (user_ref) DO UPDATE SET chat_id = excluded.chat_id, lang = excluded.lang, "
            "due_at = excluded.due_at, created_at = excluded.created_at",
            (user_ref, chat_id, lang, due_at.astimezone(UTC).isoformat(timespec="seconds"), _now()))
        await self._db.commit()
        async with self._db.execute("SELECT id FROM check_ins WHERE user_ref = ?", (user_ref,)) as cursor:
            row = await cursor.fetchone()
        assert row is not None  # written just above, on this one connection
        return int(row[0])

    @one_writer
    async def cancel_check_in(self, check_in_id: int, user_ref: str) -> bool:
        """Only the person it belongs to can cancel a check-in."""
        cursor = await self._db.execute("DELETE FROM check_ins WHERE id = ? AND user_ref = ?",
                                        (check_in_id, user_ref))
        await self._db.commit()
        return cursor.rowcount > 0

    async def due_check_ins(self, now: datetime) -> list[CheckIn]:
        async with self._db.execute(
                "SELECT id, user_ref, chat_id, lang, due_at FROM check_ins WHERE due_at <= ? ORDER BY due_at",
                (now.astimezone(UTC).isoformat(timespec="seconds"),)) as cursor:
            return [CheckIn(int(i), str(ref), int(chat), str(lang), datetime.fromisoformat(due))
                    async for i, ref, chat, lang, due in cursor]

    async def check_in_pending(self, user_ref: str) -> bool:
        async with self._db.execute("SELECT 1 FROM check_ins WHERE user_ref = ?", (user_ref,)) as cursor:
            return await cursor.fetchone() is not None

    @one_writer
    async def delete_check_in(self, check_in_id: int) -> None:
        await self._db.execute("DELETE FROM check_ins WHERE id = ?", (check_in_id,))
        await self._db.commit()

    async def open_count(self) -> int:
        async with self._db.execute("SELECT COUNT(*) FROM escalations WHERE status != 'resolved'") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def unacknowledged(self, older_than: timedelta) -> list[Escalation]:
        """New escalations nobody has acknowledged in time and that were not re-posted yet."""
        before = (datetime.now(UTC) - older_than).isoformat(timespec="seconds")
        async with self._db.execute(
                "SELECT id FROM escalations WHERE status = 'new' AND reminded = 0 AND created_at <= ?",
                (before,)) as cursor:
            ids = [int(r[0]) async for r in cursor]
        return await self.escalations(ids=ids) if ids else []

    @one_writer
    async def mark_reminded(self, escalation_id: int) -> None:
        await self._db.execute("UPDATE escalations SET reminded = 1 WHERE id = ?", (escalation_id,))
        await self._db.commit()

    @one_writer
    async def purge(self, older_than_days: int) -> int:
        before = (datetime.now(UTC) - timedelta(days=older_than_days)).isoformat(timespec="seconds")
        cursor = await self._db.execute("DELETE FROM escalations WHERE created_at < ?", (before,))
        await self._db.commit()
        return cursor.rowcount

    async def counts(self, column: CountColumn, since: str) -> list[tuple[str, int]]:
        """Escalations per value of one column (`day`, `trigger_rule`, `lang`, `level`) since a time."""
        # Days are Vietnam's days: staff read "yesterday" in local time.
        expression = {"day": "substr(datetime(created_at, '+7 hours'), 1, 10)",
                      "trigger_rule": "trigger_rule",
                      "lang": "lang", "level": "level", "status": "status", "source": "source"}[column]
        async with self._db.execute(
                f"SELECT {expression} AS key, COUNT(*) FROM escalations WHERE created_at >= ? "
                f"GROUP BY key ORDER BY key", (since,)) as cursor:
            return [(str(k), int(n)) async for k, n in cursor]
