"""A fake Telegram Bot API server on loopback, for the end-to-end tests (see ``server``)."""

from tests.fake_telegram.faults import FAULT_KINDS
from tests.fake_telegram.server import DEFAULT_TOKEN, FakeTelegram
from tests.fake_telegram.wire import Call

__all__ = ["DEFAULT_TOKEN", "FAULT_KINDS", "Call", "FakeTelegram"]
