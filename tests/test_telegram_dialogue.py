"""Conversations end to end through the fake Bot API: answers typed instead of tapped, risk that
only shows across messages, and /forget dropping the memory of the last minutes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import ContentPaths
from bot.storage.privacy import pseudonym
from tests.fake_telegram import FakeTelegram
from tests.support import Person, Running, buttons, make_settings, text, until


@pytest.fixture
async def running(telegram: FakeTelegram, tmp_path: Path,
                  content_dir: ContentPaths) -> AsyncIterator[Running]:
    bot = Running(telegram, make_settings(telegram, tmp_path / "data", content_dir))
    await bot.start()
    yield bot
    await bot.stop()


async def one_reply_each(person: Person, *messages: str) -> None:
    """Each message in turn, waiting for its reply: the conversation in order."""
    for message in messages:
        person.says(message)
        await person.receives(1)


async def test_typed_answers_are_taken_as_the_buttons(running: Running, person: Person) -> None:
    person.says("dạo này mik thấy mik chỉ là gánh nặng cho cả nhà thôi")
    [question] = await person.receives(1)
    assert buttons(question)[0] == "ask:yes"
    person.says("ừ")
    urgent, safe = await person.receives(2)
    assert "115" in text(urgent) and "111" in text(urgent)
    assert buttons(safe) == ["checkin:safe", "checkin:help"]

    async def raised() -> bool:
        [escalation] = await running.store.escalations()
        return escalation.level == "urgent" and escalation.check_in == "thinking"

    await until(raised)  # the one escalation, raised by the answer, not a second one
    person.says("mình an toàn")
    glad, offer = await person.receives(2)
    assert "an toàn" in text(glad) and buttons(offer)[-1] == "remind:no"

    async def safe_stored() -> bool:
        [escalation] = await running.store.escalations()
        return escalation.check_in == "safe"

    await until(safe_stored)
    person.says("ok nhé")
    assert "Mình sẽ nhắn cho bạn lúc" in text(await person.receive())
    assert await running.store.check_in_pending(pseudonym(person.id, running.runtime.secret))


async def test_signals_across_messages_escalate_and_say_why(running: Running, person: Person) -> None:
    await one_reply_each(person, "dao nay mk met lam", "cam giac ai cung se on hon neu ko co mk")
    person.says("cam on da nghe mk noi nha, tam biet")
    first = text((await person.receives(2))[0])
    assert first.startswith("Từ những gì bạn kể nãy giờ") and "115" in first

    async def both_logged() -> bool:
        return await running.escalations() == 2

    await until(both_logged)
    rules = sorted(e.trigger_rule for e in await running.store.escalations())
    assert "despair_then_goodbye" in rules


async def test_forget_drops_the_memory_of_the_conversation(running: Running, person: Person) -> None:
    await one_reply_each(person, "em chẳng muốn tỉnh dậy nữa", "/forget")
    person.taps("forget:yes")
    await person.receives(1)
    person.says("ừ")
    reply = await person.receive()
    assert "ask:yes" not in buttons(reply) and "checkin:safe" not in buttons(reply)
    assert text(reply) == running.runtime.engine.replies.fallback("vi").text
    assert await running.escalations() == 0
