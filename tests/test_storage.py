"""The escalation store against real SQLite files: nothing lost, nothing duplicated."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage.escalation_log import EscalationLog
from bot.storage.sqlite import MIGRATIONS, SCHEMA_VERSION, NewEscalation, Store


def escalation(n: int, user: str = "ref-a", days_ago: float = 0, excerpt: str | None = None) -> NewEscalation:
    created = datetime.now(UTC) - timedelta(days=days_ago)
    return NewEscalation(
        update_key=f"u{n}",
        created_at=created.isoformat(timespec="seconds"),
        user_ref=user,
        chat_type="private",
        lang="vi",
        level="urgent",
        trigger_rule="suicide_intent",
        trigger_phrase="muốn chết",
        about_other=False,
        excerpt=excerpt,
    )


def count(path: Path, table: str = "escalations") -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "bot.sqlite3")
    yield opened
    await opened.close()


async def test_an_empty_file_gets_the_whole_schema(store: Store, tmp_path: Path) -> None:
    assert await store.schema_version() == SCHEMA_VERSION
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
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
    store = await Store.open(path)
    try:
        assert await store.schema_version() == SCHEMA_VERSION
        assert await store.languages() == {"ref-a": "en"}
        assert await store.add_escalation(escalation(1)) == 1
    finally:
        await store.close()


async def test_a_newer_database_is_refused_not_damaged(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(RuntimeError, match="newer than this bot"):
        await Store.open(path)


async def test_many_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    first, second = await Store.open(path), await Store.open(path)
    try:
        writes = [
            store.add_escalation(escalation(n))
            for n in range(300)
            for store in ((first,) if n % 2 else (second,))
        ]
        ids = await asyncio.gather(*writes)
        assert len({i for i in ids if i is not None}) == 300
        assert count(path) == 300
    finally:
        await first.close()
        await second.close()


async def test_the_same_update_is_stored_once(store: Store) -> None:
    assert await store.add_escalation(escalation(7)) is not None
    assert await store.add_escalation(escalation(7)) is None
    assert len(await store.escalations()) == 1


async def test_a_locked_database_sends_escalations_to_the_spool_and_back(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path, busy_timeout_ms=50)
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


async def test_purge_removes_only_what_is_older_than_retention(store: Store, tmp_path: Path) -> None:
    await store.add_escalation(escalation(1, days_ago=100))
    await store.add_escalation(escalation(2, days_ago=10))
    assert await store.purge(older_than_days=90) == 1
    assert [e.trigger_rule for e in await store.escalations()] == ["suicide_intent"]


async def test_forget_removes_one_person_everywhere(store: Store, tmp_path: Path) -> None:
    log = EscalationLog(store, tmp_path)
    await store.set_language("ref-a", "en")
    await store.set_language("ref-b", "vi")
    first = await store.add_escalation(escalation(1, "ref-a"))
    await store.add_escalation(escalation(2, "ref-b"))
    assert first is not None and await store.add_note(first, "staff", "called back")
    log._append_sync(escalation(3, "ref-a"))
    log._append_sync(escalation(4, "ref-b"))
    removed = await store.forget("ref-a")
    await log.forget("ref-a")
    assert removed == 2
    path = tmp_path / "bot.sqlite3"
    assert count(path, "escalations") == 1 and count(path, "notes") == 0
    assert await store.languages() == {"ref-b": "vi"}
    spool = log.spool_path.read_text()
    assert "ref-a" not in spool and "ref-b" in spool


async def test_hostile_text_is_stored_as_text(store: Store) -> None:
    hostile = "'); DROP TABLE escalations; -- \x00 <b>"
    new_id = await store.add_escalation(escalation(1, excerpt=hostile))
    assert new_id is not None
    await store.add_note(new_id, hostile, hostile)
    [found] = await store.escalations()
    assert found.excerpt == hostile and found.notes[0].endswith(hostile)


async def test_check_in_needing_help_reopens_and_makes_urgent(store: Store) -> None:
    new_id = await store.add_escalation(escalation(1))
    assert new_id is not None
    await store.set_status(new_id, "resolved", "staff")
    assert await store.record_check_in("ref-a", "needs_help", timedelta(hours=1)) == new_id
    found = await store.escalation(new_id)
    assert found is not None and (found.status, found.check_in, found.level) == (
        "new",
        "needs_help",
        "urgent",
    )
    assert await store.record_check_in("nobody", "safe", timedelta(hours=1)) is None


async def test_a_database_deleted_while_running_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path)
    log = EscalationLog(store, tmp_path)
    try:
        assert await log.record(escalation(1)) == 1
        for suffix in ("", "-wal", "-shm"):
            (tmp_path / f"bot.sqlite3{suffix}").unlink(missing_ok=True)
        assert await log.record(escalation(2)) is None  # refused: it would vanish with the file
        assert log.spool_size() == 1
        assert len(await log.flush_spool()) == 1
        assert count(path) == 1 and log.spool_size() == 0
    finally:
        await store.close()


async def test_forget_leaves_no_trace_in_the_files(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path)
    try:
        ref = "ref-0123456789abcdef-forget-me"
        for n in range(50):
            await store.add_escalation(escalation(n, ref, excerpt="mình không ổn"))
        await store.add_escalation(escalation(999, "ref-someone-else"))
        await store.set_language(ref, "en")
        await store.forget(ref)
        for file in tmp_path.iterdir():
            assert ref.encode() not in file.read_bytes(), file.name
    finally:
        await store.close()


def test_references_are_keyed_and_change_with_the_secret() -> None:
    from bot.storage.privacy import pseudonym

    assert pseudonym(1001, b"a") == pseudonym(1001, b"a")
    assert pseudonym(1001, b"a") != pseudonym(1001, b"b")
    assert pseudonym(1001, b"a") != pseudonym(1002, b"a")
    assert "1001" not in pseudonym(1001, b"a")


class FailingStore(Store):
    """A store whose writes fail as a full disk or a read-only file makes SQLite fail; as root,
    the tests cannot make the real file system refuse."""

    failure: Exception | None = None

    async def add_escalation(self, new: NewEscalation) -> int | None:
        if self.failure is not None:
            raise self.failure
        return await super().add_escalation(new)


@pytest.mark.parametrize(
    "failure",
    [
        sqlite3.OperationalError("database or disk is full"),
        OSError(28, "No space left on device"),
        sqlite3.OperationalError("attempt to write a readonly database"),
    ],
)
async def test_full_disk_or_read_only_database_loses_nothing(tmp_path: Path, failure: Exception) -> None:
    store = await FailingStore.open(tmp_path / "bot.sqlite3")
    log = EscalationLog(store, tmp_path)
    try:
        store.failure = failure
        for n in range(4):
            assert await log.record(escalation(n)) is None
        assert log.spool_size() == 4 and await log.flush_spool() == []
        store.failure = None
        assert len(await log.flush_spool()) == 4
        assert count(tmp_path / "bot.sqlite3") == 4 and log.spool_size() == 0
    finally:
        await store.close()


async def test_a_failed_commit_never_takes_another_writers_row(store: Store, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Writers share one connection: a failing commit must not roll back rows that other
    writers were already told were stored."""
    real_commit = store._db.commit
    failures = iter([True])

    async def commit_failing_once() -> None:
        await asyncio.sleep(0)  # let other writers run in between, as real I/O does
        if next(failures, False):
            raise sqlite3.OperationalError("database or disk is full")
        await real_commit()

    monkeypatch.setattr(store._db, "commit", commit_failing_once)
    results = await asyncio.gather(*(store.add_escalation(escalation(n)) for n in range(20)),
                                   return_exceptions=True)
    stored = [r for r in results if isinstance(r, int)]
    assert len(stored) == 19 and sum(isinstance(r, sqlite3.OperationalError) for r in results) == 1
    assert count(tmp_path / "bot.sqlite3") == 19
