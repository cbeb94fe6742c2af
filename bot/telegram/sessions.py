"""Running guided exercises and safety plans in Telegram chats.

Sessions live in memory only, one per private chat, and are dropped after
`timeout` seconds without a move: nothing typed into a safety plan reaches disk or a log.
Timed steps are job-queue jobs; each carries the session's serial, so a job that fires after
the person stopped, restarted or moved on does nothing. A session keeps the engine it began
with, so a content reload never changes an exercise half-way through.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import Bot
from telegram.ext import CallbackContext, Job, JobQueue

from bot.core.actions import Action
from bot.core.engine import Engine
from bot.core.guide import Session, Turn
from bot.core.language import Language
from bot.core.replies import Reply
from bot.telegram.delivery import send_reply

log = logging.getLogger(__name__)
SERIAL_GAP = 10_000  # far more moves than any exercise or plan has


@dataclass
class _Live:
    session: Session
    engine: Engine
    touched: float
    job: Job[Any] | None = None

    def cancel_job(self) -> None:
        if self.job is not None:
            # The scheduler forgets a one-off job as soon as it fires (before `_tick` runs) and
            # forgets them all once it has shut down; removing it then raises JobLookupError
            # (a LookupError), and there is nothing left to cancel.
            with contextlib.suppress(LookupError):
                self.job.schedule_removal()
            self.job = None


class Sessions:
    def __init__(self, bot: Bot, jobs: JobQueue[Any] | None, engine: Callable[[], Engine],
                 timeout: float, time_scale: float = 1.0) -> None:
        self._bot = bot
        self._jobs = jobs
        self._engine = engine
        self.timeout = timeout
        self._time_scale = time_scale
        self._live: dict[int, _Live] = {}
        self._closed = False
        # Each session's serial grows by one a move, so sessions start SERIAL_GAP apart: an old
        # session's buttons never match a newer one's in the same chat. The start comes from
        # the clock, so buttons from before a restart match no new session either.
        self._serials = itertools.count(int(time.time()) % 10**6 * SERIAL_GAP, SERIAL_GAP)

    @property
    def keep_minutes(self) -> int:
        return max(1, round(self.timeout / 60))

    def count(self) -> int:
        return len(self._live)

    def takes_text(self, chat_id: int) -> bool:
        """Whether a typed message belongs to the chat's exercise or plan (not paused, not done)."""
        live = self._live.get(chat_id)
        return live is not None and not live.session.paused and not live.session.finished

    async def start(self, chat_id: int, action: Action, lang: Language) -> bool:
        engine = self._engine()
        turn = engine.guide.start(action, lang, next(self._serials), self.keep_minutes)
        if turn is None:
            return False
        self.forget(chat_id)
        if turn.session is not None:
            self._live[chat_id] = _Live(turn.session, engine, time.monotonic())
        await self._send(chat_id, turn)
        return True

    async def press(self, chat_id: int, action: Action, lang: Language) -> None:
        parsed = action.step_move()
        live = self._live.get(chat_id)
        if parsed is None or live is None:
            await send_reply(self._bot, chat_id, Reply(self._engine().replies.say("stale_button", lang)))
            return
        serial, move = parsed
        await self._apply(chat_id, live, live.engine.guide.press(live.session, serial, move))

    async def answer(self, chat_id: int, text: str) -> None:
        live = self._live.get(chat_id)
        if live is not None:
            await self._apply(chat_id, live, live.engine.guide.answer(live.session, text))

    def interrupt(self, chat_id: int) -> Turn | None:
        """A crisis message came in: end or pause the activity at once, before the crisis reply
        is sent, so no paced step can arrive after it. Returns what to say once it is out."""
        live = self._live.get(chat_id)
        if live is None:
            return None
        turn = live.engine.guide.interrupt(live.session)
        self._update(chat_id, live, turn)
        return turn

    async def send_interrupted(self, chat_id: int, turn: Turn | None) -> None:
        if turn is not None and turn.reply is not None:
            await send_reply(self._bot, chat_id, turn.reply)

    async def resend(self, chat_id: int, lang: Language) -> None:
        live = self._live.get(chat_id)
        engine = live.engine if live else self._engine()
        reply = engine.guide.resend(live.session if live else None, lang, self.keep_minutes)
        await send_reply(self._bot, chat_id, reply)

    def forget(self, chat_id: int) -> None:
        live = self._live.pop(chat_id, None)
        if live is not None:
            live.cancel_job()

    def sweep(self, now: float | None = None) -> int:
        """Drop sessions idle for longer than the timeout, with everything typed into them."""
        now = time.monotonic() if now is None else now
        idle = [chat for chat, live in self._live.items() if now - live.touched > self.timeout]
        for chat in idle:
            self.forget(chat)
        if idle:
            log.info("dropped %d idle exercise or plan session(s)", len(idle))
        return len(idle)

    def stop_all(self) -> None:
        """The bot is stopping: end every session and schedule no more paced steps, so no step
        is sent, or cut off half-sent, while the job queue shuts down."""
        self._closed = True
        for chat in list(self._live):
            self.forget(chat)

    def _update(self, chat_id: int, live: _Live, turn: Turn) -> None:
        if self._live.get(chat_id) is not live:
            return  # replaced or forgotten while this move was on its way
        if turn.session is None:
            self.forget(chat_id)
            return
        if turn.session.serial != live.session.serial:
            live.cancel_job()
        live.session = turn.session
        live.touched = time.monotonic()

    async def _apply(self, chat_id: int, live: _Live, turn: Turn) -> None:
        self._update(chat_id, live, turn)
        await self._send(chat_id, turn)

    async def _send(self, chat_id: int, turn: Turn) -> None:
        if turn.reply is not None:
            await send_reply(self._bot, chat_id, turn.reply)
        live = self._live.get(chat_id)
        if turn.wait is None or turn.session is None or self._jobs is None or live is None:
            return
        if self._closed:
            return
        if live.session.serial == turn.session.serial:  # still the step just sent
            # The scheduler logs job names at INFO: the name carries no chat id.
            live.job = self._jobs.run_once(self._tick, turn.wait * self._time_scale, chat_id=chat_id,
                                           data=turn.session.serial, name="exercise-step")

    async def _tick(self, context: CallbackContext[Any, Any, Any, Any]) -> None:
        job = context.job
        if job is None or job.chat_id is None:
            return
        live = self._live.get(job.chat_id)
        if live is None or live.session.serial != job.data:
            return
        live.job = None
        await self._apply(job.chat_id, live, live.engine.guide.tick(live.session, job.data))
