"""The store, through the `Store` protocol, on every backend (`tests.backends`): nothing lost,
nothing duplicated, nothing left of a person who asked to be forgotten."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.models import VIETNAM
from bot.storage.escalation_log import EscalationLog
from bot.storage.privacy import pseudonym
from bot.storage.records import NewEscalation
from bot.storage.store import Store
from tests.backends import Backend


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


def at(hour: int, minute: int = 0, day: int = 25) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=VIETNAM)


async def test_many_concurrent_writers_lose_nothing(backend: Backend, tmp_path: Path) -> None:
    first, second = await backend.open(tmp_path), await backend.open(tmp_path)
    try:
        writes = [
            store.add_escalation(escalation(n))
            for n in range(300)
            for store in ((first,) if n % 2 else (second,))
        ]
        ids = await asyncio.gather(*writes)
        assert len({i for i in ids if i is not None}) == 300
        assert len(await first.escalations()) == 300
    finally:
        await first.close()
        await second.close()


async def test_the_same_update_is_stored_once(store: Store) -> None:
    assert await store.add_escalation(escalation(7)) is not None
    assert await store.add_escalation(escalation(7)) is None
    assert len(await store.escalations()) == 1


async def test_purge_removes_only_what_is_older_than_retention(store: Store) -> None:
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
    [left] = await store.escalations()
    assert left.id != first and left.notes == () and await store.escalation(first) is None
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


async def test_one_pending_check_in_per_person(store: Store) -> None:
    first = await store.add_check_in("ref-a", 1001, "vi", at(12))
    again = await store.add_check_in("ref-a", 1001, "en", at(18))
    assert first == again
    [due] = await store.due_check_ins(at(19))
    assert (due.user_ref, due.chat_id, due.lang, due.due_at) == ("ref-a", 1001, "en", at(18))


async def test_only_due_check_ins_are_returned_in_order(store: Store) -> None:
    await store.add_check_in("ref-b", 2, "vi", at(18))
    await store.add_check_in("ref-a", 1, "vi", at(12))
    assert await store.due_check_ins(at(11, 59)) == []
    assert [c.chat_id for c in await store.due_check_ins(at(18))] == [1, 2]


async def test_only_the_owner_can_cancel(store: Store) -> None:
    check_in = await store.add_check_in("ref-a", 1001, "vi", at(12))
    assert not await store.cancel_check_in(check_in, "ref-b")
    assert await store.check_in_pending("ref-a")
    assert await store.cancel_check_in(check_in, "ref-a")
    assert not await store.check_in_pending("ref-a")


async def test_forget_removes_the_check_in(store: Store) -> None:
    await store.add_check_in("ref-a", 987654321, "vi", at(12))
    await store.forget("ref-a")
    assert await store.due_check_ins(at(23)) == []


def test_references_are_keyed_and_change_with_the_secret() -> None:
    assert pseudonym(1001, b"a") == pseudonym(1001, b"a")
    assert pseudonym(1001, b"a") != pseudonym(1001, b"b")
    assert pseudonym(1001, b"a") != pseudonym(1002, b"a")
    assert "1001" not in pseudonym(1001, b"a")


class FailingStore:
    """A store whose writes fail as a full disk or a read-only file makes a store fail; as root,
    the tests cannot make the real file system refuse."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.failure: Exception | None = None

    async def add_escalation(self, new: NewEscalation) -> int | None:
        if self.failure is not None:
            raise self.failure
        return await self.store.add_escalation(new)

    async def healthy(self) -> bool:
        return await self.store.healthy()

    async def reconnect(self) -> None:
        await self.store.reconnect()


@pytest.mark.parametrize(
    "failure",
    [
        OSError(28, "No space left on device"),
        PermissionError(13, "Read-only file system"),
        RuntimeError("database or disk is full"),
    ],
)
async def test_full_disk_or_read_only_store_loses_nothing(store: Store, tmp_path: Path,
                                                          failure: Exception) -> None:
    failing = FailingStore(store)
    log = EscalationLog(failing, tmp_path)  # type: ignore[arg-type]  # only the writes it needs
    failing.failure = failure
    for n in range(4):
        assert await log.record(escalation(n)) is None
    assert log.spool_size() == 4 and await log.flush_spool() == []
    failing.failure = None
    assert len(await log.flush_spool()) == 4
    assert len(await store.escalations()) == 4 and log.spool_size() == 0
