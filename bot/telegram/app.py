"""Wiring the engine into a python-telegram-bot Application: handlers, start-up, shutdown.

`build_application` is what the tests drive against a fake Bot API server; `run_telegram`
is what `python -m bot` runs with a token: long polling, or a webhook server when
WEBHOOK_URL is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import BotCommand
from telegram.error import NetworkError
from telegram.ext import (
    AIORateLimiter,
    Application,
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
from bot.storage.escalation_log import EscalationLog
from bot.storage.privacy import load_or_create_secret
from bot.storage.private_files import loose_permissions
from bot.storage.sqlite import Store
from bot.telegram import handlers
from bot.telegram.checkins import CheckIns
from bot.telegram.heap import settle
from bot.telegram.http_client import TIMEOUT, AiohttpRequest
from bot.telegram.logsafety import configure_logging, install_redaction
from bot.telegram.polling import poll
from bot.telegram.ratelimit import UserLimiter
from bot.telegram.sessions import Sessions
from bot.telegram.staff import ALERT_INTERVAL, StaffDesk
from bot.telegram.state import BotState

log = logging.getLogger(__name__)
# Enough parallel updates that one crisis reply being retried never holds up everyone else.
CONCURRENT_UPDATES = 32
STARTUP_RETRY_MAX = 60.0
CHECK_IN_INTERVAL = 30.0
SESSION_SWEEP_INTERVAL = 60.0

App = Application[Any, Any, Any, Any, BotState, Any]


def build_application(settings: Settings, engine: Engine, *, read_timeout: float | None = None,
                      alert_interval: float = ALERT_INTERVAL, flood_limits: bool = True,
                      time_scale: float = 1.0, clock: Callable[[], dt.datetime] | None = None,
                      check_in_interval: float = CHECK_IN_INTERVAL) -> App:
    """The bot, ready to start. `read_timeout`, `alert_interval`, `flood_limits`,
    `time_scale` (multiplies exercise timings), `clock` (for check-ins) and
    `check_in_interval` exist so tests and benchmarks need not wait on Telegram's real timeouts,
    pacing and the time of day: with the real Telegram, keep the defaults."""
    install_redaction([settings.token])
    _keep_contents_out_of_logs()
    # Opt in to python-telegram-bot's future timedelta durations (RetryAfter.retry_after);
    # bot.telegram.delivery reads both forms, and the deprecation warning goes away.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    # Any: python-telegram-bot's builder changes its generic type with each optional step.
    builder: Any = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .context_types(ContextTypes(bot_data=BotState))
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if flood_limits:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=2))
    # As python-telegram-bot sets up its own httpx requests: one connection for getUpdates,
    # whose long poll adds its wait to the read timeout. A longer read timeout (tests) gives
    # getUpdates two seconds more, for the fake server's long poll.
    timeout = TIMEOUT if read_timeout is None else read_timeout
    updates_timeout = TIMEOUT if read_timeout is None else read_timeout + 2
    builder = (builder.request(AiohttpRequest(read_timeout=timeout, connect_timeout=timeout))
               .get_updates_request(AiohttpRequest(connection_pool_size=1, read_timeout=updates_timeout,
                                                   connect_timeout=timeout)))
    application: App = builder.build()
    state = application.bot_data
    state.settings = settings
    state.engine = engine
    state.limiter = UserLimiter(settings.user_messages_per_minute)
    state.alert_interval = alert_interval
    state.time_scale = time_scale
    state.clock = clock or (lambda: dt.datetime.now(dt.UTC))
    state.check_in_interval = check_in_interval
    _add_handlers(application)
    return application


def _keep_contents_out_of_logs() -> None:
    """At DEBUG, python-telegram-bot logs every update and every request with its parameters
    (what people write, the safety plans they make), and aiosqlite every statement with its
    values (a check-in's chat id). Those loggers stay at INFO or above whatever LOG_LEVEL says."""
    for name in ("telegram", "aiosqlite"):
        library = logging.getLogger(name)
        library.setLevel(max(logging.INFO, library.level))


def _add_handlers(application: App) -> None:
    private = filters.ChatType.PRIVATE
    messages = filters.UpdateType.MESSAGES  # new and edited: an edit may turn into a crisis
    for command in COMMANDS:
        application.add_handler(CommandHandler(command.name, handlers.command_handler(command),
                                               filters=messages))
    # Not in the menu: admins and staff know them, and nobody else gets an answer.
    application.add_handler(CommandHandler("reload", handlers.cmd_reload, filters=messages))
    for name in ("escalations", "stats", "note"):
        application.add_handler(CommandHandler(name, handlers.cmd_staff, filters=messages))
    text = (filters.TEXT | filters.CAPTION) & ~filters.COMMAND & messages
    application.add_handler(MessageHandler(text, handlers.on_text))
    application.add_handler(MessageHandler(private & messages & ~filters.TEXT & ~filters.CAPTION
                                           & ~filters.StatusUpdate.ALL, handlers.on_non_text))
    application.add_handler(CallbackQueryHandler(handlers.on_button))
    application.add_error_handler(handlers.on_error)


async def _post_init(application: App) -> None:
    state = application.bot_data
    state.bot_username = application.bot.username
    state.secret = load_or_create_secret(state.settings.pseudonym_secret, state.settings.data_dir)
    for warning in loose_permissions(state.settings.data_dir):
        log.warning("%s", warning)
    state.store = await Store.open(state.settings.database_file)
    state.languages.update(await state.store.languages())  # type: ignore[arg-type]
    state.escalation_log = EscalationLog(state.store, state.settings.data_dir)
    state.desk = StaffDesk(state.settings, state.store, state.escalation_log, lambda: state.engine,
                           interval=state.alert_interval)
    state.sessions = Sessions(application.bot, application.job_queue, lambda: state.engine,
                              timeout=state.settings.session_timeout_minutes * 60.0,
                              time_scale=state.time_scale)
    state.check_ins = CheckIns(state.store, lambda: state.engine, state.clock)
    _start_staff_work(application)
    messages = state.engine.content.messages
    for lang, code in (("vi", None), ("vi", "vi"), ("en", "en")):
        commands = [BotCommand(c.name, messages[c.description_key](lang)) for c in COMMANDS]  # type: ignore[arg-type]
        await application.bot.set_my_commands(commands, language_code=code)
    if sys.platform != "win32":
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(state.reload()))
    log.info("bot @%s ready", state.bot_username)


def _start_staff_work(application: App) -> None:
    state, jobs = application.bot_data, application.job_queue
    state.alert_task = asyncio.create_task(state.desk.run_alerts(application.bot), name="staff-alerts")

    async def remind(_: Any) -> None:
        await state.desk.remind()

    async def flush(_: Any) -> None:
        await state.desk.flush_spool(application.bot)

    async def digest(_: Any) -> None:
        await state.desk.digest(application.bot)

    async def sweep(_: Any) -> None:
        state.sessions.sweep()

    async def check_ins(_: Any) -> None:
        await state.check_ins.send_due(application.bot)

    if jobs is not None:
        jobs.run_repeating(remind, interval=60, first=60, name="staff-reminders")
        jobs.run_repeating(flush, interval=30, first=5, name="spool-flush")
        jobs.run_daily(digest, time=dt.time(state.settings.digest_hour, tzinfo=VIETNAM), name="digest")
        jobs.run_repeating(sweep, interval=SESSION_SWEEP_INTERVAL, first=SESSION_SWEEP_INTERVAL,
                           name="session-sweep")
        jobs.run_repeating(check_ins, interval=state.check_in_interval,
                           first=min(1.0, state.check_in_interval), name="check-ins")


async def _post_stop(application: App) -> None:
    sessions = getattr(application.bot_data, "sessions", None)
    if sessions is not None:
        sessions.stop_all()
    task = getattr(application.bot_data, "alert_task", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _post_shutdown(application: App) -> None:
    state = application.bot_data
    if hasattr(state, "store"):
        await state.store.close()
    if sys.platform != "win32":
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)


async def start(application: App) -> None:
    """Initialise, run our start-up work and start processing updates: what run_polling does
    before it polls. The webhook server and the tests use it."""
    await application.initialize()
    if application.post_init:
        await application.post_init(application)
    await application.start()


async def stop(application: App) -> None:
    """Finish in-flight updates, then close everything, storage last."""
    sessions = getattr(application.bot_data, "sessions", None)
    if sessions is not None:
        # Exercises end first: a paced step that fired while the job queue shuts down would be
        # cancelled half-sent, which the scheduler logs as an error.
        sessions.stop_all()
    if application.running:
        await application.stop()
    if application.post_stop:
        await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown:
        await application.post_shutdown(application)


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
