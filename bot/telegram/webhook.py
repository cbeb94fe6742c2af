"""Webhook mode, for hosts that route HTTPS to `$PORT`: Telegram POSTs updates to the path of
WEBHOOK_URL, each carrying WEBHOOK_SECRET in a header; `GET /healthz` answers 200 once the
bot is running. Built on tornado, which python-telegram-bot's webhooks extra already brings.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from typing import Any
from urllib.parse import urlsplit

import tornado.httpserver
import tornado.web
from telegram import Update

from bot.config import Settings
from bot.telegram.lifecycle import retry_until_reachable, start
from bot.telegram.lifecycle import stop as stop_application

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class _UpdateHandler(tornado.web.RequestHandler):
    def initialize(self, bot_app: Any, secret: str) -> None:
        self.bot_app = bot_app
        self.secret = secret

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            self.set_status(403)
            return
        try:
            data = json.loads(self.request.body)
            update = Update.de_json(data, self.bot_app.bot)
        except (ValueError, TypeError, KeyError):
            self.set_status(400)
            return
        await self.bot_app.update_queue.put(update)
        self.set_status(200)


class _HealthHandler(tornado.web.RequestHandler):
    def initialize(self, bot_app: Any) -> None:
        self.bot_app = bot_app

    def get(self) -> None:
        running = bool(self.bot_app.running)
        self.set_status(200 if running else 503)
        self.finish({"ok": running})


def make_web_app(application: Any, settings: Settings) -> tornado.web.Application:
    path = urlsplit(settings.webhook_url or "").path or "/"
    return tornado.web.Application([
        (r"/healthz", _HealthHandler, {"bot_app": application}),
        (path, _UpdateHandler, {"bot_app": application, "secret": settings.webhook_secret or ""}),
    ])


async def serve_webhook(application: Any, settings: Settings, stop: asyncio.Event) -> None:
    await retry_until_reachable(lambda: start(application), "start-up")
    await retry_until_reachable(
        lambda: application.bot.set_webhook(settings.webhook_url, secret_token=settings.webhook_secret,
                                            allowed_updates=Update.ALL_TYPES, drop_pending_updates=False),
        "setting the webhook")
    server = tornado.httpserver.HTTPServer(make_web_app(application, settings))
    server.listen(settings.port)
    log.info("webhook server listening on port %d", settings.port)
    try:
        await stop.wait()
    finally:
        server.stop()
        await stop_application(application)


def run_webhook(application: Any, settings: Settings) -> int:
    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve_webhook(application, settings, stop)

    asyncio.run(main())
    return 0
