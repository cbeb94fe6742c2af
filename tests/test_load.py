"""Load: 1,000 people sending 10 messages each, 10% of them crisis messages, through the fake
Bot API server. Every message gets exactly one reply (a crisis message its reply and its
check-in), and every crisis message one escalation row. Prints the time and peak memory.

Telegram's flood limits are switched off here: with them (30 messages a second, as the real
Telegram allows) the run would take minutes by design."""

from __future__ import annotations

import resource
import sqlite3
import time
from collections import Counter
from pathlib import Path

from bot.config import ContentPaths
from bot.content.loader import load_engine
from bot.telegram.app import build_application, start, stop
from tests.fake_telegram import FakeTelegram
from tests.support import make_settings

PEOPLE, EACH = 1000, 10
ORDINARY = [
    "chào bạn",
    "dạo này mình mất ngủ",
    "i feel so stressed about exams",
    "cảm ơn nhiều nha",
    "bố mẹ không hiểu mình",
    "how do i limit screen time",
    "cô đơn quá",
    "hôm nay ăn gì",
    "lo âu quá",
]
CRISIS = ["tôi muốn tự tử", "i want to end my life", "mk ko mun song nua"]


async def test_a_thousand_people_ten_messages_each(
    telegram: FakeTelegram, tmp_path: Path, content_dir: ContentPaths
) -> None:
    settings = make_settings(telegram, tmp_path / "data", content_dir, user_messages_per_minute=60)
    app = build_application(
        settings,
        load_engine(content_dir.intents_dir, content_dir.resources_file).engine,
        read_timeout=10.0,
        flood_limits=False,
    )
    await start(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        began = time.perf_counter()
        crises = 0
        for n in range(PEOPLE * EACH):
            person, turn = 10_000 + n % PEOPLE, n // PEOPLE
            if turn == 3:  # each person's fourth message is a crisis message
                telegram.send_text(CRISIS[n % len(CRISIS)], user_id=person)
                crises += 1
            else:
                telegram.send_text(ORDINARY[n % len(ORDINARY)], user_id=person)
        expected = PEOPLE * EACH + crises  # a crisis message brings its check-in too
        await telegram.wait_for("sendMessage", expected, timeout=600)
        elapsed = time.perf_counter() - began
    finally:
        await app.updater.stop()
        await stop(app)
    per_person = Counter(c.params["chat_id"] for c in telegram.calls_to("sendMessage"))
    assert len(per_person) == PEOPLE
    assert set(per_person.values()) == {EACH + crises // PEOPLE}
    with sqlite3.connect(settings.database_file) as db:
        assert db.execute("SELECT COUNT(*) FROM escalations").fetchone()[0] == crises
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\n{PEOPLE * EACH} messages ({crises} crisis) from {PEOPLE} people: {elapsed:.1f}s, "
        f"{PEOPLE * EACH / elapsed:.0f} messages/s, peak memory of the test process {peak_mib:.0f} MiB"
    )
