"""What the Telegram handlers share, kept in `application.bot_data` (typed via ContextTypes)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Update
from telegram.ext import CallbackContext, ExtBot

from bot.config import Settings
from bot.engine import Decision, Engine
from bot.language import Language
from bot.problems import ContentError, Severity
from bot.ratelimit import UserLimiter
from bot.storage import Store

log = logging.getLogger(__name__)


class BotState:
    """python-telegram-bot creates this empty; `bot.telegram_app` fills it in before start."""

    settings: Settings
    engine: Engine
    store: Store
    secret: bytes
    bot_username: str

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
                engine = await asyncio.to_thread(Engine.load, paths.intents_dir, paths.resources_file)
            except ContentError as exc:
                errors = [str(p) for p in exc.problems if p.severity is Severity.ERROR]
                log.error("reload refused, still serving the old content: %d error(s)", len(errors))
                return errors
            self.engine = engine
            log.info("content reloaded: %d intents", len(engine.content.intents))
            return []

    async def forget(self, user_ref: str) -> None:
        removed = await self.store.forget(user_ref)
        log.info("forget: %d row(s) deleted", removed)

    async def after_crisis(self, update: Update, decision: Decision, user_ref: str,
                           delivered: bool) -> None:
        """Runs once the crisis reply is out. No identifiers go into the log."""
        log.warning("crisis reply (%s, rule %s) %s", decision.level, decision.rule,
                    "delivered" if delivered else "NOT DELIVERED")

    async def after_check_in(self, update: Update, answer: str) -> None:
        log.info("crisis check-in answered: %s", answer)


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotState]
