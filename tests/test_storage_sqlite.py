"""The SQLite backend's own guarantees, on real files: its schema and migrations, a locked or
deleted database file, one connection shared by many writers, and nothing of a forgotten
person left in the file's free pages or its write-ahead log."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.models import VIETNAM
from bot.storage.escalation_log import EscalationLog
from bot.storage.sqlite import DATABASE_FILE, SqliteStore
from bot.storage.sqlite_setup import MIGRATIONS, SCHEMA_VERSION
from tests.test_storage import escalation


def count(path: Path, table: str = "escalations") -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / DATABASE_FILE)
    yield opened
    await opened.close()


async def test_an_empty_file_gets_the_whole_schema(sqlite_store: SqliteStore, tmp_path: Path) -> None:
    assert await sqlite_store.schema_version() == SCHEMA_VERSION
    with sqlite3.connect(tmp_path / DATABASE_FILE) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"preferences", "escalations", "notes", "check_ins"} <= tables
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_a_version_1_database_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        for statement in MIGRATIONS[0]:
            db.execute(statement)
        db.execute("INSERT INTO preferences VALUES ('ref-a', 'en', '2026-01-01T00:00:00+00:00')")
        db.execute("PRAGMA user_version = 1")
    store = await SqliteStore.open(path)
    try:
        assert await store.schema_version() == SCHEMA_VERSION
        assert await store.languages() == {"ref-a": "en"}
        assert await store.add_escalation(escalation(1)) == 1
    finally:
        await store.close()


async def test_a_version_2_database_gains_the_check_ins_table(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite3"
    with sqlite3.connect(path) as db:
        for migration in MIGRATIONS[:2]:
            for statement in migration:
                db.execute(statement)
        db.execute("PRAGMA user_version = 2")
    store = await SqliteStore.open(path)
    try:
        assert await store.schema_version() == SCHEMA_VERSION
        noon = datetime(2026, 11, 25, 12, tzinfo=VIETNAM)
        await store.add_check_in("ref-a", 5, "vi", noon - timedelta(days=1))
        assert len(await store.due_check_ins(noon)) == 1
    finally:
        await store.close()


async def test_a_version_4_database_gains_the_emergency_level_and_keeps_notes(tmp_path: Path) -> None:
    """Version 5 rebuilds the escalations table (a CHECK cannot be altered): rows and their
    notes survive, and the new level, answers and detector can be written."""
    path = tmp_path / "v4.sqlite3"
    with sqlite3.connect(path) as db:
        for migration in MIGRATIONS[:4]:
            for statement in migration:
                db.execute(statement)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        db.execute("INSERT INTO escalations (update_key, created_at, user_ref, chat_type, lang, level, "
                   "trigger_rule, trigger_phrase, check_in) VALUES ('u-old', ?, 'ref-a', 'private', 'vi', "
                   "'urgent', 'suicide_intent', 'muốn chết', 'safe')", (now,))
        db.execute("INSERT INTO notes (escalation_id, created_at, author, text) "
                   "VALUES (1, ?, 'lan', 'gọi lại')", (now,))
        db.execute("PRAGMA user_version = 4")
    store = await SqliteStore.open(path)
    try:
        assert await store.schema_version() == SCHEMA_VERSION
        [old] = await store.escalations()
        assert (old.level, old.check_in, old.detector) == ("urgent", "safe", "rules")
        assert any("gọi lại" in note for note in old.notes)
        new = replace(escalation(2, user="ref-b"), level="emergency", detector="model")
        new_id = await store.add_escalation(new)
        assert new_id is not None
        assert await store.record_check_in("ref-b", "thinking", timedelta(hours=1)) == new_id
        [newest] = await store.escalations(ids=[new_id])
        assert (newest.level, newest.check_in, newest.detector) == ("emergency", "thinking", "model")
    finally:
        await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []


async def test_a_newer_database_is_refused_not_damaged(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(RuntimeError, match="newer than this bot"):
        await SqliteStore.open(path)


async def test_a_locked_database_sends_escalations_to_the_spool_and_back(tmp_path: Path) -> None:
    path = tmp_path / DATABASE_FILE
    store = await SqliteStore.open(path, busy_timeout_ms=50)
    log = EscalationLog(store, tmp_path)
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        blocker.execute("BEGIN EXCLUSIVE")
        results = [await log.record(escalation(n)) for n in range(5)]
        assert results == [None] * 5
        assert log.spool_size() == 5
        assert await log.flush_spool() == []  # still locked: kept in the spool
        assert log.spool_size() == 5
        blocker.execute("ROLLBACK")
        stored = await log.flush_spool()
        assert len(stored) == 5 and log.spool_size() == 0
        await log.record(escalation(3))  # re-delivered after recovery: no duplicate
        assert count(path) == 5
    finally:
        blocker.close()
        await store.close()


async def test_a_database_deleted_while_running_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / DATABASE_FILE
    store = await SqliteStore.open(path)
    log = EscalationLog(store, tmp_path)
    try:
        assert await log.record(escalation(1)) == 1
        for suffix in ("", "-wal", "-shm"):
            (tmp_path / f"{DATABASE_FILE}{suffix}").unlink(missing_ok=True)
        assert not await store.healthy()
        assert await log.record(escalation(2)) is None  # refused: it would vanish with the file
        assert log.spool_size() == 1
        assert len(await log.flush_spool()) == 1
        assert await store.healthy() and count(path) == 1 and log.spool_size() == 0
    finally:
        await store.close()


async def test_forget_leaves_no_trace_in_the_files(sqlite_store: SqliteStore, tmp_path: Path) -> None:
    ref = "ref-0123456789abcdef-forget-me"
    for n in range(50):
        await sqlite_store.add_escalation(escalation(n, ref, excerpt="mình không ổn"))
    await sqlite_store.add_escalation(escalation(999, "ref-someone-else"))
    await sqlite_store.set_language(ref, "en")
    await sqlite_store.add_check_in(ref, 987654321, "vi", datetime.now(UTC))
    await sqlite_store.forget(ref)
    for file in tmp_path.iterdir():
        raw = file.read_bytes()
        assert ref.encode() not in raw, file.name
        assert (987654321).to_bytes(4, "big") not in raw, file.name  # the check-in's chat id


async def test_a_failed_commit_never_takes_another_writers_row(sqlite_store: SqliteStore, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Writers share one connection: a failing commit must not roll back rows that other
    writers were already told were stored."""
    real_commit = sqlite_store._db.commit
    failures = iter([True])

    async def commit_failing_once() -> None:
        await asyncio.sleep(0)  # let other writers run in between, as real I/O does
        if next(failures, False):
            raise sqlite3.OperationalError("database or disk is full")
        await real_commit()

    monkeypatch.setattr(sqlite_store._db, "commit", commit_failing_once)
    results = await asyncio.gather(*(sqlite_store.add_escalation(escalation(n)) for n in range(20)),
                                   return_exceptions=True)
    stored = [r for r in results if isinstance(r, int)]
    assert len(stored) == 19 and sum(isinstance(r, sqlite3.OperationalError) for r in results) == 1
    assert count(tmp_path / DATABASE_FILE) == 19


@pytest.mark.parametrize(
    "failure",
    [
        sqlite3.OperationalError("database or disk is full"),
        sqlite3.OperationalError("attempt to write a readonly database"),
    ],
)
async def test_sqlites_own_write_failures_lose_nothing(sqlite_store: SqliteStore, tmp_path: Path,
                                                       failure: Exception,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    log = EscalationLog(sqlite_store, tmp_path)
    real = sqlite_store._db.execute

    def failing(sql: str, *args: object) -> object:
        if sql.startswith("INSERT INTO escalations"):
            raise failure
        return real(sql, *args)

    monkeypatch.setattr(sqlite_store._db, "execute", failing)
    for n in range(4):
        assert await log.record(escalation(n)) is None
    assert log.spool_size() == 4 and await log.flush_spool() == []
    monkeypatch.setattr(sqlite_store._db, "execute", real)
    assert len(await log.flush_spool()) == 4
    assert count(tmp_path / DATABASE_FILE) == 4 and log.spool_size() == 0


async def test_purge_takes_the_notes_with_their_escalation(sqlite_store: SqliteStore, tmp_path: Path) -> None:
    old = await sqlite_store.add_escalation(escalation(1, days_ago=100))
    assert old is not None and await sqlite_store.add_note(old, "staff", "old note")
    assert await sqlite_store.purge(older_than_days=90) == 1
    assert count(tmp_path / DATABASE_FILE, "notes") == 0
