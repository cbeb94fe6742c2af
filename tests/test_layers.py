"""The house's rules, checked: the core is pure, every layer leans one way, no module is long."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"
MAX_LINES = 300
# What each layer may import of the others; the command line, on top, may import them all.
MAY_IMPORT = {
    "core": set(),
    "content": {"core", "config", "storage.private_files"},
    "storage": {"config"},
    "telegram": {"core", "content", "storage", "config"},
}
NOT_IN_CORE = ("telegram", "aiosqlite", "aiohttp", "tornado", "bot.content", "bot.storage",
               "bot.telegram", "bot.cli", "bot.config")


def test_importing_the_core_loads_no_io_and_no_other_layer() -> None:
    probe = (f"import sys, bot.core.engine, bot.core.crisis_rules, bot.core.commands; "
             f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {NOT_IN_CORE!r} "
             f"or any(m == n or m.startswith(n + '.') for n in {NOT_IN_CORE!r})); print(bad)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                            cwd=BOT.parent)
    assert result.stdout.strip() == "[]"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot."):
            found.add(node.module.removeprefix("bot."))
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("bot.") for a in node.names if a.name.startswith("bot."))
    return found


@pytest.mark.parametrize("layer", sorted(MAY_IMPORT))
def test_each_layer_imports_only_the_layers_beneath_it(layer: str) -> None:
    allowed = MAY_IMPORT[layer] | {layer}
    wrong = {f"{path.relative_to(BOT)} imports bot.{name}"
             for path in (BOT / layer).rglob("*.py") for name in _imports(path)
             if not any(name == a or name.startswith(a + ".") for a in allowed)}
    assert not wrong, sorted(wrong)


def test_no_module_is_longer_than_300_lines() -> None:
    long = {str(p.relative_to(BOT)): n for p in BOT.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long
