"""Risk across messages: signals too weak alone that add up within one conversation.

Each message leaves its cues (`intents/dialogue.yaml`): the concepts of the crisis rules it
holds outside every guard and context, the level it was answered at, or the topic (a goodbye
after the conversation reached urgent is a farewell), in a few named kinds
(despair, a farewell, a means, a question about method...). A rule is a list of steps, each a
choice of cues; it holds when the recent messages fill every step, each step by a different
message, and the message just written fills one of them. Everything written here only raises:
the single-message check has already decided each message, and no rule lowers it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import permutations

from bot.core.detectors import LEVELS, Level


@dataclass(frozen=True, slots=True)
class Cue:
    id: str
    concepts: frozenset[str]
    levels: frozenset[Level] = frozenset()
    topics: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class AcrossRule:
    id: str
    level: Level
    steps: tuple[frozenset[str], ...]  # each step: the cue ids that fill it


@dataclass(frozen=True)
class AcrossRules:
    cues: tuple[Cue, ...] = ()
    rules: tuple[AcrossRule, ...] = ()
    feelings: frozenset[str] = frozenset()  # cues that make a fallback acknowledge the feeling first

    def cues_of(self, concepts: Iterable[str], level: Level | None,
                topic: str | None = None) -> frozenset[str]:
        """The cues of one message: by the concepts it holds, the level it was answered at, and
        the topic it was answered with."""
        held = frozenset(concepts)
        return frozenset(c.id for c in self.cues
                         if not c.concepts.isdisjoint(held) or (level is not None and level in c.levels)
                         or (topic is not None and topic in c.topics))

    def judge(self, earlier: Sequence[frozenset[str]], now: frozenset[str]) -> AcrossRule | None:
        """The most severe rule the conversation completes with its latest message (`now`), given
        the cues of the messages before it, oldest first."""
        if not now:
            return None
        messages = [*earlier, now]
        found = [rule for rule in self.rules if _holds(rule, messages)]
        return min(found, key=lambda r: LEVELS.index(r.level), default=None)


def _holds(rule: AcrossRule, messages: list[frozenset[str]]) -> bool:
    """Whether distinct messages fill the rule's steps, the last message among them."""
    steps = rule.steps
    if len(steps) > len(messages):
        return False
    last = len(messages) - 1
    if all(step.isdisjoint(messages[last]) for step in steps):
        return False
    fills = [[m for m, cues in enumerate(messages) if not step.isdisjoint(cues)] for step in steps]
    if any(not f for f in fills):
        return False
    candidates = range(len(messages))
    return any(last in chosen and all(m in fill for m, fill in zip(chosen, fills, strict=True))
               for chosen in permutations(candidates, len(steps)))
