"""The store backends the storage suite runs against: a second one joins by adding a `Backend`
to `BACKENDS` (and starting its server in `.ci/run` if it needs one)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bot.config import StoreConfig
from bot.storage.factory import open_store
from bot.storage.store import Store


@dataclass(frozen=True)
class Backend:
    name: str
    # Opens the store kept for one test (the same store each time it is called for that test).
    open: Callable[[Path], Awaitable[Store]]


async def _sqlite(folder: Path) -> Store:
    return await open_store(StoreConfig(folder))


BACKENDS = (Backend("sqlite", _sqlite),)
