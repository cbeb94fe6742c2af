"""Start-up and reload: loading (parsing, checking and indexing) the content in a fresh
process, `validate` (which also runs every example and crisis case through the engine), and
the peak memory (RSS) of the bot process built on that content, for the shipped content and
for the content grown x100 (written out as YAML files, as an operator would have them)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.growth import write_grown_folder
from bench.messages import ROOT
from bench.table import Section
from bot.content.loader import load_engine

# Runs in a fresh interpreter: what a (re)starting bot does before it can answer.
CHILD = r"""
import json, resource, sys, time
from datetime import date
from pathlib import Path
started = time.perf_counter()
from bot.config import ContentPaths, Settings
from bot.content.cache import ContentCache
imported = time.perf_counter()
# As the bot starts: through the content cache in its data folder.
engine = ContentCache(Path(sys.argv[3]), b"bench").load(ContentPaths(Path(sys.argv[1]), Path(sys.argv[2])))
loaded = time.perf_counter()
from bot.telegram.app import build_application
settings = Settings(token="123456789:" + "A" * 35, base_url="http://127.0.0.1:9/bot",
                    data_dir=Path(sys.argv[3]), admin_ids=frozenset(), content=ContentPaths(
                    Path(sys.argv[1]), Path(sys.argv[2])), log_level="WARNING", webhook_url=None,
                    webhook_secret=None, port=0, user_messages_per_minute=20, pseudonym_secret="x")
build_application(settings, engine)
built = time.perf_counter()
from bot.content.validate import check_engine
validated = None
if sys.argv[4] == "validate":
    started_check = time.perf_counter()
    check_engine(engine, date.today())
    validated = time.perf_counter() - started_check
# VmHWM, not ru_maxrss: after fork and exec, ru_maxrss still counts the parent's peak.
status = Path("/proc/self/status")
lines = status.read_text().splitlines() if status.exists() else []
peak = [line for line in lines if line.startswith("VmHWM:")]
rss_kb = int(peak[0].split()[1]) if peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"imports": imported - started, "load": loaded - imported, "app": built - loaded,
                  "validate": validated, "rss_mb": rss_kb / 1024}))
"""


def measure(intents: Path) -> tuple[dict[str, float | None], dict[str, float | None]]:
    """A first start (no cache yet, and validate), then a restart with the files unchanged."""
    with tempfile.TemporaryDirectory() as data:
        runs = [subprocess.run([sys.executable, "-c", CHILD, str(intents), str(ROOT / "resources.yaml"),
                                data, step], cwd=ROOT, capture_output=True, text=True, check=True)
                for step in ("validate", "restart")]
    first: dict[str, float | None] = json.loads(runs[0].stdout)
    again: dict[str, float | None] = json.loads(runs[1].stdout)
    return first, again


def run(quick: bool) -> list[Section]:
    section = Section("Start-up and reload (a fresh process; times in seconds)",
                      ("content", "examples", "imports", "load content", "build app", "validate",
                       "peak RSS MB", "restart: load", "restart: peak RSS MB"))
    shipped = load_engine(ROOT / "intents", ROOT / "resources.yaml").engine
    factor = 3 if quick else 100
    with tempfile.TemporaryDirectory() as scratch:
        grown = write_grown_folder(Path(scratch), factor, shipped.content)
        for name, folder in (("shipped", ROOT / "intents"), (f"x{factor}", grown)):
            figures, again = measure(folder)
            shipped_examples = sum(len(i.examples) for i in shipped.content.intents)
            examples = shipped_examples * (1 if name == "shipped" else factor)
            check = figures["validate"]
            section.add(name, examples, f"{figures['imports']:.2f}", f"{figures['load']:.2f}",
                        f"{figures['app']:.2f}", "-" if check is None else f"{check:.2f}",
                        f"{figures['rss_mb']:.0f}", f"{again['load']:.2f}", f"{again['rss_mb']:.0f}")
    section.notes.append("load content = what the first start, and /reload (or SIGHUP) after an edit, "
                         "pay before new content is live: parse, check, index, and write the content cache")
    section.notes.append("restart = the next start with the files unchanged: the content comes from the "
                         "cache (bot/content/cache.py)")
    section.notes.append("validate = `python -m bot validate`'s checks, which run every example and "
                         "crisis case through the engine: what an operator runs before a reload")
    return [section]
