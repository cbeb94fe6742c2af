"""When a check-in is offered for, and how the store keeps it (the end-to-end flow through
Telegram is in test_activities.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.core.models import VIETNAM
from bot.storage.sqlite import MIGRATIONS, SCHEMA_VERSION, Store
from bot.telegram.checkins import next_check_in

TIMES = (time(9), time(12), time(18), time(21))


def at(hour: int, minute: int = 0, day: int = 25) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=VIETNAM)


@pytest.mark.parametrize(("now", "expected"), [
    (at(6, 30), at(9)),              # early morning: the first time, 2.5 hours away
    (at(7, 30), at(12)),             # 09:00 is only 1.5 hours away: too soon
    (at(10), at(12)),
    (at(19, 1), at(9, day=26)),      # 21:00 is under two hours away: tomorrow morning
    (at(2), at(9)),                  # someone writing at 2 a.m. hears back at 9
    (at(23, 59), at(9, day=26)),
])
def test_the_first_time_at_least_two_hours_away(now: datetime, expected: datetime) -> None:
    assert next_check_in(now, TIMES) == expected


def test_times_are_vietnam_times_whatever_the_clock_zone() -> None:
    now_utc = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
    assert next_check_in(now_utc, TIMES) == at(12)


def test_no_times_means_no_offer() -> None:
    assert next_check_in(at(10), ()) is None


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "bot.sqlite3")
    yield opened
    await opened.close()


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


async def test_forget_removes_the_check_in_and_its_chat_id(store: Store, tmp_path: Path) -> None:
    await store.add_check_in("ref-a", 987654321, "vi", at(12))
    await store.forget("ref-a")
    assert await store.due_check_ins(at(23)) == []
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("bot.sqlite3*"))
    assert (987654321).to_bytes(4, "big") not in raw


async def test_a_version_2_database_gains_the_check_ins_table(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite3"
    with sqlite3.connect(path) as db:
        for migration in MIGRATIONS[:2]:
            for statement in migration:
                db.execute(statement)
        db.execute("PRAGMA user_version = 2")
    store = await Store.open(path)
    try:
        assert await store.schema_version() == SCHEMA_VERSION
        await store.add_check_in("ref-a", 5, "vi", at(12) - timedelta(days=1))
        assert len(await store.due_check_ins(at(12))) == 1
    finally:
        await store.close()
