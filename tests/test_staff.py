"""The NPO staff's side, end to end through the fake Bot API server: alerts, their buttons,
staff-only commands, check-ins, reminders and the digest."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import ContentPaths
from bot.content.loader import load_engine
from bot.storage.sqlite import NewEscalation
from bot.telegram.app import App, build_application, start, stop
from tests.fake_telegram import Call, FakeTelegram
from tests.support import USER, make_settings

STAFF_CHAT = -100777
STAFF_MEMBER = 5555


@pytest.fixture
async def app(telegram: FakeTelegram, tmp_path: Path, content_dir: ContentPaths) -> AsyncIterator[App]:
    settings = make_settings(
        telegram,
        tmp_path / "data",
        content_dir,
        staff_chat_id=STAFF_CHAT,
        staff_ids=frozenset({STAFF_MEMBER}),
        store_excerpts=False,
    )
    application = build_application(
        settings,
        load_engine(content_dir.intents_dir, content_dir.resources_file).engine,
        read_timeout=2.0,
        alert_interval=0.01,
    )
    await start(application)
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    yield application
    await application.updater.stop()
    await stop(application)


def in_staff_chat(call: Call) -> bool:
    return call.params.get("chat_id") == STAFF_CHAT


def database(app: App) -> Path:
    return app.bot_data.settings.database_file


def rows(app: App, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(database(app)) as db:
        return list(db.execute(sql))


async def test_a_crisis_is_logged_and_alerted_without_identity(app: App, telegram: FakeTelegram) -> None:
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
    [(user_ref, excerpt)] = rows(app, "SELECT user_ref, excerpt FROM escalations")
    assert str(USER) not in str(user_ref) and excerpt is None  # excerpts are off by default


async def test_the_person_gets_the_crisis_reply_before_staff_hear_of_it(
    app: App, telegram: FakeTelegram
) -> None:
    telegram.send_text("tôi muốn tự tử")
    [alert] = await telegram.wait_for("sendMessage", where=in_staff_chat)
    [reply, *_] = telegram.calls_to("sendMessage")
    assert reply.params["chat_id"] == USER and reply.at < alert.at


async def test_staff_buttons_update_the_log_and_the_alert(app: App, telegram: FakeTelegram) -> None:
    telegram.send_text("tôi muốn tự tử")
    await telegram.wait_for("sendMessage", where=in_staff_chat)
    telegram.press_button("esc:ack:1", user_id=STAFF_MEMBER, chat_id=STAFF_CHAT)
    [edit] = await telegram.wait_for("editMessageText")
    assert "đã tiếp nhận bởi" in edit.params["text"]
    telegram.press_button("esc:false:1", user_id=STAFF_MEMBER, chat_id=STAFF_CHAT)
    await telegram.wait_for("editMessageText", 2)
    assert rows(app, "SELECT status, label, handled_by FROM escalations") == [
        ("acknowledged", "false_alarm", "Lan")
    ]


async def test_a_forged_staff_button_from_outside_changes_nothing(app: App, telegram: FakeTelegram) -> None:
    telegram.send_text("tôi muốn tự tử")
    await telegram.wait_for("sendMessage", where=in_staff_chat)
    telegram.press_button("esc:resolve:1", user_id=USER)
    await telegram.wait_for("answerCallbackQuery")
    await asyncio.sleep(0.3)
    assert rows(app, "SELECT status FROM escalations") == [("new",)]
    assert telegram.calls_to("editMessageText") == []


@pytest.mark.parametrize("command", ["/escalations", "/stats", "/note 1 called back"])
async def test_staff_commands_are_silent_for_everyone_else(
    app: App, telegram: FakeTelegram, command: str
) -> None:
    telegram.send_text(command, user_id=USER)
    telegram.send_text(command, user_id=USER, chat_id=-4444, chat_type="group")
    telegram.send_text("chào bạn", user_id=USER)
    await telegram.wait_for("sendMessage")
    await asyncio.sleep(0.3)
    assert len(telegram.calls_to("sendMessage")) == 1


async def test_staff_commands_answer_staff(app: App, telegram: FakeTelegram) -> None:
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
    app: App, telegram: FakeTelegram
) -> None:
    store = app.bot_data.store
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


async def test_needing_help_now_raises_the_escalation(app: App, telegram: FakeTelegram) -> None:
    telegram.send_text("em không muốn chết, chỉ muốn mọi thứ dừng lại")
    await telegram.wait_for("sendMessage", where=in_staff_chat)
    assert rows(app, "SELECT level FROM escalations") == [("concern",)]
    telegram.press_button("checkin:help")
    alerts = await telegram.wait_for("sendMessage", 2, where=in_staff_chat)
    assert "cần giúp ngay" in alerts[1].params["text"].casefold()
    assert rows(app, "SELECT level, check_in FROM escalations") == [("urgent", "needs_help")]


async def test_a_redelivered_update_is_logged_once(app: App, telegram: FakeTelegram) -> None:
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
    telegram.queue_update(dict(update))
    await telegram.wait_for("sendMessage", 4, where=lambda c: c.params["chat_id"] == USER)
    await asyncio.sleep(0.3)
    assert rows(app, "SELECT COUNT(*) FROM escalations") == [(1,)]


async def test_an_unacknowledged_alert_is_posted_again_once(app: App, telegram: FakeTelegram) -> None:
    old = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")
    await app.bot_data.store.add_escalation(
        NewEscalation("u-old", old, "ref", "private", "vi", "urgent", "self_harm", "rạch tay", False, None)
    )
    await app.bot_data.desk.remind()
    await app.bot_data.desk.remind()
    [reminder] = await telegram.wait_for("sendMessage", where=in_staff_chat)
    await asyncio.sleep(0.2)
    assert "Chưa ai tiếp nhận" in reminder.params["text"]
    assert len([c for c in telegram.calls_to("sendMessage") if in_staff_chat(c)]) == 1


async def test_the_daily_digest_has_counts_open_ones_and_a_chart(app: App, telegram: FakeTelegram) -> None:
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="seconds")
    for n in range(3):
        await app.bot_data.store.add_escalation(
            NewEscalation(
                f"u{n}", yesterday, "ref", "private", "vi", "urgent", "suicide_intent", "tự tử", False, None
            )
        )
    await app.bot_data.desk.digest(app.bot)
    [photo] = await telegram.wait_for("sendPhoto", where=in_staff_chat)
    assert "Đang mở: 3" in photo.params["caption"]
    [open_list] = await telegram.wait_for("sendMessage", where=in_staff_chat)
    assert "#3" in open_list.params["text"]
