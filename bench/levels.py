"""Crisis batches scored by level and by kind, as docs/evaluation.md reports them.

    python -m bench.levels tests/data/seen/crisis_batch19.jsonl [--misses]

Each line of a batch is `{"text", "expect": "crisis" | null, "level", "category"}`. The texts go
through `python -m bot match` (the same command `../shared/eval/score.py` scores), and the
figures are recall and false escalations, then for each level how many of its messages were
answered at that level or a graver one, then each category's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

# Gravest first; a message "at its level" is at that rank or before it.
RANK: dict[object, int] = {"emergency": 0, "urgent": 1, "concern": 2, None: 3}


def _matched(texts: list[str]) -> list[dict[str, object]]:
    stdin = "".join(t.replace("\n", " ") + "\n" for t in texts)
    out = subprocess.run([sys.executable, "-m", "bot", "match"], input=stdin, capture_output=True,
                         text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _at_level(got: object, wanted: object) -> bool:
    return RANK.get(got, 3) <= RANK.get(wanted, 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.levels", description=__doc__.splitlines()[0])
    parser.add_argument("batch", type=Path)
    parser.add_argument("--misses", action="store_true", help="print every message not at its level")
    args = parser.parse_args(argv)
    cases = [json.loads(line) for line in args.batch.read_text(encoding="utf-8").splitlines() if line.strip()]
    results = _matched([c["text"] for c in cases])
    if len(results) != len(cases):
        print(f"bot match answered {len(results)} lines for {len(cases)} messages", file=sys.stderr)
        return 1
    risky = [(c, r) for c, r in zip(cases, results, strict=True) if c["expect"] == "crisis"]
    ordinary = [(c, r) for c, r in zip(cases, results, strict=True) if c["expect"] != "crisis"]
    caught = sum(bool(r["crisis"]) for _, r in risky)
    false = sum(bool(r["crisis"]) for _, r in ordinary)
    print(f"recall {caught}/{len(risky)} ({caught / max(len(risky), 1):.3f})  "
          f"false {false}/{len(ordinary)} ({false / max(len(ordinary), 1):.3f})")
    for level in ("emergency", "urgent", "concern"):
        of = [(c, r) for c, r in risky if c.get("level") == level]
        if of:
            at = sum(_at_level(r.get("level"), level) for _, r in of)
            print(f"{level:<9} at its level or graver {at}/{len(of)}")
    total, good = Counter[str](), Counter[str]()
    for c, r in zip(cases, results, strict=True):
        category = str(c.get("category"))
        total[category] += 1
        good[category] += (_at_level(r.get("level"), c.get("level")) if c["expect"] == "crisis"
                           else not r["crisis"])
    for category in sorted(total):
        print(f"  {category:<26} {good[category]}/{total[category]}")
    if args.misses:
        for c, r in zip(cases, results, strict=True):
            wrong = (not _at_level(r.get("level"), c.get("level")) if c["expect"] == "crisis"
                     else bool(r["crisis"]))
            if wrong:
                print(f"MISS [{c.get('category')}] want {c.get('level')} got {r.get('level')} "
                      f"({r.get('intent')}): {c['text']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
