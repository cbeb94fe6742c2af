"""The NPO staff's side in Telegram: alerts, their buttons, staff commands, reminders, digest.

Alerts go through one priority queue (urgent first) paced under Telegram's limit of about 20
messages a minute per group. Staff are the members of STAFF_CHAT_ID and the users in
BOT_STAFF_IDS; anyone else gets no answer at all, so nothing hints that staff tools exist.
Alerts never carry the person's identity, and the bot never promises the person a reply.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from telegram import Bot, Update, User
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.config import Settings
from bot.core.actions import Action, Kind
from bot.core.detectors import LEVELS
from bot.core.engine import Engine
from bot.core.language import Language
from bot.core.models import VIETNAM
from bot.core.replies import Reply, ReplyButton
from bot.storage.escalation_log import SPOOL_WARN_AT, EscalationLog
from bot.storage.records import Escalation
from bot.storage.store import Store
from bot.telegram.chart import escalations_chart
from bot.telegram.delivery import send_crisis_reply
from bot.telegram.render import keyboard, to_html

log = logging.getLogger(__name__)
ALERT_INTERVAL = 3.0  # seconds between staff messages: 20 a minute
ALERT_DEADLINE = 60.0
STATUS_OF = {"ack": "acknowledged", "resolve": "resolved"}
ICONS = {"emergency": "🆘", "urgent": "🚨", "concern": "🟡"}
LABEL_OF = {"real": "real", "false": "false_alarm"}


def display_name(user: User | None) -> str:
    """How staff appear in the log: their @username, else their first name."""
    if user is None:
        return "staff"
    return f"@{user.username}" if user.username else user.first_name


def vietnam_time(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(VIETNAM).strftime("%d/%m %H:%M")


@dataclass
class StaffDesk:
    settings: Settings
    store: Store
    escalation_log: EscalationLog
    engine: Callable[[], Engine]  # the live engine: /reload swaps it
    interval: float = ALERT_INTERVAL
    _queue: asyncio.PriorityQueue[tuple[int, int, int, str]] = field(default_factory=asyncio.PriorityQueue)
    _order: itertools.count[int] = field(default_factory=itertools.count)
    _spool_warned: bool = False

    def _say(self, key: str, **values: str) -> str:
        lang: Language = "en" if self.settings.staff_lang == "en" else "vi"
        text = self.engine().content.messages[key](lang)
        return text.format(**values) if values else text

    def is_staff(self, update: Update) -> bool:
        user, chat = update.effective_user, update.effective_chat
        return bool((user and user.id in self.settings.staff_ids)
                    or (chat and self.settings.staff_chat_id is not None
                        and chat.id == self.settings.staff_chat_id))

    # --- alerts ---------------------------------------------------------------------------

    def enqueue(self, escalation_id: int, level: str, kind: str = "new") -> None:
        """Emergencies first, then urgent ones, then concerns; in order of arrival within each."""
        if self.settings.staff_chat_id is None:
            return
        priority = LEVELS.index(level) if level in LEVELS else 0
        self._queue.put_nowait((priority, next(self._order), escalation_id, kind))

    async def run_alerts(self, bot: Bot) -> None:
        """Send queued alerts one at a time, urgent first, paced for a group chat."""
        while True:
            _, _, escalation_id, kind = await self._queue.get()
            try:
                await self._send_alert(bot, escalation_id, kind)
            except Exception:
                log.exception("staff alert for escalation %d failed", escalation_id)
            await asyncio.sleep(self.interval)

    async def _send_alert(self, bot: Bot, escalation_id: int, kind: str) -> None:
        escalation = await self.store.escalation(escalation_id)
        if escalation is None or self.settings.staff_chat_id is None:
            return
        text = self.alert_text(escalation)
        if kind == "reminder":
            text = f"{self._say('staff_reminder', minutes=str(self.settings.alert_reminder_minutes))}\n{text}"
        elif kind in ("needs_help", "thinking"):
            text = f"{self._say(f'staff_{kind}')}\n{text}"
        delivered = await send_crisis_reply(bot, self.settings.staff_chat_id,
                                            Reply(text, self.alert_buttons(escalation_id)),
                                            deadline=ALERT_DEADLINE)
        if not delivered:
            log.critical("STAFF ALERT for escalation %d NOT DELIVERED", escalation_id)

    def alert_text(self, e: Escalation) -> str:
        check_in = f"staff_checkin_{e.check_in or 'none'}"
        lines = [self._say(
            "staff_alert", icon=ICONS.get(e.level, "🚨"), id=str(e.id),
            level=self._say(f"staff_level_{e.level}"), time=vietnam_time(e.created_at), lang=e.lang,
            chat_type=e.chat_type, trigger=e.trigger_rule, phrase=e.trigger_phrase,
            about=self._say("staff_about_other") if e.about_other else "",
            check_in=self._say(check_in), status=self._say(f"staff_status_{e.status}"))]
        if e.source == "terminal":
            lines.append(self._say("staff_from_terminal"))
        if e.excerpt:
            lines.append(self._say("staff_excerpt", excerpt=e.excerpt))
        if e.handled_by and e.handled_at:
            lines.append(self._say("staff_handled", status=self._say(f"staff_status_{e.status}"),
                                   by=e.handled_by, time=vietnam_time(e.handled_at)))
        if e.label:
            lines.append(self._say("staff_label", label=self._say(f"staff_label_{e.label}")))
        lines.extend(e.notes)
        return "\n".join(lines)

    def alert_buttons(self, escalation_id: int) -> tuple[ReplyButton, ...]:
        return tuple(ReplyButton(self._say(f"staff_button_{action}"),
                                 Action(Kind.STAFF, f"{action}:{escalation_id}"))
                     for action in ("ack", "resolve", "real", "false"))

    async def on_button(self, update: Update, action: str, escalation_id: int) -> None:
        """A staff button: update the store, then edit the alert to show who did what."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        who = display_name(user)
        if action in STATUS_OF:
            found = await self.store.set_status(escalation_id, STATUS_OF[action], who)
        elif action in LABEL_OF:
            found = await self.store.set_label(escalation_id, LABEL_OF[action], who)
        else:
            return
        escalation = await self.store.escalation(escalation_id) if found else None
        if escalation is None:
            return
        try:
            await query.edit_message_text(to_html(self.alert_text(escalation)), parse_mode=ParseMode.HTML,
                                          reply_markup=keyboard(self.alert_buttons(escalation_id)))
        except TelegramError as exc:
            log.warning("could not edit staff alert %d: %s", escalation_id, exc)

    # --- commands -------------------------------------------------------------------------

    async def open_list(self) -> str:
        open_ones = await self.store.escalations(open_only=True, limit=20)
        if not open_ones:
            return self._say("staff_none_open")
        lines = [self._say("staff_open_heading")]
        for e in open_ones:
            source = f" · {self._say('staff_from_terminal')}" if e.source == "terminal" else ""
            lines.append(f"#{e.id} · {self._say(f'staff_level_{e.level}')} · {vietnam_time(e.created_at)} · "
                         f"{e.trigger_rule} · {e.lang} · {self._say(f'staff_status_{e.status}')}{source}")
        return "\n".join(lines)

    async def stats(self) -> str:
        now = datetime.now(UTC)
        week = (now - timedelta(days=7)).isoformat(timespec="seconds")
        month = (now - timedelta(days=30)).isoformat(timespec="seconds")
        by_day = await self.store.counts("day", week)
        by_trigger = await self.store.counts("trigger_rule", month)
        by_lang = await self.store.counts("lang", month)
        lines = [self._say("staff_stats_heading", week=str(sum(n for _, n in by_day)),
                           month=str(sum(n for _, n in by_lang)))]
        for key, rows in (("staff_stats_by_day", by_day), ("staff_stats_by_trigger", by_trigger),
                          ("staff_stats_by_lang", by_lang)):
            lines.append(self._say(key))
            lines.extend(f"  {k}: {n}" for k, n in rows)
        return "\n".join(lines)

    async def add_note(self, args: list[str], author: str) -> str:
        if len(args) < 2 or not args[0].lstrip("#").isdigit():
            return self._say("staff_note_usage")
        escalation_id = int(args[0].lstrip("#"))
        if not await self.store.add_note(escalation_id, author, " ".join(args[1:])):
            return self._say("staff_not_found", id=str(escalation_id))
        return self._say("staff_note_added", id=str(escalation_id))

    # --- jobs -----------------------------------------------------------------------------

    async def remind(self) -> None:
        """Re-post alerts nobody acknowledged in time, once; the digest lists them after that."""
        late = await self.store.unacknowledged(timedelta(minutes=self.settings.alert_reminder_minutes))
        for escalation in late:
            await self.store.mark_reminded(escalation.id)
            self.enqueue(escalation.id, escalation.level, "reminder")

    async def flush_spool(self, bot: Bot) -> None:
        for escalation_id in await self.escalation_log.flush_spool():
            escalation = await self.store.escalation(escalation_id)
            self.enqueue(escalation_id, escalation.level if escalation is not None else "urgent")
        size = self.escalation_log.spool_size()
        if size >= SPOOL_WARN_AT and not self._spool_warned and self.settings.staff_chat_id:
            self._spool_warned = True
            await bot.send_message(self.settings.staff_chat_id, to_html(
                self._say("staff_spool_warning", count=str(size))), parse_mode=ParseMode.HTML)
        elif size == 0:
            self._spool_warned = False

    async def digest(self, bot: Bot) -> None:
        """Yesterday's count, what is still open, and a chart of the last 30 days."""
        removed = await self.store.purge(self.settings.retention_days)
        if removed:
            log.info("retention: purged %d escalation(s) older than %d days", removed,
                     self.settings.retention_days)
        if self.settings.staff_chat_id is None:
            return
        today = datetime.now(VIETNAM).date()
        yesterday = today - timedelta(days=1)
        start = datetime.combine(today - timedelta(days=29), datetime.min.time(), VIETNAM)
        per_day = dict(await self.store.counts("day", start.astimezone(UTC).isoformat(timespec="seconds")))
        days = [(str(today - timedelta(days=n)), per_day.get(str(today - timedelta(days=n)), 0))
                for n in range(29, -1, -1)]
        open_count = await self.store.open_count()
        caption = self._say("staff_digest", date=yesterday.strftime("%d/%m/%Y"),
                            count=str(per_day.get(str(yesterday), 0)), open=str(open_count))
        chart = escalations_chart(days, self._say("staff_digest_chart"))
        await bot.send_photo(self.settings.staff_chat_id, chart, caption=to_html(caption),
                             parse_mode=ParseMode.HTML)
        if open_count:
            await bot.send_message(self.settings.staff_chat_id, to_html(await self.open_list()),
                                   parse_mode=ParseMode.HTML)
