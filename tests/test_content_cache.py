"""The content cache: a restart with unchanged files skips loading them, and anything else
(an edited file, a file from elsewhere, a broken file) loads from the files as if there were
no cache. A stale cache would serve an old phone number in a crisis, so most tests here are
about when it must not be used."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import pytest

import bot.content.cache
from bot.config import ContentPaths
from bot.content.cache import ContentCache, fingerprint
from bot.content.loader import Loaded, load_engine
from bot.content.problems import ContentError
from bot.core.engine import Engine


class Loads:
    """Counts loads from the files."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0

        def counted(intents_dir: Path, resources_path: Path) -> Loaded:
            self.count += 1
            return load_engine(intents_dir, resources_path)

        monkeypatch.setattr(bot.content.cache, "load_engine", counted)


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> Loads:
    return Loads(monkeypatch)


def cache(tmp_path: Path, secret: bytes = b"secret") -> ContentCache:
    return ContentCache(tmp_path / "data", secret)


def medical_number(engine: Engine) -> str:
    return engine.content.hotlines["emergency_medical"].number


def test_a_restart_with_unchanged_files_reads_the_cache(content_dir: ContentPaths, tmp_path: Path,
                                                        loads: Loads) -> None:
    first = cache(tmp_path).load(content_dir)
    second = cache(tmp_path).load(content_dir)
    assert loads.count == 1
    assert second is not first
    assert second.decide("toi muon chet").crisis
    assert second.decide("mất ngủ mấy hôm nay").intent == first.decide("mất ngủ mấy hôm nay").intent
    assert medical_number(second) == "115"


def test_what_the_crisis_check_keeps_apart_by_language_survives_the_cache(
        content_dir: ContentPaths, tmp_path: Path) -> None:
    cache(tmp_path).load(content_dir)
    restarted = cache(tmp_path).load(content_dir)
    message = restarted.content.normalise("i took them yesterday and they helped a lot")
    assert "intend" not in restarted.rules.concepts.find(message.tokens, message.lang)  # "thèm"


@pytest.mark.parametrize("edit", ["resources", "intent", "new file"])
def test_any_edit_to_the_content_loads_the_files(content_dir: ContentPaths, tmp_path: Path,
                                                 loads: Loads, edit: str) -> None:
    cache(tmp_path).load(content_dir)
    if edit == "resources":
        text = content_dir.resources_file.read_text(encoding="utf-8")
        content_dir.resources_file.write_text(text.replace('number: "115"', 'number: "0115"', 1),
                                              encoding="utf-8")
    elif edit == "intent":
        path = content_dir.intents_dir / "coping_sleep.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    else:
        (content_dir.intents_dir / "zz_extra.yaml").write_text(
            (content_dir.intents_dir / "coping_sleep.yaml").read_text(encoding="utf-8").replace(
                "id: coping_sleep", "id: coping_sleep_again"), encoding="utf-8")
    engine = cache(tmp_path).load(content_dir)
    assert loads.count == 2
    if edit == "resources":
        assert medical_number(engine) == "0115"
    if edit == "new file":
        assert engine.content.intent("coping_sleep_again") is not None


def test_content_with_errors_is_refused_and_never_cached(content_dir: ContentPaths, tmp_path: Path,
                                                         loads: Loads) -> None:
    cache(tmp_path).load(content_dir)
    good = content_dir.resources_file.read_bytes()
    content_dir.resources_file.write_text("hotlines: [", encoding="utf-8")
    with pytest.raises(ContentError):
        cache(tmp_path).load(content_dir)
    content_dir.resources_file.write_bytes(good)
    assert medical_number(cache(tmp_path).load(content_dir)) == "115"
    assert loads.count == 2  # the broken files were loaded (and refused); the good ones cached


def test_a_cache_signed_with_another_secret_is_never_unpickled(
        content_dir: ContentPaths, tmp_path: Path, loads: Loads, caplog: pytest.LogCaptureFixture) -> None:
    cache(tmp_path, b"someone else").load(content_dir)
    with caplog.at_level(logging.WARNING):
        engine = cache(tmp_path, b"secret").load(content_dir)
    assert loads.count == 2
    assert "does not match its signature" in caplog.text
    assert medical_number(engine) == "115"


@pytest.mark.parametrize("damage", ["truncated", "flipped byte", "not an engine"])
def test_a_damaged_cache_loads_the_files(content_dir: ContentPaths, tmp_path: Path, loads: Loads,
                                         damage: str) -> None:
    store = cache(tmp_path)
    store.load(content_dir)
    data = store.path.read_bytes()
    if damage == "truncated":
        store.path.write_bytes(data[: len(data) // 2])
    elif damage == "flipped byte":
        store.path.write_bytes(data[:-10] + bytes([data[-10] ^ 1]) + data[-9:])
    else:
        # Correctly signed, for these very files, but not an engine: still not used.
        body = data[32:64] + pickle.dumps({"not": "an engine"})
        store.path.write_bytes(store._signature(body) + body)
    engine = store.load(content_dir)
    assert loads.count == 2
    assert engine.decide("toi muon chet").crisis


def test_a_file_edited_while_loading_is_not_cached(content_dir: ContentPaths, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def edit_midway(intents_dir: Path, resources_path: Path) -> Loaded:
        loaded = load_engine(intents_dir, resources_path)
        path = intents_dir / "coping_sleep.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        return loaded

    monkeypatch.setattr(bot.content.cache, "load_engine", edit_midway)
    store = cache(tmp_path)
    store.load(content_dir)
    assert not store.path.exists()


def test_the_cache_file_is_private(content_dir: ContentPaths, tmp_path: Path) -> None:
    store = cache(tmp_path)
    store.load(content_dir)
    assert store.path.stat().st_mode & 0o077 == 0


def test_a_data_folder_that_cannot_be_written_still_loads(content_dir: ContentPaths, tmp_path: Path,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the data folder should be", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        engine = ContentCache(blocked, b"secret").load(content_dir)
    assert engine.decide("toi muon chet").crisis
    assert "cannot write the content cache" in caplog.text


def test_every_file_of_the_bot_package_is_in_the_fingerprint(content_dir: ContentPaths, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Modules in any layer's folder, and files that are not modules (a model, a table)."""
    package = tmp_path / "bot"
    (package / "core").mkdir(parents=True)
    (package / "core" / "engine.py").write_text("A = 1\n")
    monkeypatch.setattr(bot.content.cache, "_CODE", package)
    before = fingerprint(content_dir)
    (package / "core" / "engine.py").write_text("A = 2\n")
    edited = fingerprint(content_dir)
    (package / "core" / "model.bin").write_bytes(b"\x00weights")
    with_model = fingerprint(content_dir)
    (package / "core" / "__pycache__").mkdir()
    (package / "core" / "__pycache__" / "engine.cpython-311.pyc").write_bytes(b"compiled")
    assert len({before, edited, with_model}) == 3
    assert fingerprint(content_dir) == with_model  # compiled bytecode is not the code
