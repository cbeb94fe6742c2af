"""Each crisis level end to end through the fake Bot API: emergency (115 first), urgent, concern
(the direct question and its buttons), someone else at risk, and a subject that is answered but
not escalated."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import ContentPaths
from bot.storage.records import Escalation
from tests.fake_telegram import Call, FakeTelegram
from tests.support import Person, Running, buttons, make_settings, text, until

STAFF_CHAT = -100778


@pytest.fixture
async def running(telegram: FakeTelegram, tmp_path: Path,
                  content_dir: ContentPaths) -> AsyncIterator[Running]:
    settings = make_settings(telegram, tmp_path / "data", content_dir, staff_chat_id=STAFF_CHAT,
                             staff_ids=frozenset({5555}))
    bot = Running(telegram, settings, alert_interval=0.01)
    await bot.start()
    yield bot
    await bot.stop()


def in_staff_chat(call: Call) -> bool:
    return call.params.get("chat_id") == STAFF_CHAT


async def only_escalation(running: Running) -> Escalation:
    async def logged() -> bool:
        return await running.escalations() > 0

    await until(logged)
    [escalation] = await running.store.escalations()
    return escalation


def every_button(calls: list[Call]) -> list[str]:
    return [b for call in calls for b in buttons(call)]


async def test_an_emergency_puts_115_first_and_offers_no_exercise(
        running: Running, person: Person, telegram: FakeTelegram) -> None:
    person.says("mình vừa uống hết lọ thuốc ngủ rồi")
    first, *rest = await person.receives(2)
    assert text(first).splitlines()[0].startswith("📞") and "115" in text(first).splitlines()[0]
    assert "exercise:breathing" not in every_button([first, *rest])
    escalation = await only_escalation(running)
    assert escalation.level == "emergency" and escalation.detector in ("rules", "both")
    [alert] = await telegram.wait_for("sendMessage", where=in_staff_chat)
    assert "CẤP CỨU" in alert.params["text"]


async def test_an_english_emergency_is_an_emergency_too(running: Running, person: Person) -> None:
    person.says("I just took all my pills")
    first, _ = await person.receives(2)
    assert "115" in text(first).splitlines()[0] and "Call" in text(first)
    assert (await only_escalation(running)).level == "emergency"


async def test_concern_asks_directly_and_yes_raises_to_urgent(running: Running, person: Person) -> None:
    person.says("em thấy mình là gánh nặng cho bố mẹ")
    [question] = await person.receives(1)
    assert "tự tử" in text(question) and "115" in text(question)
    yes, no, unsaid = buttons(question)[:3]
    assert (yes, unsaid) == ("ask:yes", "ask:unsaid") and no.startswith("ask:no")
    assert (await only_escalation(running)).level == "concern"
    person.taps("ask:yes")
    urgent = text(await person.receive())
    assert "115" in urgent and "111" in urgent

    async def raised() -> bool:
        [escalation] = await running.store.escalations()
        return escalation.level == "urgent" and escalation.check_in == "thinking"

    await until(raised)


@pytest.mark.parametrize(("tap", "answer", "words"), [
    ("ask:no", "not_thinking", "Cảm ơn bạn đã trả lời"),
    ("ask:unsaid", "unsaid", "Không sao cả"),
])
async def test_concern_answered_no_or_unsaid_keeps_the_lines_and_the_level(
        running: Running, person: Person, tap: str, answer: str, words: str) -> None:
    person.says("em thấy mình là gánh nặng cho bố mẹ")
    await person.receives(1)
    person.taps(tap)
    reply = text(await person.receive())
    assert words in reply and "111" in reply

    async def stored() -> bool:
        [escalation] = await running.store.escalations()
        return escalation.level == "concern" and escalation.check_in == answer

    await until(stored)


async def test_someone_else_at_risk_speaks_to_the_helper_and_asks_once_how_they_are(
        running: Running, person: Person) -> None:
    person.says("bạn thân mình nói muốn tự tử, mình phải làm sao")
    calls = await person.receives(2)
    said = "\n".join(text(c) for c in calls)
    assert "Cậu có đang nghĩ đến chuyện tự tử không?" in said and "115" in said
    assert "helper:ok" in every_button(calls) and "checkin:safe" not in every_button(calls)
    person.taps("helper:not_ok")
    assert "tự tử" in text(await person.receive())


async def test_a_subject_is_answered_with_its_topic_and_not_escalated(
        running: Running, person: Person) -> None:
    person.says("Em đang làm bài thuyết trình về phòng chống tự tử, có số liệu không ạ?")
    [reply] = await person.receives(1)
    assert "nói về tự tử một cách cẩn trọng" in text(reply) and "111" in text(reply)
    await person.gets_nothing_more(0.3)
    assert await running.escalations() == 0
