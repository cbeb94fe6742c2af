"""Everything the bot writes into BOT_DATA_DIR is owner-only, whatever the umask, and what it
finds wider gets a warning with the `chmod` to run."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import ContentPaths, StoreConfig
from bot.content.cache import ContentCache
from bot.storage.escalation_log import EscalationLog
from bot.storage.factory import open_store
from bot.storage.privacy import load_or_create_secret
from bot.storage.private_files import loose_permissions
from bot.storage.records import NewEscalation
from tests.fake_telegram import FakeTelegram
from tests.support import Running, make_settings, replies, until


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def modes(folder: Path) -> dict[str, int]:
    return {p.name: mode(p) for p in folder.iterdir()}


def escalation(key: str) -> NewEscalation:
    return NewEscalation(update_key=key, created_at="2026-12-01T00:00:00+00:00", user_ref="ref",
                         chat_type="private", lang="vi", level="urgent", trigger_rule="suicide_intent",
                         trigger_phrase="tự tử", about_other=False, excerpt=None)


@pytest.mark.usefixtures("permissive_umask")
async def test_the_database_with_its_wal_and_shm_is_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = await open_store(StoreConfig(data))
    try:
        await store.add_escalation(escalation("u1"))
        assert {"bot.sqlite3", "bot.sqlite3-wal", "bot.sqlite3-shm"} <= set(modes(data))
        assert mode(data) == 0o700
        assert set(modes(data).values()) == {0o600}
    finally:
        await store.close()


@pytest.mark.usefixtures("permissive_umask")
async def test_the_spool_and_its_side_files_are_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = await open_store(StoreConfig(tmp_path / "elsewhere"))
    await store.close()  # every write now fails: escalations go to the spool
    escalations = EscalationLog(store, data)
    assert await escalations.record(escalation("u1")) is None
    assert modes(data) == {"escalations.spool": 0o600} and mode(data) == 0o700
    with open(escalations.spool_path, "a", encoding="utf-8") as handle:
        handle.write("not json\n")
    await escalations.flush_spool()
    assert mode(data / "escalations.spool.unreadable") == 0o600
    await escalations.forget("someone else")
    assert set(modes(data).values()) == {0o600}


@pytest.mark.usefixtures("permissive_umask")
def test_the_key_and_the_content_cache_are_owner_only(tmp_path: Path, content_dir: ContentPaths) -> None:
    data = tmp_path / "data"
    secret = load_or_create_secret(None, data)
    ContentCache(data, secret).load(content_dir)
    assert mode(data) == 0o700
    assert modes(data) == {"pseudonym.key": 0o600, "content-cache.pickle": 0o600}


@pytest.mark.usefixtures("permissive_umask")
async def test_a_running_bot_writes_nothing_others_can_read(
    telegram: FakeTelegram, tmp_path: Path, content_dir: ContentPaths, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    bot = Running(telegram, make_settings(telegram, data, content_dir, pseudonym_secret=None))
    await bot.start()
    try:
        telegram.send_text("/language en")
        await replies(telegram)
        telegram.send_text("mình muốn tự tử")
        await replies(telegram, 3)
        await until(lambda: (data / "bot.sqlite3-wal").exists())
    finally:
        await bot.stop()
    assert mode(data) == 0o700
    assert "bot.sqlite3" in modes(data) and set(modes(data).values()) == {0o600}
    assert "chmod" not in caplog.text


async def test_a_folder_and_files_made_wider_by_hand_are_named_at_start_up(
    telegram: FakeTelegram, tmp_path: Path, content_dir: ContentPaths, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    (data / "bot.sqlite3").touch()
    os.chmod(data / "bot.sqlite3", 0o644)
    bot = Running(telegram, make_settings(telegram, data, content_dir))
    with caplog.at_level(logging.WARNING, logger="bot"):
        await bot.start()
        await bot.stop()
    assert f"run: chmod 700 {data}" in caplog.text
    assert f"run: chmod 600 {data / 'bot.sqlite3'}" in caplog.text
    assert mode(data) == 0o755  # reported, not changed behind the operator's back


def test_owner_only_items_raise_no_warning(tmp_path: Path) -> None:
    os.chmod(tmp_path, 0o700)
    (tmp_path / "a").touch(mode=0o600)
    (tmp_path / "sub").mkdir(mode=0o755)  # a folder inside is the operator's own business
    assert loose_permissions(tmp_path) == []
    assert loose_permissions(tmp_path / "missing") == []
    os.chmod(tmp_path / "a", 0o640)
    assert loose_permissions(tmp_path) == [
        f"{tmp_path / 'a'} can be reached by other users of this machine (-rw-r-----); "
        f"run: chmod 600 {tmp_path / 'a'}"]
