"""Long polling that never loses an update to a crash.

python-telegram-bot's own polling confirms a batch to Telegram (by asking for the next
offset) as soon as it has fetched it, before the handlers have run; killed at that moment,
the bot loses every message in the batch: in a test, 160 of 200 crisis messages. Here a
batch is confirmed only after every update in it has been handled, so after a crash Telegram
delivers the unhandled ones again: at least once, never zero times. A re-delivered crisis
message may get its reply twice; its escalation is stored once (keyed by update_id).

New updates are fetched while earlier ones are still being handled, so one slow handler (an
escalation waiting on a slow disk) never holds back the crisis replies behind it. Telegram
is told "handled" only up to the oldest update still in progress: fetching again returns the
unconfirmed ones too, and those already in hand are skipped.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut

log = logging.getLogger(__name__)
POLL_TIMEOUT = 10
MAX_BACKOFF = 30.0
CONCURRENT_HANDLERS = 32
# Seconds to let updates in hand finish before asking for newer ones; doubled (up to the
# maximum) while asking brings nothing new, as in a burst whose batch is still being handled.
PIPELINE_WAIT = 0.02
PIPELINE_WAIT_MAX = 0.32


async def poll(application: Any, stop: asyncio.Event, timeout: int = POLL_TIMEOUT) -> None:
    """Fetch and handle updates, confirming each only once it is handled, until `stop` is set."""
    confirmed: int | None = None  # the offset: every update below it has been handled
    newest = -1
    in_hand: dict[int, asyncio.Task[None]] = {}
    backoff = 1.0
    pause = PIPELINE_WAIT
    limit = asyncio.Semaphore(CONCURRENT_HANDLERS)

    async def handle(update: Update) -> None:
        async with limit:
            await application.process_update(update)

    def settle() -> None:
        nonlocal confirmed
        for update_id in [i for i, task in in_hand.items() if task.done()]:
            del in_hand[update_id]
        if newest >= 0:
            confirmed = min(in_hand, default=newest + 1)

    while not stop.is_set():
        settle()
        fetch = asyncio.ensure_future(application.bot.get_updates(
            offset=confirmed, timeout=0 if in_hand else timeout, allowed_updates=Update.ALL_TYPES))
        stopping = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if fetch not in done:
            fetch.cancel()
            break
        stopping.cancel()
        try:
            updates = fetch.result()
            backoff = 1.0
        except InvalidToken:
            raise
        except RetryAfter as exc:
            await asyncio.sleep(exc.retry_after if isinstance(exc.retry_after, int)
                                else exc.retry_after.total_seconds())
            continue
        except Conflict:
            log.error("another process is polling with this token (409 Conflict); only one may run")
            await asyncio.sleep(backoff)
            backoff = min(backoff * 1.5, MAX_BACKOFF)
            continue
        except (TimedOut, NetworkError) as exc:
            log.warning("polling failed (%s); retrying in %.1fs", exc, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 1.5, MAX_BACKOFF)
            continue
        fresh = [u for u in updates if u.update_id > newest]
        for update in fresh:
            in_hand[update.update_id] = asyncio.ensure_future(handle(update))
        newest = max([newest, *(u.update_id for u in fresh)])
        pause = PIPELINE_WAIT if fresh else min(pause * 2, PIPELINE_WAIT_MAX)
        busy = [task for task in in_hand.values() if not task.done()]
        while len(busy) >= CONCURRENT_HANDLERS:
            # Every handler slot is taken: newer updates could not start anyway.
            await asyncio.wait(busy, return_when=asyncio.FIRST_COMPLETED)
            busy = [task for task in busy if not task.done()]
        if busy:
            # Usually the rest is done well within this, and the next fetch confirms it; a slow
            # handler only delays asking for newer updates by this much.
            await asyncio.wait(busy, timeout=pause)
    if in_hand:
        await asyncio.wait(in_hand.values())
    settle()
    if confirmed is not None:
        try:  # tell Telegram what was handled, so a restart does not deliver it again
            await application.bot.get_updates(offset=confirmed, timeout=0)
        except Exception as exc:
            log.warning("could not confirm the last updates on the way out: %s", exc)
