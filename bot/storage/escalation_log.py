"""Recording escalations so that none is lost.

The database write happens after the crisis reply and never raises into the handler. When
it fails (locked, read-only, disk full, file removed), the escalation is appended to a spool
file (one JSON line, flushed and fsynced) and moved into the database by `flush_spool` once
the database works again; `update_key` makes the move idempotent. The spool is not capped,
because capping would lose escalations: past `SPOOL_WARN_AT` entries every append is logged
as critical and `spool_warning` tells staff.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from bot.storage.private_files import open_private, private_dir
from bot.storage.records import NewEscalation
from bot.storage.store import Store

log = logging.getLogger(__name__)
SPOOL_FILE = "escalations.spool"
SPOOL_WARN_AT = 1000
EXCERPT_CHARS = 120


class CrisisDecision(Protocol):
    """What an escalation is made from; the engine's `Decision` is one."""

    @property
    def text(self) -> str: ...
    @property
    def lang(self) -> str: ...
    @property
    def level(self) -> str | None: ...
    @property
    def rule(self) -> str | None: ...
    @property
    def phrase(self) -> str | None: ...
    @property
    def about_other(self) -> bool: ...
    @property
    def detector(self) -> str | None: ...


def new_escalation(decision: CrisisDecision, *, update_key: str, user_ref: str, chat_type: str,
                   store_excerpts: bool, source: str = "telegram") -> NewEscalation:
    """The record of one crisis decision: what fired and how urgent, never who (`user_ref` is a
    pseudonym) and, unless the operator asked for excerpts, never what was written."""
    text = decision.text
    excerpt = (" ".join(text.split())[:EXCERPT_CHARS] or None) if store_excerpts else None
    return NewEscalation(
        update_key=update_key, created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        user_ref=user_ref, chat_type=chat_type, lang=decision.lang, level=decision.level or "urgent",
        trigger_rule=decision.rule or "unknown", trigger_phrase=decision.phrase or "",
        about_other=decision.about_other, excerpt=excerpt, source=source,
        detector=decision.detector or "rules")


@dataclass
class EscalationLog:
    store: Store
    data_dir: Path
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def spool_path(self) -> Path:
        return self.data_dir / SPOOL_FILE

    async def record(self, new: NewEscalation) -> int | None:
        """Store an escalation: its id when it went to the database, None when it was a
        duplicate or went to the spool. Never raises for a storage failure."""
        try:
            return await self.store.add_escalation(new)
        except Exception as exc:
            log.error("escalation could not be stored (%s); writing it to the spool", exc)
        await self._append_to_spool(new)
        return None

    async def _append_to_spool(self, new: NewEscalation) -> None:
        async with self._lock:
            await asyncio.to_thread(self._append_sync, new)
        size = self.spool_size()
        if size >= SPOOL_WARN_AT:
            log.critical("the escalation spool holds %d entries: the database has been failing; "
                         "fix storage in %s", size, self.data_dir)

    def _append_sync(self, new: NewEscalation) -> None:
        private_dir(self.data_dir)
        line = json.dumps(new.to_json(), ensure_ascii=False) + "\n"
        with open(self.spool_path, "a", encoding="utf-8", opener=open_private) as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def spool_size(self) -> int:
        try:
            with open(self.spool_path, encoding="utf-8") as handle:
                return sum(1 for line in handle if line.strip())
        except FileNotFoundError:
            return 0

    async def flush_spool(self) -> list[int]:
        """Move spooled escalations into the database; returns the ids of those newly stored.
        Entries stay in the spool until every one of them is in the database."""
        async with self._lock:
            entries = await asyncio.to_thread(self._read_spool)
            if not entries:
                return []
            stored: list[int] = []
            try:
                if not await self.store.healthy():
                    log.error("the store went away (its file removed or replaced?); opening it afresh")
                    await self.store.reconnect()
                for entry in entries:
                    new_id = await self.store.add_escalation(entry)
                    if new_id is not None:
                        stored.append(new_id)
            except Exception as exc:
                log.warning("spool not flushed yet, the database still fails: %s", exc)
                return stored
            await asyncio.to_thread(self.spool_path.unlink, True)
            log.warning("moved %d spooled escalation(s) into the database", len(entries))
            return stored

    def _read_spool(self) -> list[NewEscalation]:
        try:
            with open(self.spool_path, encoding="utf-8") as handle:
                lines = [line for line in handle if line.strip()]
        except FileNotFoundError:
            return []
        entries = []
        for line in lines:
            try:
                entries.append(NewEscalation(**json.loads(line)))
            except (ValueError, TypeError):
                log.error("an unreadable line in the escalation spool was kept aside")
                self._quarantine(line)
        return entries

    def _quarantine(self, line: str) -> None:
        with open(self.data_dir / (SPOOL_FILE + ".unreadable"), "a", encoding="utf-8",
                  opener=open_private) as handle:
            handle.write(line if line.endswith("\n") else line + "\n")

    async def forget(self, user_ref: str) -> None:
        """Remove one person's entries from the spool too."""
        async with self._lock:
            await asyncio.to_thread(self._forget_sync, user_ref)

    def _forget_sync(self, user_ref: str) -> None:
        try:
            with open(self.spool_path, encoding="utf-8") as handle:
                lines = handle.readlines()
        except FileNotFoundError:
            return
        # Matched as text so that even a line that no longer parses cannot keep the person.
        kept = [line for line in lines if user_ref not in line]
        temporary = self.spool_path.with_suffix(".tmp")
        with open(temporary, "w", encoding="utf-8", opener=open_private) as handle:
            handle.writelines(kept)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.spool_path)
