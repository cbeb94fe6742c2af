"""The terminal chat's escalations, written to BOT_DATA_DIR as the bot writes its own.

So that the staff side (`python -m bot escalations list`, `ack`, `export`, `stats`) can be
tried on any machine without Telegram. Every row is marked `source = terminal`, and `list`,
exports and the staff group's `/escalations` show that mark: terminal rows are never mixed
silently into a production log. The person is pseudonymised as on Telegram, from the login
name (`terminal:<login>`) under the same key.
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from bot.config import StoreConfig
from bot.core.engine import Decision
from bot.storage.escalation_log import EscalationLog, new_escalation
from bot.storage.factory import NoStore, open_store, where
from bot.storage.privacy import load_or_create_secret, pseudonym
from bot.storage.records import ANSWER_WINDOW

log = logging.getLogger(__name__)
SOURCE = "terminal"


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # containers often run as a uid with no name
        return "unknown"


@dataclass
class TerminalLog:
    """Opened on the first escalation, so a chat without one creates nothing on disk. One
    event loop for the chat's lifetime runs the same async store the bot uses."""

    data_dir: Path
    configured_secret: str | None
    store_excerpts: bool
    _runner: asyncio.Runner = field(default_factory=asyncio.Runner, init=False)
    _log: EscalationLog | None = field(default=None, init=False)

    @property
    def config(self) -> StoreConfig:
        return StoreConfig(self.data_dir)

    @property
    def where(self) -> str:
        return where(self.config)

    @cached_property
    def _user_ref(self) -> str:
        """Read once, and only when first needed: the key is made on the first escalation."""
        secret = load_or_create_secret(self.configured_secret, self.data_dir)
        return pseudonym(f"{SOURCE}:{_login()}", secret)

    def _open(self, create: bool = True) -> EscalationLog:
        """The log; NoStore when nothing was ever logged here and `create` is False."""
        if self._log is None:
            store = self._runner.run(open_store(self.config, create=create))
            self._log = EscalationLog(store, self.data_dir)
        return self._log

    def record(self, decision: Decision) -> int | None:
        """Log one crisis decision; its id, or None if it went to the spool. Never raises."""
        try:
            escalations = self._open()
            new = new_escalation(decision, update_key=f"{SOURCE}:{uuid.uuid4().hex}",
                                 user_ref=self._user_ref, chat_type="private",
                                 store_excerpts=self.store_excerpts, source=SOURCE)
            return self._runner.run(escalations.record(new))
        except Exception as exc:
            log.error("this escalation could not be logged in %s: %s", self.data_dir, exc)
            return None

    def answer(self, answer: str) -> None:
        """Attach an answer to a crisis reply's question to the latest escalation logged here,
        as the bot does (a raising one makes it urgent again). Never raises."""
        try:
            self._runner.run(self._open().store.record_check_in(self._user_ref, answer, ANSWER_WINDOW))
        except Exception as exc:
            log.error("this answer could not be logged in %s: %s", self.data_dir, exc)

    def forget(self) -> int:
        """Delete what the terminal chat logged about this login; how many rows went."""
        try:
            escalations = self._open(create=False)
        except NoStore:
            return 0
        user_ref = self._user_ref
        removed = self._runner.run(escalations.store.forget(user_ref))
        self._runner.run(escalations.forget(user_ref))
        return removed

    def close(self) -> None:
        if self._log is not None:
            self._runner.run(self._log.store.close())
        self._runner.close()
