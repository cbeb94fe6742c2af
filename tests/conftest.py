import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import ContentPaths
from bot.content.loader import load_engine
from bot.core.engine import Engine
from bot.storage.store import Store
from tests.backends import BACKENDS, Backend
from tests.fake_telegram import FakeTelegram
from tests.support import Person

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def engine() -> Engine:
    return load_engine(ROOT / "intents", ROOT / "resources.yaml").engine


@pytest.fixture
def content_dir(tmp_path: Path) -> ContentPaths:
    shutil.copytree(ROOT / "intents", tmp_path / "intents")
    shutil.copy(ROOT / "resources.yaml", tmp_path / "resources.yaml")
    return ContentPaths(tmp_path / "intents", tmp_path / "resources.yaml")


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture(params=BACKENDS, ids=lambda b: b.name)
def backend(request: pytest.FixtureRequest) -> Backend:
    """Each store backend in turn: a test taking it (or `store`) runs once per backend."""
    chosen: Backend = request.param
    return chosen


@pytest.fixture
async def store(backend: Backend, tmp_path: Path) -> AsyncIterator[Store]:
    opened = await backend.open(tmp_path)
    yield opened
    await opened.close()


@pytest.fixture
def person(telegram: FakeTelegram) -> Person:
    """The person in a private chat with the bot, in the end-to-end tests."""
    return Person(telegram)
