"""bot/telegram/heap.py freezes the loaded content out of the garbage collector's sight. That is only
safe because content has no reference cycles: an engine replaced by a reload must be freed by
reference counting alone, or every reload would leak a copy of the content."""

from __future__ import annotations

import gc
import weakref
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.content.loader import load_engine
from bot.telegram.heap import malloc_trim, settle
from tests.conftest import ROOT
from tests.support import act


def test_an_engine_no_longer_used_is_freed_without_the_collector() -> None:
    engine = load_engine(ROOT / "intents", ROOT / "resources.yaml").engine
    now = datetime.now(UTC)
    for text in ("tôi muốn tự tử", "mất ngủ mấy hôm nay", "hello", "ko mún nói chuyện"):
        engine.respond(text, now=now)
    engine.action(act("menu"), "vi", now)
    parts = [weakref.ref(part) for part in (engine, engine.matcher, engine.replies, engine.guide,
                                             engine.rules)]
    gc.disable()
    try:
        del engine
        assert [part() for part in parts] == [None] * len(parts)
    finally:
        gc.enable()


def test_settling_freezes_what_is_alive() -> None:
    engine = load_engine(ROOT / "intents", ROOT / "resources.yaml").engine
    try:
        settle()
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
    assert engine.decide("toi muon chet").crisis


def _resident_kb() -> int:
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1])


@pytest.mark.skipif(not Path("/proc/self/status").exists() or malloc_trim() is None,
                    reason="needs Linux's /proc and glibc's malloc_trim to measure and to trim")
def test_settling_hands_freed_heap_back_to_the_system() -> None:
    # Blocks of 2 kB come from malloc, not Python's small-object arenas: freed, glibc keeps them
    # resident for reuse (as after training the model) until trimmed. The last one is kept so
    # the heap's top cannot simply shrink.
    blocks = [bytes(2048) + bytes([i % 256]) for i in range(20_000)]
    last = blocks[-1]
    del blocks
    gc.collect()
    before = _resident_kb()
    try:
        settle()
        after = _resident_kb()
    finally:
        gc.unfreeze()
    assert last and after < before - 20_000, (before, after)
