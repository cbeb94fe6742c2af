"""Logging that never shows the bot token.

Request URLs contain the token. The bot's own HTTP client (bot/telegram/http_client.py) logs only the
method's name, but exceptions can carry URLs, and python-telegram-bot's default client (httpx)
logs every URL at INFO level. The token is redacted when each log record is created, so no
handler (a file, the console, a test's capture) can ever see it; httpx is also quieted, as
python-telegram-bot's own examples do.
"""

from __future__ import annotations

import logging
from typing import Any

REDACTED = "<TOKEN>"


def install_redaction(secrets: list[str]) -> None:
    """Wrap the log-record factory so every record is redacted as it is made. Calling it
    again (another bot in the same process) adds secrets to the same wrapper."""
    current = logging.getLogRecordFactory()
    known: set[str] | None = getattr(current, "redacted_secrets", None)
    if known is not None:
        known.update(s for s in secrets if s)
        return
    redacting: set[str] = {s for s in secrets if s}
    make_record = current

    def clean(text: str) -> str:
        for secret in redacting:
            text = text.replace(secret, REDACTED)
        return text

    def redacted_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = clean(message), None
        if record.exc_info:
            record.exc_text = clean(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return record

    redacted_record.redacted_secrets = redacting  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacted_record)


def configure_logging(level: str, secrets: list[str]) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    install_redaction(secrets)
