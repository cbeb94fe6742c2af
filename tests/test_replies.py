"""Replies: hotlines with hours, open-now status and cost; every reply fits in Telegram."""

import re
from datetime import UTC, datetime

import pytest

from bot.core.engine import Engine
from bot.core.models import VIETNAM
from tests.support import act

WED_2PM = datetime(2026, 11, 25, 14, 0, tzinfo=VIETNAM)
WED_9PM = datetime(2026, 11, 25, 21, 0, tzinfo=VIETNAM)
MON_2PM = datetime(2026, 11, 23, 14, 0, tzinfo=VIETNAM)


def test_ngay_mai_hours_follow_vietnam_time(engine: Engine) -> None:
    hours = engine.content.hotlines["ngay_mai"].hours
    assert hours.is_open(WED_2PM)
    assert not hours.is_open(WED_9PM)
    assert not hours.is_open(MON_2PM)
    assert hours.is_open(datetime(2026, 11, 25, 7, 0, tzinfo=UTC))  # 14:00 in Vietnam
    assert not hours.is_open(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))  # 21:00 in Vietnam


@pytest.mark.parametrize(("now", "status"), [(WED_2PM, "đang mở"), (WED_9PM, "đang đóng")])
def test_hotline_list_says_whether_a_line_is_open_now(engine: Engine, now: datetime,
                                                      status: str) -> None:
    text = engine.action(act("hotlines"), "vi", now).text
    line = next(x for x in text.splitlines() if "096 306 1414" in x)
    assert status in line and "T4-CN" in line


def test_closed_lines_come_after_open_ones(engine: Engine) -> None:
    text = engine.action(act("hotlines"), "en", WED_9PM).text
    assert text.index("115") < text.index("096 306 1414")
    assert text.index("1900 1267") < text.index("096 306 1414")


@pytest.mark.parametrize(("number", "cost"), [("111", "free"), ("1800 1768", "free"),
                                              ("1900 1267", "caller pays"),
                                              ("096 306 1414", "normal call rates")])
def test_each_number_says_what_calling_costs(engine: Engine, number: str, cost: str) -> None:
    text = engine.action(act("hotlines"), "en", WED_2PM).text
    line = next(x for x in text.splitlines() if f" {number} " in x)
    assert cost in line


def every_reply(engine: Engine) -> list[tuple[str, str]]:
    replies = []
    for lang in ("vi", "en"):
        for intent in engine.content.intents:
            replies.append((intent.id, engine.intent_reply(intent.id, lang, WED_2PM).text))
        replies.append(("fallback", engine.replies.fallback(lang).text))
        replies.append(("hotlines", engine.action(act("hotlines"), lang, WED_9PM).text))
        for level in ("urgent", "concern"):
            replies.append((level, engine.crisis_replies.reply(level, lang, WED_9PM, False).text))
        replies.append(("other", engine.crisis_replies.reply("urgent", lang, WED_9PM, True).text))
    return replies


def test_every_reply_fits_one_telegram_message(engine: Engine) -> None:
    for name, text in every_reply(engine):
        assert 0 < len(text) <= 4096, name


def test_no_reply_shows_a_number_from_the_do_not_list(engine: Engine) -> None:
    banned = {re.sub(r"\D", "", n) for n in engine.content.do_not_list}
    for name, text in every_reply(engine):
        shown = {re.sub(r"\D", "", m) for m in re.findall(r"\d[\d ]{1,14}\d|\d{3}", text)}
        assert not shown & banned, name


def test_fallback_offers_the_topic_menu_and_hotline_command(engine: Engine) -> None:
    reply = engine.action(act("step:1:next"), "vi")  # not a reply of the engine's own
    assert "/hotlines" in reply.text
    assert {str(b.action) for b in reply.buttons} >= {"menu:coping", "menu:talk"}


def test_menu_group_lists_its_intents(engine: Engine) -> None:
    reply = engine.action(act("menu:coping"), "en")
    assert "intent:coping_sleep" in {str(b.action) for b in reply.buttons}


def test_checkin_need_help_lists_emergency_and_support_lines(engine: Engine) -> None:
    text = engine.action(act("checkin:help"), "vi", WED_9PM).text
    assert "115" in text and "111" in text


def lines_replies(engine: Engine, now: datetime) -> list[tuple[str, str]]:
    """Every reply that lists helplines, as the person would get it at `now`."""
    replies = []
    for lang in ("vi", "en"):
        for intent in engine.content.intents:
            if any(r in engine.content.hotlines for r in intent.resources):
                replies.append((intent.id, engine.intent_reply(intent.id, lang, now).text))
        replies.append(("hotlines", engine.action(act("hotlines"), lang, now).text))
        for answer in ("help", "hard"):
            replies.append((f"checkin:{answer}", engine.action(act(f"checkin:{answer}"), lang, now).text))
        for level in ("urgent", "concern"):
            for about_other in (False, True):
                replies.append((level, engine.crisis_replies.reply(level, lang, now, about_other).text))
        replies.append(("error", engine.replies.error(lang, now).text))
    return replies


WEEK = [datetime(2026, 11, 23 + day, hour, 30, tzinfo=VIETNAM) for day in range(7) for hour in range(24)]


def test_every_reply_with_lines_shows_one_open_now_before_any_closed_one(engine: Engine) -> None:
    for now in WEEK:
        open_numbers = [h.number for h in engine.content.hotlines.values() if h.hours.is_open(now)]
        closed_numbers = [h.number for h in engine.content.hotlines.values() if not h.hours.is_open(now)]
        for name, text in lines_replies(engine, now):
            shown_open = [text.index(f"📞 {n} ") for n in open_numbers if f"📞 {n} " in text]
            assert shown_open, (name, now)
            for number in closed_numbers:
                if f"📞 {number} " in text:
                    assert text.index(f"📞 {number} ") > min(shown_open), (name, now, number)


def test_low_mood_at_night_lists_a_line_open_now_first(engine: Engine) -> None:
    text = engine.intent_reply("coping_low_mood", "en", WED_9PM).text
    assert text.index("📞 111 ") < text.index("📞 096 306 1414 ")


def test_after_i_am_safe_what_helps_comes_first_and_the_campaign_last(engine: Engine) -> None:
    for answer in ("safe", "better"):
        actions = [str(b.action) for b in engine.action(act(f"checkin:{answer}"), "vi").buttons]
        assert actions[0].startswith("exercise:") and "plan:start" in actions
        assert actions[-1] == "menu:campaign" and actions.count("menu:campaign") == 1
