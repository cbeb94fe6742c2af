"""Crisis detection: phrases from `intents/crisis.yaml`, checked before any intent.

A hyperbole guard (`nóng muốn chết`, `i'm dead 😂`) suppresses only the crisis hits that lie
wholly inside the guard's own words; any other crisis phrase in the same message still counts.
Negation just before a phrase (`em không muốn chết`) lowers urgent to concern, never to
silence. A phrase about someone else (`bạn mình nói muốn tự tử`) is flagged so the reply can
speak to the helper, and still carries the helplines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.normalise import Normalised, Token
from bot.phrases import Hit, PhraseSet

Level = Literal["urgent", "concern"]
LEVELS: tuple[Level, ...] = ("urgent", "concern")
NEGATION_WINDOW = 2


@dataclass(frozen=True, slots=True)
class CrisisRule:
    id: str
    level: Level
    about_other: bool


@dataclass(frozen=True, slots=True)
class Signal:
    """The decisive crisis finding for one message."""

    level: Level
    rule: str
    phrase: str
    fuzzy: bool
    negated: bool
    about_other: bool


@dataclass(frozen=True, slots=True)
class CrisisCheck:
    signal: Signal | None
    hits: tuple[Hit, ...]
    suppressed: tuple[tuple[Hit, Hit], ...]


@dataclass(frozen=True)
class CrisisDetector:
    rules: dict[str, CrisisRule]
    phrases: PhraseSet
    guards: PhraseSet
    negations: PhraseSet
    others: PhraseSet
    first_person: PhraseSet

    def negation_words(self) -> frozenset[str]:
        """Single negation words (folded), which also decide `not_when_negated` intents."""
        return frozenset(p.words[0].folded for p in self.negations.phrases if len(p.words) == 1)

    def check(self, message: Normalised) -> CrisisCheck:
        tokens = message.tokens
        hits = self.phrases.find(tokens)
        if not hits:
            return CrisisCheck(None, (), ())
        guards = self.guards.find(tokens, fuzzy=False, within_clause=True)
        live: list[Hit] = []
        suppressed: list[tuple[Hit, Hit]] = []
        for hit in hits:
            guard = next((g for g in guards if hit.inside(g)), None)
            if guard is None:
                live.append(hit)
            else:
                suppressed.append((hit, guard))
        signals = [self._signal(hit, tokens) for hit in live]
        best = min(signals, key=_severity, default=None)
        return CrisisCheck(best, tuple(hits), tuple(suppressed))

    def _signal(self, hit: Hit, tokens: tuple[Token, ...]) -> Signal:
        rule = self.rules[hit.phrase.owner]
        negated = rule.level == "urgent" and self._negated(hit, tokens)
        about_other = rule.about_other or self._about_other(hit, tokens)
        return Signal("concern" if negated else rule.level, rule.id, hit.phrase.source,
                      hit.fuzzy, negated, about_other)

    def _negated(self, hit: Hit, tokens: tuple[Token, ...]) -> bool:
        if self.negations.find(tokens[hit.start:hit.start + 1], fuzzy=False, within_clause=True):
            return False  # the phrase itself is negative ("không muốn sống nữa")
        clause = tokens[hit.start].clause
        window = tokens[max(0, hit.start - NEGATION_WINDOW - 1):hit.start]
        for neg in self.negations.find(window, fuzzy=False, within_clause=True):
            if window[neg.start].clause == clause and neg.end >= len(window) - NEGATION_WINDOW:
                return True
        return False

    def _about_other(self, hit: Hit, tokens: tuple[Token, ...]) -> bool:
        before = tokens[:hit.start]
        cues = self.others.find(before, fuzzy=False, within_clause=True)
        if not cues:
            return False
        last = max(cues, key=lambda c: c.end)
        between = before[last.end:]
        return not self.first_person.find(between, fuzzy=False, within_clause=True)


def _severity(signal: Signal) -> tuple[int, int, int]:
    return (LEVELS.index(signal.level), int(signal.about_other), int(signal.fuzzy))
