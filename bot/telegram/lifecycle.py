"""Starting and stopping the application the same way in polling, webhook and the tests."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.error import NetworkError
from telegram.ext import Application

from bot.telegram.runtime import Runtime

log = logging.getLogger(__name__)
STARTUP_RETRY_MAX = 60.0


class BotData:
    """What python-telegram-bot keeps for the application: the runtime, once it has started."""

    def __init__(self) -> None:
        self.runtime: Runtime | None = None


App = Application[Any, Any, Any, Any, BotData, Any]


async def start(application: App) -> None:
    """Initialise, run our start-up work and start processing updates: what run_polling does
    before it polls. The polling loop, the webhook server and the tests use it."""
    await application.initialize()
    if application.post_init:
        await application.post_init(application)
    await application.start()


async def stop(application: App) -> None:
    """Finish in-flight updates, then close everything, storage last."""
    runtime = application.bot_data.runtime
    if runtime is not None:
        runtime.stop_activities()
    if application.running:
        await application.stop()
    if application.post_stop:
        await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown:
        await application.post_shutdown(application)


async def retry_until_reachable(step: Callable[[], Awaitable[Any]], what: str) -> None:
    """Keep trying a start-up step while Telegram is unreachable instead of exiting."""
    wait = 1.0
    while True:
        try:
            await step()
            return
        except NetworkError as exc:
            log.warning("%s failed (%s); Telegram unreachable? retrying in %.0fs", what, exc, wait)
            await asyncio.sleep(wait)
            wait = min(wait * 2, STARTUP_RETRY_MAX)
