"""End to end through Telegram's protocol: the real Application, real HTTP, a fake Bot API
server on loopback (tests/fake_telegram.py). Each test reads "the person sends this, the
person receives that"."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import ContentPaths
from tests.fake_telegram import FakeTelegram
from tests.support import ADMIN, USER, Person, Running, buttons, make_settings, replies, text, to, until

ROOT = Path(__file__).resolve().parent.parent
# A reload parses the content and retrains both models: seconds on a busy 2-core machine.
RELOAD_SECONDS = 30.0


@pytest.fixture
async def running(
    telegram: FakeTelegram, tmp_path: Path, content_dir: ContentPaths
) -> AsyncIterator[Running]:
    bot = Running(telegram, make_settings(telegram, tmp_path / "data", content_dir))
    await bot.start()
    yield bot
    await bot.stop()


async def languages_stored(running: Running, count: int) -> bool:
    return len(await running.store.languages()) == count


async def test_commands_are_registered_in_vietnamese_and_english(
    running: Running, telegram: FakeTelegram
) -> None:
    calls = await telegram.wait_for("setMyCommands", 3)
    by_language = {c.params.get("language_code"): c.params["commands"] for c in calls}
    assert set(by_language) == {None, "vi", "en"}
    names = [c["command"] for c in by_language["en"]]
    assert names == ["start", "help", "hotlines", "tips", "exercises", "safetyplan", "campaign",
                     "language", "privacy", "forget"]
    assert by_language["en"][0]["description"] != by_language["vi"][0]["description"]


async def test_start_says_what_the_bot_is_and_offers_the_menu(running: Running, person: Person) -> None:
    person.says("/start")
    call = await person.receive()
    assert "không phải con người" in call.params["text"] and "115" in call.params["text"]
    assert "/privacy" in call.params["text"]
    assert "menu:coping" in buttons(call)
    assert call.params["parse_mode"] == "HTML"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/help", "/hotlines"),
        ("/hotlines", "111"),
        ("/tips", "Bạn muốn tìm hiểu"),
        ("/campaign", "Đặt sức khỏe tâm thần lên hàng đầu"),
        ("/privacy", "/forget"),
        ("/language", "ngôn ngữ"),
        ("/forget", "không thể hoàn tác"),
    ],
)
async def test_each_command_answers(
    running: Running, person: Person, command: str, expected: str
) -> None:
    person.says(command)
    assert expected in text(await person.receive())


async def test_a_topic_message_gets_its_reply_with_follow_up_buttons(
    running: Running, person: Person
) -> None:
    person.says("dạo này đêm nào mình cũng mất ngủ")
    call = await person.receive()
    sleep = running.runtime.engine.content.intent("coping_sleep")
    assert sleep is not None
    assert call.params["text"].startswith(sleep.reply.vi.split("\n")[0])
    assert any(b.startswith("intent:") for b in buttons(call))


async def test_a_button_leads_to_the_same_content_as_typing(running: Running, person: Person) -> None:
    person.says("/tips")
    await person.receive()
    person.taps("intent:coping_sleep")
    tapped = text(await person.receive())
    person.says("mất ngủ")
    assert tapped == text(await person.receive())


async def test_unknown_message_gets_the_fallback_with_menu(running: Running, person: Person) -> None:
    person.says("giá vé máy bay đi Đà Lạt tháng sau")
    call = await person.receive()
    assert "/hotlines" in call.params["text"] and "menu:coping" in buttons(call)


async def test_crisis_reply_first_then_check_in_and_both_buttons(
    running: Running, person: Person, telegram: FakeTelegram
) -> None:
    person.says("tôi muốn tự tử")
    first, check_in = await person.receives(2)
    assert "115" in text(first) and "111" in text(first)
    assert buttons(check_in) == ["checkin:safe", "checkin:help"]
    person.taps("checkin:help")
    help_now = text(await person.receive())
    assert "115" in help_now and "111" in help_now
    person.taps("checkin:safe")
    assert "an toàn" in text(await person.receive())
    assert len(telegram.calls_to("answerCallbackQuery")) == 2


async def test_an_edit_that_turns_into_a_crisis_escalates(running: Running, person: Person) -> None:
    greeting = person.says("chào bạn")
    await person.receive()
    person.edits(greeting, "chào bạn, mình muốn chết")
    crisis, _ = await person.receives(2)
    assert "115" in text(crisis)


async def test_a_sticker_gets_a_request_to_type(running: Running, person: Person) -> None:
    person.sends_sticker()
    asked = text(await person.receive())
    assert "/hotlines" in asked and "gõ" in asked


async def test_a_photo_caption_is_read_like_a_message(running: Running, telegram: FakeTelegram) -> None:
    update = telegram.queue_update(
        {
            "message": {
                "message_id": 77,
                "date": 1,
                "chat": {"id": USER, "type": "private"},
                "from": {"id": USER, "is_bot": False, "first_name": "Lan"},
                "photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}],
                "caption": "mình muốn tự tử",
            }
        }
    )
    assert update["update_id"]
    texts = await replies(telegram, 2)
    assert "115" in texts[0]


async def test_in_a_group_only_mentions_and_commands_are_answered(
    running: Running, telegram: FakeTelegram
) -> None:
    group = -5000
    telegram.send_text("mất ngủ quá", chat_id=group, chat_type="group")
    mention = "@wellbeing_test_bot mất ngủ quá"
    telegram.send_text(
        mention, chat_id=group, chat_type="group", entities=[{"type": "mention", "offset": 0, "length": 19}]
    )
    [text] = await replies(telegram, 1, chat_id=group)
    assert "nhắn riêng" in text
    await asyncio.sleep(0.3)
    assert len(telegram.calls_to("sendMessage")) == 1


async def test_a_mention_after_emoji_is_found(running: Running, telegram: FakeTelegram) -> None:
    group = -5001
    text = "😭😭 @wellbeing_test_bot mất ngủ quá"
    # Telegram counts entity offsets in UTF-16 units: each of these emoji counts twice.
    telegram.send_text(text, chat_id=group, chat_type="group",
                       entities=[{"type": "mention", "offset": 5, "length": 19}])
    [answer] = await replies(telegram, 1, chat_id=group)
    sleep = running.runtime.engine.content.intent("coping_sleep")
    assert sleep is not None and answer.startswith(sleep.reply.vi.split("\n")[0])
    assert "nhắn riêng" in answer


async def test_language_choice_is_remembered_across_restarts(
    running: Running, telegram: FakeTelegram
) -> None:
    telegram.send_text("/language")
    await replies(telegram)
    telegram.press_button("lang:en")
    [_, confirmed] = await replies(telegram, 2)
    assert "English" in confirmed
    telegram.send_text("mất ngủ")
    [*_, reply] = await replies(telegram, 3)
    assert "Sleepless" in reply or "sleep" in reply.casefold()
    await running.stop()
    await running.start()
    telegram.send_text("buồn quá")
    [*_, after_restart] = await replies(telegram, 4)
    low_mood = running.runtime.engine.content.intent("coping_low_mood")
    assert low_mood is not None and after_restart.startswith(low_mood.reply.en.split("\n")[0])


async def test_language_alone_shows_the_choice_and_detect_clears_it(
    running: Running, telegram: FakeTelegram, tmp_path: Path
) -> None:
    messages = running.runtime.engine.content.messages
    telegram.send_text("/language")
    [first] = await telegram.wait_for("sendMessage", where=to(USER))
    assert messages["language_current_auto"].vi in first.params["text"]
    assert buttons(first) == ["lang:vi", "lang:en", "lang:auto"]
    telegram.send_text("/language en")
    await replies(telegram, 2)
    await until(lambda: languages_stored(running, 1))
    telegram.send_text("/language")
    [*_, shown] = await replies(telegram, 3)
    assert messages["language_current_en"].en in shown
    telegram.press_button("lang:auto")
    [*_, cleared] = await replies(telegram, 4)
    assert cleared == messages["language_auto"].vi  # no choice: the Telegram app says Vietnamese
    await until(lambda: languages_stored(running, 0))
    telegram.send_text("i can't sleep at night")
    [*_, answer] = await replies(telegram, 5)
    sleep = running.runtime.engine.content.intent("coping_sleep")
    assert sleep is not None and answer.startswith(sleep.reply.en.split("\n")[0])


async def test_help_lists_every_command_of_the_menu(running: Running, telegram: FakeTelegram) -> None:
    telegram.send_text("/help")
    [text] = await replies(telegram)
    for command in ("/exercises", "/safetyplan", "/hotlines", "/language", "/privacy", "/forget"):
        assert command in text


async def test_forget_deletes_what_is_stored(
    running: Running, telegram: FakeTelegram, tmp_path: Path
) -> None:
    telegram.send_text("/language en")
    await replies(telegram)
    await until(lambda: languages_stored(running, 1))
    telegram.send_text("/forget")
    await replies(telegram, 2)
    telegram.press_button("forget:yes")
    [*_, done] = await replies(telegram, 3)
    assert "deleted" in done
    assert await languages_stored(running, 0)


async def test_stored_references_are_pseudonymous(
    running: Running, telegram: FakeTelegram, tmp_path: Path
) -> None:
    telegram.send_text("/language en", user_id=987654321)
    await replies(telegram, chat_id=987654321)
    await until(lambda: languages_stored(running, 1))
    raw = b"".join(f.read_bytes() for f in (tmp_path / "data").iterdir() if f.is_file())
    assert b"987654321" not in raw  # in no file the bot keeps


async def test_reload_by_an_admin(
    running: Running, telegram: FakeTelegram, content_dir: ContentPaths
) -> None:
    sleep = content_dir.intents_dir / "coping_sleep.yaml"
    sleep.write_text(
        sleep.read_text(encoding="utf-8").replace(
            "Thức trắng thật sự rất mệt", "NỘI DUNG MỚI: thức trắng thật sự rất mệt"
        ),
        encoding="utf-8",
    )
    telegram.send_text("/reload", user_id=ADMIN)
    [ok] = await replies(telegram, chat_id=ADMIN, timeout=RELOAD_SECONDS)
    assert f"{len(running.runtime.engine.content.intents)} chủ đề" in ok
    telegram.send_text("mất ngủ")
    [text] = await replies(telegram)
    assert text.startswith("NỘI DUNG MỚI")


async def test_reload_with_broken_content_keeps_the_old_and_names_file_and_line(
    running: Running, telegram: FakeTelegram, content_dir: ContentPaths
) -> None:
    (content_dir.intents_dir / "thanks.yaml").write_text("version: 1\nintent:\n  id: a\n  id: b\n")
    telegram.send_text("/reload", user_id=ADMIN)
    [answer] = await replies(telegram, chat_id=ADMIN, timeout=RELOAD_SECONDS)
    assert "thanks.yaml:4:" in answer and "duplicate key" in answer
    telegram.send_text("cảm ơn bạn nhiều nhé")
    [text] = await replies(telegram)
    thanks = running.runtime.engine.content.intent("thanks")
    assert thanks is not None and text.startswith(thanks.reply.vi.split("\n")[0])


async def test_reload_from_anyone_else_is_ignored_silently(running: Running, telegram: FakeTelegram) -> None:
    telegram.send_text("/reload", user_id=USER)
    telegram.send_text("chào bạn", user_id=USER)
    [text] = await replies(telegram)
    assert "nạp lại" not in text
    await asyncio.sleep(0.2)
    assert len(telegram.calls_to("sendMessage")) == 1


@pytest.mark.parametrize("fault", ["500", "429", "timeout", "drop"])
async def test_crisis_reply_survives_telegram_faults(
    running: Running, telegram: FakeTelegram, fault: str
) -> None:
    telegram.fail("sendMessage", fault, times=2, retry_after=1)
    telegram.send_text("tôi muốn tự tử")
    calls = await telegram.wait_for("sendMessage", 4, timeout=20, where=to(USER))
    delivered = [c for c in calls if c.failed is None]
    assert delivered and "115" in delivered[0].params["text"]


async def test_the_per_person_limit_never_swallows_a_crisis(
    telegram: FakeTelegram, tmp_path: Path, content_dir: ContentPaths
) -> None:
    bot = Running(
        telegram, make_settings(telegram, tmp_path / "data", content_dir, user_messages_per_minute=3)
    )
    await bot.start()
    try:
        for _ in range(6):
            telegram.send_text("chào bạn")
        await replies(telegram, 4)
        await asyncio.sleep(0.3)
        texts = telegram.sent_texts(USER)
        # Messages are handled concurrently, so replies may reach Telegram in any order.
        assert len(texts) == 4 and sum("nhanh" in t for t in texts) == 1
        telegram.send_text("tôi muốn tự tử")
        texts = await replies(telegram, 6)
        assert any("115" in t for t in texts[4:])
    finally:
        await bot.stop()


async def test_an_error_gets_an_apology_with_the_emergency_number(
    running: Running, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    telegram.fail("sendMessage", "400", times=1)
    update = telegram.send_text("mất ngủ")
    texts = await replies(telegram, 2)
    assert "115" in texts[1]
    assert f"error while handling update {update['update_id']}" in caplog.text


async def test_a_person_who_blocked_the_bot_is_not_an_alert(
    running: Running, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    telegram.fail("sendMessage", "403", times=1)
    telegram.send_text("mất ngủ")
    await telegram.wait_for("sendMessage")
    await asyncio.sleep(0.3)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_the_token_never_reaches_the_logs(
    telegram: FakeTelegram, tmp_path: Path, content_dir: ContentPaths, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot = Running(telegram, make_settings(telegram, tmp_path / "data", content_dir))
    await bot.start()
    try:
        telegram.fail("sendMessage", "500", times=1)
        telegram.send_text("tôi muốn tự tử")
        telegram.send_text("mất ngủ")
        await telegram.wait_for("sendMessage", 3, timeout=10)
    finally:
        await bot.stop()
    assert "HTTP Request" in caplog.text or "sendMessage" in caplog.text  # requests were logged
    secret_part = telegram.token.split(":")[1]
    assert secret_part not in caplog.text


@pytest.mark.parametrize(
    "text",
    [
        "\u200b\u200b",
        "\u202etôi muốn tự tử",
        "🏳️‍🌈" * 300,
        "e\u0301" * 1500,
        "<b>&amp;</b> <script>",
        "a" * 4096,
    ],
)
async def test_nasty_messages_get_a_valid_reply(running: Running, telegram: FakeTelegram, text: str) -> None:
    telegram.send_text(text)
    [call, *_] = await telegram.wait_for("sendMessage", where=to(USER))
    assert call.failed is None and call.params["text"]
    assert "<" not in call.params["text"].replace("&lt;", "")
