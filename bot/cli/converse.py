"""`python -m bot converse`: whole conversations through the same dialogue as the chats.

Reads JSON lines `{"messages": ["...", ...]}` on standard input; plays each as one person's chat
from a fresh memory, the messages `GAP` seconds apart; writes one JSON line per conversation:
`{"levels": [...], "intents": [...], "replies": [...]}`, one entry per message. A level is the
crisis level the bot answered that message at ("emergency", "urgent", "concern") or null; an
intent is the topic or crisis intent it answered with, or the button a typed answer stood for
("ask:yes"); a reply is its first 80 characters.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

from bot.core.dialogue import Dialogue, Said
from bot.core.engine import Engine
from bot.core.memory import Memory

GAP = 5.0  # seconds between messages: a person typing
REPLY_CHARS = 80


def _intent(said: Said) -> str | None:
    return str(said.answered) if said.answered is not None else said.decision.intent


def converse(engine: Engine, lines: Iterable[str], timeout: float) -> Iterator[dict[str, object]]:
    start = datetime.now(UTC)
    for line in lines:
        if not line.strip():
            continue
        try:
            messages = json.loads(line)["messages"]
        except (ValueError, KeyError, TypeError):
            yield {"error": "each line must be a JSON object with a list of strings under \"messages\""}
            continue
        dialogue = Dialogue(Memory(timeout))
        played = [dialogue.message(engine, "person", str(text), None,
                                   start + timedelta(seconds=GAP * n), GAP * n)
                  for n, text in enumerate(messages)]
        yield {"levels": [s.level for s in played], "intents": [_intent(s) for s in played],
               "replies": [s.reply.text[:REPLY_CHARS] for s in played]}
