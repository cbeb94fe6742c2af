"""Everything the running bot has, built at once when it starts: one typed object.

`Runtime.start` opens the store and builds every service on it (the escalation log, the staff
desk, exercise sessions, check-ins); the handlers are given the runtime, and `close` takes it
down again, the store last. Only the engine changes while the bot runs: `/reload` and SIGHUP
swap it in `LiveEngine`, and every service reads it from there.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, Update
from telegram.ext import JobQueue

from bot.config import Settings
from bot.content.cache import ContentCache
from bot.content.problems import ContentError, Severity
from bot.core.dialogue import Dialogue
from bot.core.engine import Decision, Engine
from bot.core.language import Language
from bot.core.memory import Memory
from bot.storage.escalation_log import EscalationLog, new_escalation
from bot.storage.factory import open_store
from bot.storage.privacy import load_or_create_secret, pseudonym
from bot.storage.private_files import loose_permissions
from bot.storage.records import ANSWER_WINDOW, RAISING_ANSWERS
from bot.storage.store import Store
from bot.telegram.checkins import CheckIns
from bot.telegram.heap import settle
from bot.telegram.ratelimit import UserLimiter
from bot.telegram.sessions import Sessions
from bot.telegram.staff import ALERT_INTERVAL, StaffDesk

log = logging.getLogger(__name__)
CHECK_IN_INTERVAL = 30.0


@dataclass(frozen=True)
class Options:
    """How the bot paces itself. Tests and benchmarks change these so that they need not wait
    on Telegram's real timeouts, pacing and the time of day; with the real Telegram, keep the
    defaults."""

    read_timeout: float | None = None
    alert_interval: float = ALERT_INTERVAL
    flood_limits: bool = True
    time_scale: float = 1.0  # multiplies exercise timings
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))  # check-ins
    check_in_interval: float = CHECK_IN_INTERVAL


@dataclass
class LiveEngine:
    """The engine answering right now."""

    current: Engine


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    live: LiveEngine
    secret: bytes
    store: Store
    escalations: EscalationLog
    desk: StaffDesk
    sessions: Sessions
    check_ins: CheckIns
    limiter: UserLimiter
    languages: dict[str, Language]  # chosen with /language, by user reference
    bot_username: str
    alerts: asyncio.Task[None]
    dialogue: Dialogue  # each person's last minutes, in memory only
    reloading: asyncio.Lock = field(default_factory=asyncio.Lock)

    @classmethod
    async def start(cls, bot: Bot, jobs: JobQueue[Any] | None, settings: Settings, engine: Engine,
                    options: Options) -> Runtime:
        secret = load_or_create_secret(settings.pseudonym_secret, settings.data_dir)
        for warning in loose_permissions(settings.data_dir):
            log.warning("%s", warning)
        store = await open_store(settings.store)
        try:
            languages: dict[str, Language] = {ref: "en" if lang == "en" else "vi"
                                              for ref, lang in (await store.languages()).items()}
        except BaseException:
            await store.close()
            raise
        live = LiveEngine(engine)
        escalations = EscalationLog(store, settings.data_dir)
        desk = StaffDesk(settings, store, escalations, lambda: live.current, interval=options.alert_interval)
        return cls(
            settings=settings, live=live, secret=secret, store=store, escalations=escalations, desk=desk,
            sessions=Sessions(bot, jobs, lambda: live.current,
                              timeout=settings.session_timeout_minutes * 60.0, time_scale=options.time_scale),
            check_ins=CheckIns(store, lambda: live.current, options.clock),
            limiter=UserLimiter(settings.user_messages_per_minute), languages=languages,
            bot_username=bot.username,
            alerts=asyncio.create_task(desk.run_alerts(bot), name="staff-alerts"),
            dialogue=Dialogue(Memory(settings.session_timeout_minutes * 60.0)))

    @property
    def engine(self) -> Engine:
        return self.live.current

    def stop_activities(self) -> None:
        """Exercises end first when the bot stops: a paced step that fired while the job queue
        shuts down would be cut off half-sent."""
        self.sessions.stop_all()

    async def stop(self) -> None:
        """Updates have stopped: end the exercises and the staff alerts' queue."""
        self.stop_activities()
        self.alerts.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.alerts

    async def close(self) -> None:
        """The last step of shutting down: the store."""
        await self.store.close()

    # People

    def user_ref(self, update: Update) -> str | None:
        """The person's pseudonymous reference; an anonymous group admin is the chat, hashed
        like a person (group ids are negative, so they never meet a user's)."""
        user, chat = update.effective_user, update.effective_chat
        if user is not None:
            return pseudonym(user.id, self.secret)
        return pseudonym(chat.id, self.secret) if chat is not None else None

    @staticmethod
    def person(update: Update) -> tuple[int, int] | None:
        """Whose conversation a message belongs to, for the memory of the last minutes: the chat,
        and in a group the person in it too. Raw ids, held in the process only, as for sessions."""
        user, chat = update.effective_user, update.effective_chat
        if chat is None:
            return None
        return (chat.id, user.id if user is not None and chat.type != "private" else 0)

    def lang(self, update: Update) -> Language:
        """The person's chosen language, else their Telegram app's language, else Vietnamese."""
        user = update.effective_user
        if user is None:
            return "vi"
        chosen = self.languages.get(pseudonym(user.id, self.secret))
        if chosen is not None:
            return chosen
        return "en" if (user.language_code or "").startswith("en") else "vi"

    # What changes while the bot runs

    async def reload(self) -> list[str]:
        """Load and validate content afresh; keep serving the old content if it has errors.
        Returns the errors (`file:line: problem`), empty when the new content is live."""
        async with self.reloading:
            try:
                cache = ContentCache(self.settings.data_dir, self.secret)
                engine = await asyncio.to_thread(cache.load, self.settings.content)
            except ContentError as exc:
                errors = [str(p) for p in exc.problems if p.severity is Severity.ERROR]
                log.error("reload refused, still serving the old content: %d error(s)", len(errors))
                return errors
            self.live.current = engine
            settle()
            log.info("content reloaded: %d intents", len(engine.content.intents))
            return []

    async def forget(self, user_ref: str, chat_id: int | None, person: tuple[int, int] | None = None) -> None:
        self.languages.pop(user_ref, None)
        if chat_id is not None:
            self.sessions.forget(chat_id)
        if person is not None:
            self.dialogue.forget(person)
        removed = await self.store.forget(user_ref)
        await self.escalations.forget(user_ref)
        log.info("forget: %d row(s) deleted", removed)

    async def after_crisis(self, update: Update, decision: Decision, user_ref: str,
                           delivered: bool) -> None:
        """Runs once the crisis reply is out: log the escalation and alert staff. No
        identifiers go into the log."""
        log.warning("crisis reply (%s, rule %s) %s", decision.level, decision.rule,
                    "delivered" if delivered else "NOT DELIVERED")
        message, chat = update.effective_message, update.effective_chat
        edit = f":e{int(message.edit_date.timestamp())}" if message and message.edit_date else ""
        new = new_escalation(decision, update_key=f"u{update.update_id}{edit}", user_ref=user_ref,
                             chat_type=chat.type if chat else "unknown",
                             store_excerpts=self.settings.store_excerpts)
        escalation_id = await self.escalations.record(new)
        if escalation_id is not None:
            self.desk.enqueue(escalation_id, new.level)

    async def after_answer(self, user_ref: str, answer: str) -> None:
        """The person's answer (`CHECK_IN_ANSWERS`) to "are you safe?" or to "are you thinking
        of suicide?"; a raising one makes the escalation urgent again, with a new alert."""
        try:
            escalation_id = await self.store.record_check_in(user_ref, answer, ANSWER_WINDOW)
        except Exception:
            log.exception("an answer to the crisis reply could not be stored")
            return
        log.info("crisis reply answered: %s", answer)
        if escalation_id is not None and answer in RAISING_ANSWERS:
            self.desk.enqueue(escalation_id, "urgent", kind=answer)
