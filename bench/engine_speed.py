"""Engine cost per message: `Engine.respond` (normalise, crisis check, match, reply) on the
message mix of bench/messages.py with the shipped content, on one core."""

from __future__ import annotations

import os
import time
from collections import defaultdict

from bench.messages import ROOT, Message, mix
from bench.table import Section, median, ms, percentile
from bot.content.loader import load_engine
from bot.core.engine import Engine
from bot.telegram.heap import settle

ROUNDS = 20


def one_core() -> None:
    """Pin this process to one CPU, so "per core" means what it says."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def time_messages(engine: Engine, messages: list[Message],
                  rounds: int) -> tuple[dict[str, list[float]], float]:
    """Seconds per `respond` call, by kind, and the total wall time of all calls."""
    for message in messages:  # warm caches, as a running bot has them
        engine.respond(message.text)
    by_kind: defaultdict[str, list[float]] = defaultdict(list)
    started = time.perf_counter()
    for _ in range(rounds):
        for message in messages:
            begin = time.perf_counter()
            engine.respond(message.text)
            by_kind[message.kind].append(time.perf_counter() - begin)
    return by_kind, time.perf_counter() - started


def run(quick: bool) -> list[Section]:
    one_core()
    engine = load_engine(ROOT / "intents", ROOT / "resources.yaml").engine
    settle()  # as the bot does once content is loaded (bot/telegram/heap.py)
    messages = mix(engine)
    rounds = 2 if quick else ROUNDS
    by_kind, wall = time_messages(engine, messages, rounds)
    section = Section("Engine cost per message (Engine.respond, shipped content, one core)",
                      ("messages", "count", "median ms", "p99 ms", "max ms"))
    everything = [t for times in by_kind.values() for t in times]
    for kind, times in sorted(by_kind.items()):
        section.add(kind, len(times), ms(median(times)), ms(percentile(times, 0.99)), ms(max(times)))
    section.add("all", len(everything), ms(median(everything)), ms(percentile(everything, 0.99)),
                ms(max(everything)))
    section.notes.append(f"{len(everything) / wall:,.0f} messages per second on one core "
                         f"({len(messages)} distinct messages x {rounds} rounds)")
    longest = max(len(m.text) for m in messages)
    section.notes.append(f"paragraphs run up to {longest} characters")
    return [section]
