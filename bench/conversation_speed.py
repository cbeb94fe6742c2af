"""The conversation layer: `Dialogue.message` against `Engine.respond` on the same message mix,
one core, and the memory held for 100,000 people in the middle of a conversation."""

from __future__ import annotations

import gc
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.engine_speed import one_core
from bench.messages import ROOT, mix
from bench.table import Section, median, ms, percentile
from bot.content.loader import load_engine
from bot.core.dialogue import Dialogue
from bot.core.memory import MAX_MESSAGES, MAX_PEOPLE, Memory
from bot.telegram.heap import settle

ROUNDS = 10
PEOPLE = 50  # the mix is spread over this many conversations, so questions and cues pile up
NOW_SECONDS = 1_000_000.0


def resident_mib() -> float:
    """This process's resident set, from /proc (Linux); 0 where there is none."""
    statm = Path("/proc/self/statm")
    if not statm.exists():
        return 0.0
    pages = int(statm.read_text().split()[1])
    return pages * 4096 / 2**20


def run(quick: bool) -> list[Section]:
    one_core()
    engine = load_engine(ROOT / "intents", ROOT / "resources.yaml").engine
    settle()
    messages = mix(engine)
    rounds = 2 if quick else ROUNDS
    dialogue, now = Dialogue(Memory(1800.0)), datetime.now(UTC)
    for message in messages:
        engine.respond(message.text)
    alone: list[float] = []
    held: list[float] = []
    clock = 0.0
    for _ in range(rounds):
        for n, message in enumerate(messages):
            begin = time.perf_counter()
            engine.respond(message.text)
            alone.append(time.perf_counter() - begin)
            clock += 1.0
            begin = time.perf_counter()
            dialogue.message(engine, n % PEOPLE, message.text, None, now, clock)
            held.append(time.perf_counter() - begin)
    speed = Section("Per message with the conversation layer (one core, the bench mix)",
                    ("path", "count", "median ms", "p99 ms", "max ms"))
    for name, times in (("Engine.respond", alone), ("Dialogue.message", held)):
        speed.add(name, len(times), ms(median(times)), ms(percentile(times, 0.99)), ms(max(times)))
    speed.notes.append(f"the mix spread over {PEOPLE} conversations, {rounds} rounds, the two paths "
                       "interleaved message by message")

    people = 5_000 if quick else MAX_PEOPLE
    cue_sets = [frozenset({"despair"}), frozenset({"farewell", "when"}), frozenset()]
    question_reply = engine.crisis_replies.reply("concern", "vi", now)
    gc.collect()
    settle()
    before = resident_mib()
    memory = Memory(1e9, max_people=people)
    many = Dialogue(memory)
    for person in range(people):
        recent = memory.recall(person, NOW_SECONDS)
        for k in range(MAX_MESSAGES):
            memory.note(recent, cue_sets[(person + k) % len(cue_sets)])
        many.sent(engine, person, question_reply, NOW_SECONDS, "concern")
    gc.collect()
    after = resident_mib()
    room = Section("Memory of conversations",
                   ("people held", "cue sets each", "resident MiB added", "resident MiB in all"))
    room.add(f"{len(memory):,}", MAX_MESSAGES, f"{after - before:.1f}", f"{after:.1f}")
    room.notes.append("each with a pending question (the concern reply's) and a full window of cues; "
                      "measured from /proc/self/statm")
    return [speed, room]
