"""What the bot keeps, as records: the same whichever store keeps them.

Nothing here identifies a person: `user_ref` is a pseudonym (`bot.storage.privacy`), and the
one raw Telegram identifier, a check-in's chat id, is kept only until the check-in is sent.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

STATUSES = ("new", "acknowledged", "resolved")
SOURCES = ("telegram", "terminal")
LABELS = ("real", "false_alarm")
# The person's answers, stored with their escalation: to "are you safe right now?" (safe /
# needs_help) and to the direct question "are you thinking of harming yourself?".
CHECK_IN_ANSWERS = ("safe", "needs_help", "thinking", "not_thinking", "unsaid")
RAISING_ANSWERS = ("needs_help", "thinking")  # these make the escalation urgent and open again
ANSWER_WINDOW = timedelta(hours=24)  # an answer belongs to the person's escalation of the last day


@dataclass(frozen=True)
class NewEscalation:
    """What the bot records when it escalates; `update_key` makes a re-delivered update a no-op."""

    update_key: str
    created_at: str
    user_ref: str
    chat_type: str
    lang: str
    level: str
    trigger_rule: str
    trigger_phrase: str
    about_other: bool
    excerpt: str | None
    source: str = "telegram"  # a spool line written before sources existed came from Telegram
    detector: str = "rules"  # which detector raised it: rules, model, or both

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Escalation:
    id: int
    created_at: str
    chat_type: str
    lang: str
    level: str
    trigger_rule: str
    trigger_phrase: str
    about_other: bool
    excerpt: str | None
    check_in: str | None
    status: str
    handled_by: str | None
    handled_at: str | None
    label: str | None
    reminded: bool
    source: str = "telegram"
    detector: str = "rules"
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckIn:
    id: int
    user_ref: str
    chat_id: int
    lang: str
    due_at: datetime

# What `Store.counts` can count escalations by; days are Vietnam's days.
CountColumn = Literal["day", "trigger_rule", "lang", "level", "status", "source"]
