"""Turning engine replies into Telegram messages: escaped HTML, inline keyboards, splitting."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit

from bot.core.replies import ReplyButton

log = logging.getLogger(__name__)
MAX_CALLBACK_BYTES = 64
MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH


def to_html(text: str) -> str:
    """All user and content text is escaped: nothing in YAML or a message can inject markup."""
    return html.escape(text, quote=False)


def keyboard(buttons: tuple[ReplyButton, ...]) -> InlineKeyboardMarkup | None:
    rows = []
    for button in buttons:
        data = str(button.action)
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            log.error("button action %r is over Telegram's 64-byte limit; left out", data)
            continue
        rows.append([InlineKeyboardButton(button.label, callback_data=data)])
    return InlineKeyboardMarkup(rows) if rows else None


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split plain text into pieces whose escaped HTML fits one message, preferring paragraph
    breaks, then line breaks, then spaces; a single unbroken run is cut as a last resort."""
    pieces: list[str] = []
    rest = text.strip()
    while rest:
        if len(to_html(rest)) <= limit:
            pieces.append(rest)
            break
        cut = _cut_point(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return pieces or [""]


def _cut_point(text: str, limit: int) -> int:
    # Escaping can grow text up to 5x (&amp;): binary-search the longest prefix that fits.
    low, high = 1, min(len(text), limit)
    while low < high:
        middle = (low + high + 1) // 2
        if len(to_html(text[:middle])) <= limit:
            low = middle
        else:
            high = middle - 1
    budget = low
    for separator in ("\n\n", "\n", " "):
        at = text.rfind(separator, 0, budget)
        if at > budget // 2:
            return at
    return budget
