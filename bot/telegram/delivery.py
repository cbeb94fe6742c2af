"""Sending replies to Telegram, and making sure a crisis reply gets through.

Ordinary replies rely on the rate limiter's retries. A crisis reply is retried on network
errors, timeouts and `RetryAfter` until it is delivered or `CRISIS_DEADLINE` passes; if the
HTML is refused it is re-sent as plain text. A failure is logged loudly.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.core.replies import Reply
from bot.telegram.render import keyboard, split_text, to_html

log = logging.getLogger(__name__)
CRISIS_DEADLINE = 120.0
MAX_BACKOFF = 8.0


async def send_reply(bot: Bot, chat_id: int, reply: Reply) -> list[Message]:
    """Send a reply (and its follow-up), split to fit; buttons go under the last piece."""
    sent: list[Message] = []
    for message in reply.messages():
        pieces = split_text(message.text)
        for n, piece in enumerate(pieces):
            markup = keyboard(message.buttons) if n == len(pieces) - 1 else None
            sent.append(await bot.send_message(chat_id, to_html(piece), parse_mode=ParseMode.HTML,
                                               reply_markup=markup))
    return sent


async def send_crisis_reply(bot: Bot, chat_id: int, reply: Reply,
                            deadline: float = CRISIS_DEADLINE) -> bool:
    """Deliver every piece of a crisis reply, retrying until `deadline` seconds have passed."""
    give_up_at = time.monotonic() + deadline
    for message in reply.messages():
        pieces = split_text(message.text)
        for n, piece in enumerate(pieces):
            markup = keyboard(message.buttons) if n == len(pieces) - 1 else None
            if not await _send_with_retries(bot, chat_id, piece, markup, give_up_at):
                return False
    return True


async def _send_with_retries(bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None,
                             give_up_at: float) -> bool:
    attempt = 0
    as_html = True
    while True:
        try:
            if as_html:
                await bot.send_message(chat_id, to_html(text), parse_mode=ParseMode.HTML,
                                       reply_markup=markup)
            else:
                await bot.send_message(chat_id, text, reply_markup=markup)
            if attempt:
                log.warning("crisis reply delivered after %d retries", attempt)
            return True
        except Forbidden:
            log.info("crisis reply not delivered: the person has blocked the bot")
            return False
        except RetryAfter as exc:
            wait = _seconds(exc.retry_after)
        except BadRequest as exc:
            if not as_html:
                log.critical("CRISIS REPLY REFUSED by Telegram: %s", exc)
                return False
            log.error("crisis reply HTML refused (%s); re-sending as plain text", exc)
            as_html = False
            continue
        except (TimedOut, NetworkError) as exc:
            wait = min(MAX_BACKOFF, 0.5 * 2**attempt)
            log.warning("crisis reply failed (%s); retrying in %.1fs", exc, wait)
        attempt += 1
        if time.monotonic() + wait > give_up_at:
            log.critical("CRISIS REPLY NOT DELIVERED after %d attempts; giving up", attempt)
            return False
        await asyncio.sleep(wait)


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
