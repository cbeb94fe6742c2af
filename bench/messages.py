"""The message mix the benchmarks send: what people write, by kind.

Sources: tests/data/paraphrases.jsonl (topic messages written for the tests), the dev
evaluation set when ../shared is beside the project, the crisis examples of
intents/crisis.yaml, Vietnamese messages with their diacritics stripped (as many people type),
and long paragraphs built from several messages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bot.core.engine import Engine
from bot.core.folding import fold

ROOT = Path(__file__).resolve().parent.parent
PARAPHRASES = ROOT / "tests" / "data" / "paraphrases.jsonl"
DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"
GREETINGS = ("hi", "chào bạn", "alo", "hello", "bot ơi", "hey", "xin chào", "chao ban")


@dataclass(frozen=True)
class Message:
    text: str
    kind: str  # greeting, vi, vi-no-diacritics, en, crisis, paragraph


def _jsonl(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def mix(engine: Engine) -> list[Message]:
    """Every kind of message, about 280 in all."""
    labelled = [*_jsonl(PARAPHRASES), *_jsonl(DEV)]
    topical = [str(c["text"]) for c in labelled if c.get("expect") not in ("crisis", None)]
    messages = [Message(g, "greeting") for g in GREETINGS]
    for text in topical:
        lang = engine.content.normalise(text).lang
        messages.append(Message(text, lang))
        if lang == "vi" and fold(text) != text:
            messages.append(Message(fold(text), "vi-no-diacritics"))
    messages += [Message(c.text, "crisis") for c in engine.content.crisis.cases if c.expect is not None]
    vi = [m.text for m in messages if m.kind == "vi"]
    for size in (8, 25):  # a few sentences, and a long story of about a thousand characters
        for start in range(0, min(len(vi), 60), 10):
            messages.append(Message(". ".join(vi[start:start + size]) + ".", "paragraph"))
    return messages


def labelled_dev() -> list[dict[str, object]]:
    """The dev evaluation cases (empty when ../shared is not beside the project)."""
    return _jsonl(DEV)
