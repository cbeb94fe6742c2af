"""Opt-in check-ins: one message later the same day to someone who said they were safe.

Only offered after a crisis reply and the answer "I am safe right now"; only scheduled when
the person taps yes. The row (the one place the bot keeps a raw chat id) lives in SQLite so a
restart does not lose it, and is deleted when the check-in is sent, cancelled, forgotten, or
found too late to be worth sending. A repeating job sends what is due by `clock`, which the
tests move forward.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta

from telegram import Bot
from telegram.error import Forbidden, TelegramError

from bot.core.actions import Action, Kind
from bot.core.engine import Engine
from bot.core.language import Language
from bot.core.models import VIETNAM
from bot.core.replies import Reply, ReplyButton
from bot.storage.store import Store
from bot.telegram.delivery import send_reply

log = logging.getLogger(__name__)
MIN_GAP = timedelta(hours=2)
# A check-in found long after its time (the bot was down) would arrive out of the blue.
TOO_LATE = timedelta(hours=6)
MAX_AHEAD = timedelta(days=2)


def next_check_in(now: datetime, times: tuple[time, ...], gap: timedelta = MIN_GAP) -> datetime | None:
    """The first of the day's check-in times (Vietnam time, in order) at least `gap` from now."""
    local = now.astimezone(VIETNAM)
    for days in (0, 1):
        day = (local + timedelta(days=days)).date()
        for at in times:
            candidate = datetime.combine(day, at, VIETNAM)
            if candidate >= local + gap:
                return candidate
    return None


class CheckIns:
    def __init__(self, store: Store, engine: Callable[[], Engine], clock: Callable[[], datetime]) -> None:
        self._store = store
        self._engine = engine
        self.clock = clock

    def _say(self, key: str, lang: Language, **values: str) -> str:
        return self._engine().replies.say(key, lang, **values)

    def _when(self, due: datetime, lang: Language) -> dict[str, str]:
        local, today = due.astimezone(VIETNAM), self.clock().astimezone(VIETNAM).date()
        day = "day_today" if local.date() == today else "day_tomorrow"
        return {"time": local.strftime("%H:%M"), "day": self._say(day, lang)}

    def offer(self, lang: Language) -> Reply | None:
        due = next_check_in(self.clock(), self._engine().content.crisis.check_in_times)
        if due is None:
            return None
        when = self._when(due, lang)
        yes = ReplyButton(self._say("button_checkin_yes", lang, **when),
                          Action(Kind.REMIND, str(int(due.timestamp()))))
        no = ReplyButton(self._say("button_checkin_no", lang), Action(Kind.REMIND, "no"))
        return Reply(self._say("checkin_offer", lang, **when), (yes, no))

    async def pending(self, user_ref: str) -> bool:
        return await self._store.check_in_pending(user_ref)

    async def on_button(self, action: Action, user_ref: str, chat_id: int, lang: Language) -> Reply:
        """`remind:<unix time>` schedules, `remind:no` declines, `remind:cancel:<id>` cancels."""
        arg = action.arg
        if arg == "no":
            return Reply(self._say("checkin_declined", lang))
        first, number = action.parts()
        if first == "cancel":
            if number.isdigit():
                await self._store.cancel_check_in(int(number), user_ref)
            return Reply(self._say("checkin_cancelled", lang))
        if not arg.isdigit():
            return Reply(self._say("stale_button", lang))
        now = self.clock()
        try:
            offered = datetime.fromtimestamp(int(arg), VIETNAM)
        except (OverflowError, OSError, ValueError):
            return Reply(self._say("stale_button", lang))
        due: datetime | None = offered
        if not now < offered < now + MAX_AHEAD:  # tapped after the offered time: take the next
            due = next_check_in(now, self._engine().content.crisis.check_in_times)
        if due is None:
            return Reply(self._say("checkin_declined", lang))
        check_in_id = await self._store.add_check_in(user_ref, chat_id, lang, due)
        log.info("check-in scheduled")
        cancel = ReplyButton(self._say("button_checkin_cancel", lang),
                             Action(Kind.REMIND, f"cancel:{check_in_id}"))
        return Reply(self._say("checkin_scheduled", lang, **self._when(due, lang)), (cancel,))

    async def send_due(self, bot: Bot) -> int:
        """Send every check-in that is due; returns how many were sent."""
        now = self.clock()
        sent = 0
        for check_in in await self._store.due_check_ins(now):
            lang: Language = "en" if check_in.lang == "en" else "vi"
            if now - check_in.due_at > TOO_LATE:
                log.warning("a check-in was %s late (the bot was down?); dropped unsent",
                            now - check_in.due_at)
                await self._store.delete_check_in(check_in.id)
                continue
            reply = Reply(self._say("checkin_message", lang), tuple(
                ReplyButton(self._say(f"button_checkin_{answer}", lang), Action(Kind.CHECK_IN, answer))
                for answer in ("better", "hard")))
            try:
                await send_reply(bot, check_in.chat_id, reply)
            except Forbidden:
                log.info("check-in not delivered: the person has blocked the bot")
            except TelegramError as exc:
                log.warning("check-in not delivered (%s); trying again at the next round", exc)
                continue
            else:
                sent += 1
            await self._store.delete_check_in(check_in.id)
        return sent
