"""What the Telegram handlers share, kept in `application.bot_data` (typed via ContextTypes)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import CallbackContext, ExtBot

from bot.config import Settings
from bot.content.cache import ContentCache
from bot.content.problems import ContentError, Severity
from bot.core.engine import Decision, Engine
from bot.core.language import Language
from bot.storage.escalation_log import EscalationLog, new_escalation
from bot.storage.sqlite import Store
from bot.telegram.checkins import CheckIns
from bot.telegram.heap import settle
from bot.telegram.ratelimit import UserLimiter
from bot.telegram.sessions import Sessions
from bot.telegram.staff import StaffDesk

log = logging.getLogger(__name__)
CHECK_IN_WINDOW = timedelta(hours=24)


class BotState:
    """python-telegram-bot creates this empty; `bot.telegram.app` fills it in before start."""

    settings: Settings
    engine: Engine
    store: Store
    escalation_log: EscalationLog
    desk: StaffDesk
    sessions: Sessions
    check_ins: CheckIns
    secret: bytes
    bot_username: str
    alert_interval: float
    time_scale: float
    clock: Callable[[], datetime]
    check_in_interval: float
    alert_task: asyncio.Task[None]

    def __init__(self) -> None:
        self.languages: dict[str, Language] = {}
        self.limiter = UserLimiter(per_minute=20)
        self._reload_lock = asyncio.Lock()

    async def reload(self) -> list[str]:
        """Load and validate content afresh; keep serving the old content if it has errors.
        Returns the errors (`file:line: problem`), empty when the new content is live."""
        async with self._reload_lock:
            paths = self.settings.content
            try:
                cache = ContentCache(self.settings.data_dir, self.secret)
                engine = await asyncio.to_thread(cache.load, paths)
            except ContentError as exc:
                errors = [str(p) for p in exc.problems if p.severity is Severity.ERROR]
                log.error("reload refused, still serving the old content: %d error(s)", len(errors))
                return errors
            self.engine = engine
            settle()
            log.info("content reloaded: %d intents", len(engine.content.intents))
            return []

    async def forget(self, user_ref: str) -> None:
        removed = await self.store.forget(user_ref)
        await self.escalation_log.forget(user_ref)
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
        escalation_id = await self.escalation_log.record(new)
        if escalation_id is not None:
            self.desk.enqueue(escalation_id, urgent=new.level == "urgent")

    async def after_check_in(self, user_ref: str, answer: str) -> None:
        """The person's answer to "are you safe?"; "help" makes the escalation urgent again."""
        stored = "needs_help" if answer == "help" else "safe"
        try:
            escalation_id = await self.store.record_check_in(user_ref, stored, CHECK_IN_WINDOW)
        except Exception:
            log.exception("check-in answer could not be stored")
            return
        log.info("crisis check-in answered: %s", stored)
        if escalation_id is not None and stored == "needs_help":
            self.desk.enqueue(escalation_id, urgent=True, kind="needs_help")


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotState]
