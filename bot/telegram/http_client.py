"""How the bot talks HTTP to Telegram: python-telegram-bot's requests sent with aiohttp.

python-telegram-bot sends with httpx by default. Measured end to end (bench/telegram_e2e.py),
httpx with httpcore, anyio and h11 took over a third of the bot's CPU per update; with
aiohttp, whose HTTP parsing is compiled, and parameters sent as JSON (one of the Bot API's
four encodings) instead of percent-escaped forms, the same core handles over twice the
updates a second. Behaviour is python-telegram-bot's: it builds every request, reads every
response and raises its own errors; this class only carries them, and turns transport
failures into `TimedOut` and `NetworkError` as its httpx class does, so retries and alerts
work unchanged. Proxies from the environment (HTTPS_PROXY, ...) are honoured, as httpx
honours them.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)

# python-telegram-bot's own defaults for its httpx requests.
CONNECTION_POOL_SIZE = 256
TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
# httpx's: an idle connection is closed by the bot well before a server would close it, so a
# request rarely goes out on a connection the other side is closing.
KEEPALIVE = 5.0


class AiohttpRequest(BaseRequest):
    def __init__(self, *, connection_pool_size: int = CONNECTION_POOL_SIZE,
                 read_timeout: float | None = TIMEOUT, write_timeout: float | None = TIMEOUT,
                 connect_timeout: float | None = TIMEOUT, pool_timeout: float | None = POOL_TIMEOUT) -> None:
        self._pool_size = connection_pool_size
        self._timeouts = (read_timeout, write_timeout, connect_timeout, pool_timeout)
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts[0]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, keepalive_timeout=KEEPALIVE),
                headers={"User-Agent": self.USER_AGENT}, trust_env=True)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: object = BaseRequest.DEFAULT_NONE,
                         write_timeout: object = BaseRequest.DEFAULT_NONE,
                         connect_timeout: object = BaseRequest.DEFAULT_NONE,
                         pool_timeout: object = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        read, write, connect, pool = (
            _seconds(given, default) for given, default in zip(
                (read_timeout, write_timeout, connect_timeout, pool_timeout), self._timeouts, strict=True))
        # aiohttp has no write timeout of its own; the whole exchange gets a ceiling of every
        # phase's limit added up, so a stalled upload still ends.
        phases = (read, write, connect, pool)
        timeout = aiohttp.ClientTimeout(
            total=None if None in phases else sum(p for p in phases if p is not None),
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect, sock_read=read)
        try:
            async with self._session.request(method, url, timeout=timeout,
                                             **_body(request_data)) as response:
                body = await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            # The class name, because some aiohttp errors have an empty message.
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {exc}") from exc
        # The method's name only: the URL holds the bot token.
        log.debug("%s %s: HTTP %d", method, url.rsplit("/", 1)[-1], response.status)
        return response.status, body


def _seconds(given: object, default: float | None) -> float | None:
    """A timeout as python-telegram-bot passes it: its "not given" marker, None (no limit) or
    seconds."""
    if isinstance(given, type(BaseRequest.DEFAULT_NONE)):
        return default
    return float(given) if isinstance(given, int | float) else None


def _body(request_data: RequestData | None) -> dict[str, Any]:
    """The parameters as a JSON body, one of the encodings the Bot API accepts: encoded in C,
    where form encoding percent-escapes every byte of Vietnamese text in Python. Multipart
    when there are files (JSON cannot carry them), with the fields as python-telegram-bot
    encodes them for forms."""
    if request_data is None:
        return {}
    files = request_data.multipart_data
    if not files:
        return {"json": request_data.parameters}
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return {"data": form}
