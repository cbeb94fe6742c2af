"""bot/telegram/heap.py freezes the loaded content out of the garbage collector's sight. That is only
safe because content has no reference cycles: an engine replaced by a reload must be freed by
reference counting alone, or every reload would leak a copy of the content."""

from __future__ import annotations

import gc
import weakref
from datetime import UTC, datetime

from bot.content.loader import load_engine
from bot.telegram.heap import settle
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
