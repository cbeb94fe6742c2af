"""Wiring the engine into a python-telegram-bot Application: start-up, handlers, jobs, shutdown.

`build_application` is what the tests drive against a fake Bot API server; `run_telegram`
is what `python -m bot` runs with a token: the bot's own long polling (`bot.telegram.polling`),
or a webhook server when WEBHOOK_URL is set. Everything the running bot needs is built at
once in `post_init` as one `Runtime`, and the handlers are given it there.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import signal
import sys
from dataclasses import replace
from typing import Any

from telegram import BotCommand
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.config import ConfigError, Settings
from bot.content.cache import ContentCache
from bot.content.problems import ContentError
from bot.core.commands import COMMANDS
from bot.core.engine import Engine
from bot.core.models import VIETNAM
from bot.storage.privacy import load_or_create_secret
from bot.telegram.buttons import Buttons, of_kind
from bot.telegram.conversation import Conversation
from bot.telegram.heap import settle
from bot.telegram.http_client import TIMEOUT, AiohttpRequest
from bot.telegram.lifecycle import App, BotData, retry_until_reachable, start, stop
from bot.telegram.logsafety import configure_logging, install_redaction
from bot.telegram.polling import poll
from bot.telegram.runtime import Options, Runtime

log = logging.getLogger(__name__)
# Enough parallel updates that one crisis reply being retried never holds up everyone else.
CONCURRENT_UPDATES = 32
SESSION_SWEEP_INTERVAL = 60.0
STAFF_COMMANDS = ("escalations", "stats", "note")


def build_application(settings: Settings, engine: Engine, **options: Any) -> App:
    """The bot, ready to start; `options` are the fields of `Options`, for tests and benchmarks."""
    chosen = replace(Options(), **options)
    install_redaction([settings.token])
    _keep_contents_out_of_logs()
    # Opt in to python-telegram-bot's future timedelta durations (RetryAfter.retry_after);
    # bot.telegram.delivery reads both forms, and the deprecation warning goes away.
    os.environ.setdefault("PTB_TIMEDELTA", "1")

    async def post_init(application: App) -> None:
        # Start-up is retried while Telegram is unreachable: the runtime is built once.
        runtime = application.bot_data.runtime
        if runtime is None:
            runtime = await Runtime.start(application.bot, application.job_queue, settings, engine, chosen)
            application.bot_data.runtime = runtime
            _add_handlers(application, runtime)
            _schedule(application, runtime, chosen)
        await _announce_commands(application, runtime)
        if sys.platform != "win32":
            asyncio.get_running_loop().add_signal_handler(
                signal.SIGHUP, lambda: asyncio.ensure_future(runtime.reload()))
        log.info("bot @%s ready", runtime.bot_username)

    # Any: python-telegram-bot's builder changes its generic type with each optional step.
    builder: Any = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .context_types(ContextTypes(bot_data=BotData))
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if chosen.flood_limits:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=2))
    # As python-telegram-bot sets up its own httpx requests: one connection for getUpdates,
    # whose long poll adds its wait to the read timeout. A longer read timeout (tests) gives
    # getUpdates two seconds more, for the fake server's long poll.
    timeout = TIMEOUT if chosen.read_timeout is None else chosen.read_timeout
    updates_timeout = TIMEOUT if chosen.read_timeout is None else chosen.read_timeout + 2
    builder = (builder.request(AiohttpRequest(read_timeout=timeout, connect_timeout=timeout))
               .get_updates_request(AiohttpRequest(connection_pool_size=1, read_timeout=updates_timeout,
                                                   connect_timeout=timeout)))
    application: App = builder.build()
    return application


def _keep_contents_out_of_logs() -> None:
    """At DEBUG, python-telegram-bot logs every update and every request with its parameters
    (what people write, the safety plans they make), and aiosqlite every statement with its
    values (a check-in's chat id). Those loggers stay at INFO or above whatever LOG_LEVEL says."""
    for name in ("telegram", "aiosqlite"):
        library = logging.getLogger(name)
        library.setLevel(max(logging.INFO, library.level))


def _add_handlers(application: App, runtime: Runtime) -> None:
    conversation = Conversation(runtime)
    private = filters.ChatType.PRIVATE
    messages = filters.UpdateType.MESSAGES  # new and edited: an edit may turn into a crisis
    for command in COMMANDS:
        application.add_handler(CommandHandler(command.name, conversation.command(command), filters=messages))
    # Not in the menu: admins and staff know them, and nobody else gets an answer.
    application.add_handler(CommandHandler("reload", conversation.on_reload, filters=messages))
    application.add_handler(CommandHandler(STAFF_COMMANDS, conversation.on_staff_command, filters=messages))
    text = (filters.TEXT | filters.CAPTION) & ~filters.COMMAND & messages
    application.add_handler(MessageHandler(text, conversation.on_text))
    application.add_handler(MessageHandler(private & messages & ~filters.TEXT & ~filters.CAPTION
                                           & ~filters.StatusUpdate.ALL, conversation.on_non_text))
    for kind, callback in Buttons(conversation).handlers():
        application.add_handler(CallbackQueryHandler(callback, pattern=of_kind(kind) if kind else None))
    application.add_error_handler(conversation.on_error)


async def _announce_commands(application: App, runtime: Runtime) -> None:
    messages = runtime.engine.content.messages
    for lang, code in (("vi", None), ("vi", "vi"), ("en", "en")):
        commands = [BotCommand(c.name, messages[c.description_key](lang)) for c in COMMANDS]  # type: ignore[arg-type]
        await application.bot.set_my_commands(commands, language_code=code)


def _schedule(application: App, runtime: Runtime, options: Options) -> None:
    jobs, bot = application.job_queue, application.bot
    if jobs is None:
        return

    async def remind(_: Any) -> None:
        await runtime.desk.remind()

    async def flush(_: Any) -> None:
        await runtime.desk.flush_spool(bot)

    async def digest(_: Any) -> None:
        await runtime.desk.digest(bot)

    async def sweep(_: Any) -> None:
        runtime.sessions.sweep()

    async def check_ins(_: Any) -> None:
        await runtime.check_ins.send_due(bot)

    every = options.check_in_interval
    jobs.run_repeating(remind, interval=60, first=60, name="staff-reminders")
    jobs.run_repeating(flush, interval=30, first=5, name="spool-flush")
    jobs.run_daily(digest, time=dt.time(runtime.settings.digest_hour, tzinfo=VIETNAM), name="digest")
    jobs.run_repeating(sweep, interval=SESSION_SWEEP_INTERVAL, first=SESSION_SWEEP_INTERVAL,
                       name="session-sweep")
    jobs.run_repeating(check_ins, interval=every, first=min(1.0, every), name="check-ins")


async def _post_stop(application: App) -> None:
    runtime = application.bot_data.runtime
    if runtime is not None:
        await runtime.stop()


async def _post_shutdown(application: App) -> None:
    runtime = application.bot_data.runtime
    if runtime is not None:
        await runtime.close()
    if sys.platform != "win32":
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)


def run_telegram(mode: str | None = None) -> int:
    """Run until stopped. `mode` is "polling", "webhook", or None for webhook exactly when
    WEBHOOK_URL is set."""
    try:
        settings = Settings.from_env()
        if mode == "webhook" and not settings.webhook_url:
            raise ConfigError("WEBHOOK_URL: not set, but the webhook process was started; set it "
                              "(and WEBHOOK_SECRET) or run the polling worker instead")
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, [settings.token])
    try:
        secret = load_or_create_secret(settings.pseudonym_secret, settings.data_dir)
        engine = ContentCache(settings.data_dir, secret).load(settings.content)
    except ContentError as exc:
        print("the content has errors; run `python -m bot validate`:", file=sys.stderr)
        for problem in exc.problems[:10]:
            print(f"  {problem}", file=sys.stderr)
        return 2
    application = build_application(settings, engine)
    settle()
    if mode == "webhook" or (mode is None and settings.webhook_url):
        from bot.telegram.webhook import run_webhook

        return run_webhook(application, settings)
    return run_polling(application)


def run_polling(application: App) -> int:
    """Poll until SIGTERM or SIGINT, then finish in-flight replies and close storage. Pending
    updates are never dropped: people may have written in crisis while the bot was down."""

    async def main() -> None:
        stop_event = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop_event.set)
        await retry_until_reachable(lambda: start(application), "start-up")
        try:
            await retry_until_reachable(
                lambda: application.bot.delete_webhook(drop_pending_updates=False), "deleting the webhook")
            await poll(application, stop_event)
        finally:
            await stop(application)

    asyncio.run(main())
    return 0
