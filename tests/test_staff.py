"""The NPO staff's side, end to end through the fake Bot API server: alerts, their buttons,
staff-only commands, check-ins, reminders and the digest."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import ContentPaths
from bot.storage.privacy import pseudonym
from bot.storage.records import NewEscalation
from tests.fake_telegram import Call, FakeTelegram
from tests.support import USER, Running, make_settings

STAFF_CHAT = -100777
STAFF_MEMBER = 5555


@pytest.fixture
async def running(
    telegram: FakeTelegram, tmp_path: Path, content_dir: ContentPaths
) -> AsyncIterator[Running]:
    settings = make_settings(
        telegram,
        tmp_path / "data",
        content_dir,
        staff_chat_id=STAFF_CHAT,
        staff_ids=frozenset({STAFF_MEMBER}),
        store_excerpts=False,
    )
    bot = Running(telegram, settings, alert_interval=0.01)
    await bot.start()
    yield bot
    await bot.stop()


def in_staff_chat(call: Call) -> bool:
    return call.params.get("chat_id") == STAFF_CHAT


async def logged(running: Running) -> list[tuple[object, ...]]:
    """Each escalation's status, label, who handled it, level and check-in, oldest first."""
    return [(e.status, e.label, e.handled_by, e.level, e.check_in)
            for e in reversed(await running.store.escalations())]


async def test_a_crisis_is_logged_and_alerted_without_identity(
    running: Running, telegram: FakeTelegram
) -> None:
    telegram.send_text("tôi muốn tự tử", user_id=USER, first_name="Nguyễn Thị Lan", username="lan_2007")
    [alert] = await telegram.wait_for("sendMessage", where=in_staff_chat)
    text = alert.params["text"]
    assert "#1" in text and "suicide_intent" in text and "KHẨN CẤP" in text
    for identity in (str(USER), "Lan", "lan_2007"):
        assert identity not in text
    markup = alert.params["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in markup] == [
        "esc:ack:1",
        "esc:resolve:1",
        "esc:real:1",
        "esc:false:1",
    ]
    [escalation] = await running.store.escalations()
    assert escalation.excerpt is None  # excerpts are off by default
    # Stored under the person's pseudonym, not their Telegram id.
    assert await running.store.forget(str(USER)) == 0
    assert await running.store.forget(pseudonym(USER, running.runtime.secret)) == 1


async def test_the_person_gets_the_crisis_reply_before_staff_hear_of_it(
    running: Running, telegram: FakeTelegram
) -> None:
    telegram.send_text("tôi muốn tự tử")
    [alert] = await telegram.wait_for("sendMessage", where=in_staff_chat)
    [reply, *_] = telegram.calls_to("sendMessage")
    assert reply.params["chat_id"] == USER and reply.at < alert.at


async def test_staff_buttons_update_the_log_and_the_alert(running: Running, telegram: FakeTelegram) -> None:
    telegram.send_text("tôi muốn tự tử")
    await telegram.wait_for("sendMessage", where=in_staff_chat)
    telegram.press_button("esc:ack:1", user_id=STAFF_MEMBER, chat_id=STAFF_CHAT)
    [edit] = await telegram.wait_for("editMessageText")
    assert "đã tiếp nhận bởi" in edit.params["text"]
    telegram.press_button("esc:false:1", user_id=STAFF_MEMBER, chat_id=STAFF_CHAT)
    await telegram.wait_for("editMessageText", 2)
    assert [row[:3] for row in await logged(running)] == [("acknowledged", "false_alarm", "Lan")]


async def test_a_forged_staff_button_from_outside_changes_nothing(
    running: Running, telegram: FakeTelegram
) -> None:
    telegram.send_text("tôi muốn tự tử")
    await telegram.wait_for("sendMessage", where=in_staff_chat)
    telegram.press_button("esc:resolve:1", user_id=USER)
    await telegram.wait_for("answerCallbackQuery")
    await asyncio.sleep(0.3)
    assert [row[:1] for row in await logged(running)] == [("new",)]
    assert telegram.calls_to("editMessageText") == []


@pytest.mark.parametrize("command", ["/escalations", "/stats", "/note 1 called back"])
async def test_staff_commands_are_silent_for_everyone_else(
    running: Running, telegram: FakeTelegram, command: str
) -> None:
    telegram.send_text(command, user_id=USER)
    telegram.send_text(command, user_id=USER, chat_id=-4444, chat_type="group")
    telegram.send_text("chào bạn", user_id=USER)
    await telegram.wait_for("sendMessage")
    await asyncio.sleep(0.3)
    assert len(telegram.calls_to("sendMessage")) == 1


async def test_staff_commands_answer_staff(running: Running, telegram: FakeTelegram) -> None:
    telegram.send_text("tôi muốn tự tử")
    await telegram.wait_for("sendMessage", where=in_staff_chat)
    telegram.send_text("/note 1 đã gọi lại cho gia đình", user_id=STAFF_MEMBER)
    telegram.send_text("/escalations", user_id=42, chat_id=STAFF_CHAT, chat_type="group")
    telegram.send_text("/stats", user_id=STAFF_MEMBER)
    await telegram.wait_for(
        "sendMessage",
        3,
        where=lambda c: (
            c.params["chat_id"] in (STAFF_MEMBER, STAFF_CHAT) and "Cảnh báo #" not in c.params["text"]
        ),
    )
    texts = telegram.sent_texts(STAFF_MEMBER) + telegram.sent_texts(STAFF_CHAT)
    assert any("Đã thêm ghi chú cho #1" in t for t in texts)
    assert any(t.startswith("Cảnh báo chưa xử lý xong") and "#1" in t for t in texts)
    assert any("7 ngày: 1" in t for t in texts)


async def test_the_staff_group_sees_which_escalations_came_from_the_terminal(
    running: Running, telegram: FakeTelegram
) -> None:
    store = running.store
    await store.add_escalation(NewEscalation(
        update_key="terminal:1", created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        user_ref="ref", chat_type="private", lang="vi", level="urgent", trigger_rule="suicide_intent",
        trigger_phrase="tự tử", about_other=False, excerpt=None, source="terminal"))
    telegram.send_text("tôi muốn tự tử")
    await telegram.wait_for("sendMessage", where=in_staff_chat)
    telegram.send_text("/escalations", user_id=42, chat_id=STAFF_CHAT, chat_type="group")
    [listing] = await telegram.wait_for(
        "sendMessage", where=lambda c: in_staff_chat(c) and "Cảnh báo chưa" in c.params["text"])
    terminal_line, telegram_line = [line for line in listing.params["text"].splitlines() if "#" in line][::-1]
    assert "terminal" in terminal_line and "terminal" not in telegram_line


async def test_needing_help_now_raises_the_escalation(running: Running, telegram: FakeTelegram) -> None:
    telegram.send_text("em không muốn chết, chỉ muốn mọi thứ dừng lại")
    await telegram.wait_for("sendMessage", where=in_staff_chat)
    assert [row[3:4] for row in await logged(running)] == [("concern",)]
    telegram.press_button("checkin:help")
    alerts = await telegram.wait_for("sendMessage", 2, where=in_staff_chat)
    assert "cần giúp ngay" in alerts[1].params["text"].casefold()
    assert [row[3:] for row in await logged(running)] == [("urgent", "needs_help")]


async def test_a_redelivered_update_is_logged_once(running: Running, telegram: FakeTelegram) -> None:
    update = {
        "update_id": 500,
        "message": {
            "message_id": 9,
            "date": 1,
            "chat": {"id": USER, "type": "private"},
            "from": {"id": USER, "is_bot": False, "first_name": "Lan"},
            "text": "tôi muốn tự tử",
        },
    }
    telegram.queue_update(dict(update))
    await telegram.wait_for("sendMessage", where=in_staff_chat)
    # Telegram delivers an update again when the bot stopped before confirming it.
    await running.stop()
    telegram.queue_update(dict(update))
    await running.start()
    await telegram.wait_for("sendMessage", 4, where=lambda c: c.params["chat_id"] == USER)
    await asyncio.sleep(0.3)
    assert await running.escalations() == 1


async def test_an_unacknowledged_alert_is_posted_again_once(running: Running, telegram: FakeTelegram) -> None:
    old = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")
    await running.store.add_escalation(
        NewEscalation("u-old", old, "ref", "private", "vi", "urgent", "self_harm", "rạch tay", False, None)
    )
    await running.runtime.desk.remind()
    await running.runtime.desk.remind()
    [reminder] = await telegram.wait_for("sendMessage", where=in_staff_chat)
    await asyncio.sleep(0.2)
    assert "Chưa ai tiếp nhận" in reminder.params["text"]
    assert len([c for c in telegram.calls_to("sendMessage") if in_staff_chat(c)]) == 1


async def test_the_daily_digest_has_counts_open_ones_and_a_chart(
    running: Running, telegram: FakeTelegram
) -> None:
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="seconds")
    for n in range(3):
        await running.store.add_escalation(
            NewEscalation(
                f"u{n}", yesterday, "ref", "private", "vi", "urgent", "suicide_intent", "tự tử", False, None
            )
        )
    await running.runtime.desk.digest(running.application.bot)
    [photo] = await telegram.wait_for("sendPhoto", where=in_staff_chat)
    assert "Đang mở: 3" in photo.params["caption"]
    [open_list] = await telegram.wait_for("sendMessage", where=in_staff_chat)
    assert "#3" in open_list.params["text"]
