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
from pathlib import Path

from bot.config import DATABASE_FILE
from bot.core.engine import Decision
from bot.storage.escalation_log import EscalationLog, new_escalation
from bot.storage.privacy import load_or_create_secret, pseudonym
from bot.storage.sqlite import Store

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
    _user_ref: str | None = field(default=None, init=False)

    @property
    def database(self) -> Path:
        return self.data_dir / DATABASE_FILE

    def _open(self) -> EscalationLog:
        if self._log is None:
            secret = load_or_create_secret(self.configured_secret, self.data_dir)
            self._user_ref = pseudonym(f"{SOURCE}:{_login()}", secret)
            self._log = EscalationLog(self._runner.run(Store.open(self.database)), self.data_dir)
        return self._log

    def record(self, decision: Decision) -> int | None:
        """Log one crisis decision; its id, or None if it went to the spool. Never raises."""
        try:
            escalations = self._open()
            assert self._user_ref is not None
            new = new_escalation(decision, update_key=f"{SOURCE}:{uuid.uuid4().hex}",
                                 user_ref=self._user_ref, chat_type="private",
                                 store_excerpts=self.store_excerpts, source=SOURCE)
            return self._runner.run(escalations.record(new))
        except Exception as exc:
            log.error("this escalation could not be logged in %s: %s", self.data_dir, exc)
            return None

    def forget(self) -> int:
        """Delete what the terminal chat logged about this login; how many rows went."""
        if self._log is None and not self.database.is_file():
            return 0
        escalations = self._open()
        assert self._user_ref is not None
        removed = self._runner.run(escalations.store.forget(self._user_ref))
        self._runner.run(escalations.forget(self._user_ref))
        return removed

    def close(self) -> None:
        if self._log is not None:
            self._runner.run(self._log.store.close())
        self._runner.close()
