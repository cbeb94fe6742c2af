"""Engine latency per message: `python bench/engine_latency.py` from the project root.

Times `Engine.decide` on every message of tests/data/paraphrases.jsonl and, when it is
beside the project, ../shared/eval/dev.jsonl, five rounds, plus one 900-character paragraph.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.engine import Engine  # noqa: E402 (the path above makes the checkout importable)

ROUNDS = 5


def main() -> None:
    started = time.perf_counter()
    engine = Engine.load(ROOT / "intents", ROOT / "resources.yaml")
    loaded = time.perf_counter() - started
    sets = [ROOT / "tests" / "data" / "paraphrases.jsonl", ROOT.parent / "shared" / "eval" / "dev.jsonl"]
    messages = [json.loads(line)["text"] for path in sets if path.exists()
                for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for message in messages:
        engine.decide(message)
    times = []
    for _ in range(ROUNDS):
        for message in messages:
            begin = time.perf_counter()
            engine.decide(message)
            times.append(time.perf_counter() - begin)
    times.sort()
    sentence = "Mấy tháng nay mình mất ngủ, học hành sa sút, bố mẹ suốt ngày so sánh mình với người khác. "
    paragraph = sentence * 10
    long_times = []
    for _ in range(20):
        begin = time.perf_counter()
        engine.decide(paragraph)
        long_times.append(time.perf_counter() - begin)
    print(f"content loaded and indexed in {loaded * 1000:.0f} ms")
    print(f"{len(times)} decisions: median {statistics.median(times) * 1e6:.0f} µs, "
          f"p99 {times[int(len(times) * 0.99)] * 1e6:.0f} µs")
    print(f"a {len(paragraph)}-character paragraph: median {statistics.median(long_times) * 1e6:.0f} µs")


if __name__ == "__main__":
    main()
