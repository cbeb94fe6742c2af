import hashlib
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

import bot.content.cache
from bot.config import ContentPaths
from bot.content.files import content_files
from bot.content.loader import Loaded, load_engine
from bot.core.engine import Engine
from bot.storage.store import Store
from tests.backends import BACKENDS, Backend
from tests.fake_telegram import FakeTelegram
from tests.support import Person

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def _each_content_loaded_once() -> Iterator[None]:
    """Every end-to-end test starts a bot on its own copy of the shipped content, and loading
    it trains the learned model (about a second): in a test run each distinct content is
    loaded once and its engine shared, which is safe because an engine is immutable. What
    loading does is tested where `load_engine` is called directly (tests/test_load.py)."""
    loaded: dict[bytes, Loaded] = {}

    def load_once(intents_dir: Path, resources_path: Path) -> Loaded:
        digest = hashlib.sha256()
        for path in [*content_files(intents_dir), resources_path]:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        key = digest.digest()
        if key not in loaded:
            loaded[key] = load_engine(intents_dir, resources_path)
        return loaded[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bot.content.cache, "load_engine", load_once)
        yield


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
