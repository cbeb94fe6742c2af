"""The benchmarks run (`python -m bench --quick`): a smoke test, never a timing assertion.
docs/performance.md has the figures of a full run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bench.__main__ import BENCHMARKS, main

NUMBER = re.compile(r"^\d[\d,]*(\.\d+)?( |$)")


@pytest.mark.parametrize("name", list(BENCHMARKS))
def test_each_benchmark_runs_and_reports_numbers(name: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--quick", "--only", name, "--json", str(tmp_path / "out.json")]) == 0
    printed = capsys.readouterr().out
    results = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert results["quick"] is True and results["sections"]
    for section in results["sections"]:
        assert section["rows"], section["title"]
        numbers = [cell for row in section["rows"] for cell in row if NUMBER.match(cell)]
        assert numbers, f"{section['title']} printed no figures"
        assert section["title"] in printed
