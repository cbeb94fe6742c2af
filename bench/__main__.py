"""Run the benchmarks and print one table per measurement.

    python -m bench                 # everything (a few minutes on a 2-core machine)
    python -m bench --quick         # every benchmark on a small sample: checks they run
    python -m bench --only engine scaling --json results.json
    python -m bench --only model    # how the learned model's threshold was chosen
    python -m bench --only topics   # how the topic classifier's threshold was chosen

Figures are wall-clock times on this machine: compare runs on the same machine only.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

from bench.table import Section

# name -> module with `run(quick: bool) -> list[Section]`, in the order they are printed
BENCHMARKS = {
    "engine": "bench.engine_speed",
    "conversation": "bench.conversation_speed",
    "scaling": "bench.scaling",
    "baselines": "bench.baselines",
    "startup": "bench.startup",
    "telegram": "bench.telegram_e2e",
    "store": "bench.store_speed",
    "model": "bench.model_cv",
    "topics": "bench.topic_cv",
}


def machine() -> str:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
            f"{cpus} CPU(s) available, {platform.processor() or 'unknown processor'}")


def cpu_ticks() -> tuple[int, int] | None:
    """(stolen, total) CPU ticks of the whole machine so far, from /proc/stat (Linux only).
    Stolen is time the hypervisor gave another guest while this one wanted to run: on a
    shared VM it makes the same code measure slower, and says when a run was disturbed."""
    try:
        fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    return (fields[7] if len(fields) > 7 else 0), sum(fields[:8])


def stolen_share(before: tuple[int, int] | None, after: tuple[int, int] | None) -> str:
    if before is None or after is None or after[1] == before[1]:
        return ""
    share = 100 * (after[0] - before[0]) / (after[1] - before[1])
    return f", {share:.0f}% of the machine's CPU time stolen by the hypervisor"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small samples: checks that everything runs")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), help="run only these")
    parser.add_argument("--json", type=Path, help="also write the tables to this JSON file")
    args = parser.parse_args(argv)
    names = args.only or list(BENCHMARKS)
    print(machine(), flush=True)
    sections: list[Section] = []
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    for name in names:
        started, ticks = time.perf_counter(), cpu_ticks()
        module = importlib.import_module(BENCHMARKS[name])
        for section in module.run(args.quick):
            sections.append(section)
            print("\n" + section.render(), flush=True)
        if cpus is not None:  # the engine benchmarks pin themselves to one core; the next may not
            os.sched_setaffinity(0, cpus)
        print(f"  ({name}: {time.perf_counter() - started:.1f} s{stolen_share(ticks, cpu_ticks())})",
              flush=True)
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "quick": args.quick,
                                         "sections": [s.as_dict() for s in sections]},
                                        ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
