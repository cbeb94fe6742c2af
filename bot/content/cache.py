"""A cache of the loaded, checked and indexed content, so that a restart (or a reload) with
files unchanged since the last load skips parsing, checking and indexing.

The shipped content loads in a tenth of a second, but content grown a hundredfold takes
seconds, and a bot that is restarting answers nobody. The cache is one file in the data
folder, valid only for the exact bytes of every content file, of the bot's own code, and of
the Python, numpy, PyYAML and rapidfuzz it was made with. It is signed with a key derived from the
pseudonymisation secret: unpickling runs code, so a file the bot did not write is never read.
Anything wrong with it (missing, stale, unsigned, unreadable) means loading from the files,
as without a cache; an error in the content is never cached.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import logging
import os
import pickle
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rapidfuzz
import yaml

from bot.config import ContentPaths
from bot.content.files import content_files
from bot.content.loader import load_engine
from bot.core.engine import Engine
from bot.storage.private_files import open_private, private_dir

log = logging.getLogger(__name__)

CACHE_FILE = "content-cache.pickle"
FORMAT = b"content-cache 1"
_CODE = Path(__file__).resolve().parent.parent  # the whole bot package


@dataclass(frozen=True)
class ContentCache:
    folder: Path
    secret: bytes

    @property
    def path(self) -> Path:
        return self.folder / CACHE_FILE

    def load(self, paths: ContentPaths) -> Engine:
        """The engine for these files: from the cache when it was made from these exact files,
        otherwise loaded from them (raising ContentError as `load_engine` does) and cached."""
        before = fingerprint(paths)
        cached = self._read(before)
        if cached is not None:
            log.info("content loaded from the cache (files unchanged since %s was written)", self.path)
            return cached
        engine = load_engine(paths.intents_dir, paths.resources_file).engine
        # A file edited while loading: what was loaded may not be what `before` describes.
        if fingerprint(paths) == before:
            self._write(before, engine)
        return engine

    def _signature(self, data: bytes) -> bytes:
        key = hmac.new(self.secret, FORMAT, hashlib.sha256).digest()
        return hmac.new(key, data, hashlib.sha256).digest()

    def _read(self, expected: bytes) -> Engine | None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cannot read the content cache (%s); loading the files", exc)
            return None
        signature, body = data[:32], data[32:]
        if not hmac.compare_digest(signature, self._signature(body)):
            log.warning("the content cache %s does not match its signature (damaged, or not written "
                        "with this bot's secret); loading the files", self.path)
            return None
        if body[:32] != expected:
            return None
        try:
            with _no_collection():
                engine = pickle.loads(body[32:])
        except Exception:
            log.exception("the content cache could not be read; loading the files")
            return None
        return engine if isinstance(engine, Engine) else None

    def _write(self, key: bytes, engine: Engine) -> None:
        body = key + pickle.dumps(engine, protocol=pickle.HIGHEST_PROTOCOL)
        partial = self.path.with_suffix(".partial")
        try:
            private_dir(self.folder)
            partial.unlink(missing_ok=True)  # a leftover keeps its own permissions: start afresh
            with open(partial, "wb", opener=open_private) as handle:
                handle.write(self._signature(body) + body)
            os.replace(partial, self.path)
        except OSError as exc:
            log.warning("cannot write the content cache (%s); the next start loads the files", exc)


def fingerprint(paths: ContentPaths) -> bytes:
    """A digest of everything a loaded engine depends on."""
    digest = hashlib.sha256(FORMAT)
    versions = (sys.version, np.__version__, yaml.__version__, rapidfuzz.__version__)
    for part in (*versions, os.getcwd(), str(paths.intents_dir.resolve())):
        _add(digest, part.encode())
    # Every file of the package, not only its modules: a model or a data file the engine is
    # built from must make a cache built without it stale.
    for source in sorted(p for p in _CODE.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        _add(digest, str(source.relative_to(_CODE)).encode(), source.read_bytes())
    for path in [*content_files(paths.intents_dir), paths.resources_file]:
        _add(digest, str(path.resolve()).encode())
        try:
            _add(digest, path.read_bytes())
        except OSError:
            _add(digest, b"unreadable")
    return digest.digest()


def _add(digest: hashlib._Hash, *parts: bytes) -> None:
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)


@contextmanager
def _no_collection() -> Iterator[None]:
    """Unpickling makes a million objects, none of them garbage: the collector would walk them
    all repeatedly for nothing (it doubles the time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
