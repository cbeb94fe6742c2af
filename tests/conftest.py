import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import ContentPaths
from bot.content.loader import load_engine
from bot.core.engine import Engine
from tests.fake_telegram import FakeTelegram

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
