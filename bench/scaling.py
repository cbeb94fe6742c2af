"""Scaling with content size: the shipped intents grown x10 and x100 (bench/growth.py), with
the matcher's intent shortlist and without it (every example scored, as before the index)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import bot.core.matcher
from bench.engine_speed import one_core, time_messages
from bench.growth import grown_content
from bench.messages import ROOT, mix
from bench.table import Section, median, ms, percentile
from bot.content.loader import load_engine
from bot.core.engine import Engine
from bot.telegram.heap import settle


@contextmanager
def exhaustive() -> Iterator[None]:
    """Score every example, however many intents: the matcher without its shortlist."""
    saved = bot.core.matcher.SCORE_ALL_UP_TO
    bot.core.matcher.SCORE_ALL_UP_TO = 10**9
    try:
        yield
    finally:
        bot.core.matcher.SCORE_ALL_UP_TO = saved


def _answer(engine: Engine, text: str) -> tuple[str | None, float]:
    decision = engine.decide(text)
    topic = re.sub(r"_g\d+$", "", decision.intent) if decision.intent else None
    return topic, round(decision.score, 6)


def run(quick: bool) -> list[Section]:
    one_core()
    shipped = load_engine(ROOT / "intents", ROOT / "resources.yaml").engine
    messages = mix(shipped)
    if quick:
        messages = messages[:: max(1, len(messages) // 20)]
    section = Section("Scaling with content size (Engine.respond on the message mix, one core)",
                      ("content", "intents", "examples", "matcher", "index build s", "median ms",
                       "p99 ms", "messages/s", "same answer"))
    factors = (1, 3) if quick else (1, 10, 100)
    for factor in factors:
        content = grown_content(shipped.content, factor)
        answers: dict[str, list[tuple[str | None, float]]] = {}
        for matcher in ("shortlist", "every example"):
            # The matcher reads the limit as it ranks, so the whole measurement runs inside.
            with exhaustive() if matcher == "every example" else nullcontext():
                started = time.perf_counter()
                engine = Engine(content, shipped.rules)
                built = time.perf_counter() - started
                settle()  # as the bot does once content is loaded (bot/telegram/heap.py)
                rounds = 1 if quick or factor >= 100 else 3
                by_kind, wall = time_messages(engine, messages, rounds)
                answers[matcher] = [_answer(engine, m.text) for m in messages]
            times = [t for kind in by_kind.values() for t in kind]
            same = "" if matcher == "shortlist" else (
                f"{sum(a == b for a, b in zip(*answers.values(), strict=True))}/{len(messages)}")
            section.add(f"x{factor}", len(content.intents), sum(len(i.examples) for i in content.intents),
                        matcher, f"{built:.2f}", ms(median(times)), ms(percentile(times, 0.99)),
                        f"{len(times) / wall:,.0f}", same)
    section.notes.append("same answer: messages given the same topic with the same score with and "
                         "without the shortlist (a grown copy that ties with its original counts as the "
                         "same topic: which of two equal scores comes first is arbitrary)")
    section.notes.append(f"up to {bot.core.matcher.SCORE_ALL_UP_TO} intents every example is scored, so x1 "
                         "is identical either way")
    return [section]
