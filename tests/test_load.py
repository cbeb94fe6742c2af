"""Load: 1,000 people sending 10 messages each, 10% of them crisis messages, through the fake
Bot API server. Every message gets exactly one reply (a crisis message its reply and its
check-in), and every crisis message one escalation row. Prints the time and peak memory.

Telegram's flood limits are switched off here: with them (30 messages a second, as the real
Telegram allows) the run would take minutes by design."""

from __future__ import annotations

import resource
import time
from collections import Counter
from pathlib import Path

from bot.config import ContentPaths
from tests.fake_telegram import FakeTelegram
from tests.support import Running, make_settings, until

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


async def logged(bot: Running, count: int) -> bool:
    return await bot.escalations() == count


async def test_a_thousand_people_ten_messages_each(
    telegram: FakeTelegram, tmp_path: Path, content_dir: ContentPaths
) -> None:
    settings = make_settings(telegram, tmp_path / "data", content_dir, user_messages_per_minute=60)
    bot = Running(telegram, settings, read_timeout=10.0, flood_limits=False)
    await bot.start()
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
        await until(lambda: logged(bot, crises))  # escalations are written after each reply
    finally:
        await bot.stop()
    per_person = Counter(c.params["chat_id"] for c in telegram.calls_to("sendMessage"))
    assert len(per_person) == PEOPLE
    assert set(per_person.values()) == {EACH + crises // PEOPLE}
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\n{PEOPLE * EACH} messages ({crises} crisis) from {PEOPLE} people: {elapsed:.1f}s, "
        f"{PEOPLE * EACH / elapsed:.0f} messages/s, peak memory of the test process {peak_mib:.0f} MiB"
    )
