"""Crisis detection: phrases from `intents/crisis.yaml`, checked before any intent.

A hyperbole guard (`nóng muốn chết`, `i'm dead 😂`) suppresses only the crisis hits that lie
wholly inside the guard's own words; any other crisis phrase in the same message still counts.
Negation just before a phrase (`em không muốn chết`) lowers urgent to concern, never to
silence. A phrase about someone else (`bạn mình nói muốn tự tử`) is flagged so the reply can
speak to the helper, and still carries the helplines.

Some signals are spread over a clause in words no single phrase lists: "uống thuốc ngủ cho
chết", "i cut my wrists". A rule's `together` entries name groups of phrases; one of each
group, in the order written, in one clause and within `TOGETHER_WINDOW` words, is a hit like
a phrase. Order matters: "chết mất mình quên uống thuốc" (oh no, I forgot my medicine) is not
"uống thuốc cho chết".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from bot.core.detectors import LEVELS, Finding, Level, Signal
from bot.core.normalise import Normalised, Token
from bot.core.phrase_set import PhraseSet
from bot.core.phrases import Hit, Phrase

NEGATION_WINDOW = 2
TOGETHER_WINDOW = 8  # words from the first part's start to the last part's end


@dataclass(frozen=True, slots=True)
class CrisisRule:
    id: str
    level: Level
    about_other: bool


@dataclass(frozen=True, slots=True)
class Together:
    """One `together` entry: `phrase` stands for the whole (its source and rule) in hits;
    `groups` are the choices, each phrase owned by "<entry number>:<group number>"."""

    phrase: Phrase
    groups: tuple[tuple[Phrase, ...], ...]
    _firsts: tuple[frozenset[str], ...] = field(init=False, repr=False)  # each group's first words

    def __post_init__(self) -> None:
        object.__setattr__(self, "_firsts", tuple(frozenset(p.words[0].folded for p in group)
                                                  for group in self.groups))

    def may_be_in(self, words: frozenset[str]) -> bool:
        """Whether every group has a phrase whose first word (folded) the message has: most
        messages rule every entry out this way, without a scan."""
        return all(not firsts.isdisjoint(words) for firsts in self._firsts)


@dataclass(frozen=True, slots=True)
class CrisisCheck:
    """Everything the rules saw: the decisive signal, every hit, and each hit a guard silenced."""

    signal: Signal | None
    hits: tuple[Hit, ...]
    suppressed: tuple[tuple[Hit, Hit], ...]

    def finding(self) -> Finding:
        silenced = {id(hit) for hit, _ in self.suppressed}
        evidence = [f"guard:       '{guard.phrase.source}' ({guard.phrase.owner}) silences "
                    f"'{hit.phrase.source}'" for hit, guard in self.suppressed]
        evidence += [f"crisis hit:  '{hit.phrase.source}' (rule {hit.phrase.owner}"
                     f"{', typo-forgiven' if hit.fuzzy else ''})"
                     for hit in self.hits if id(hit) not in silenced]
        return Finding(CrisisDetector.name, self.signal, tuple(evidence))


@dataclass(frozen=True)
class CrisisDetector:
    """The rules detector, compiled from content by `bot.core.crisis_rules.compile_rules`."""

    name: ClassVar[str] = "rules"
    rules: dict[str, CrisisRule]
    phrases: PhraseSet
    guards: PhraseSet
    negations: PhraseSet
    others: PhraseSet
    first_person: PhraseSet
    together: tuple[Together, ...] = ()
    parts: PhraseSet = field(default_factory=lambda: PhraseSet(()))  # every phrase of every group

    def negation_words(self) -> frozenset[str]:
        """Single negation words (folded), which also decide `not_when_negated` intents."""
        return frozenset(p.words[0].folded for p in self.negations.phrases if len(p.words) == 1)

    def check(self, message: Normalised) -> Finding:
        return self.inspect(message).finding()

    def inspect(self, message: Normalised) -> CrisisCheck:
        tokens = message.tokens
        hits = self.phrases.find(tokens) + self._together(tokens)
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

    def _together(self, tokens: tuple[Token, ...]) -> list[Hit]:
        """A hit for each `together` entry with one phrase of every group, in order, in one
        clause, as close together as they stand."""
        words = frozenset(t.folded for t in tokens)
        if not any(entry.may_be_in(words) for entry in self.together):
            return []
        parts = self.parts.find(tokens, fuzzy=False, within_clause=True)
        if not parts:
            return []
        found: dict[tuple[int, int], list[Hit]] = {}
        for part in parts:
            number, group = part.phrase.owner.split(":")
            found.setdefault((int(number), int(group)), []).append(part)
        hits = []
        for n, entry in enumerate(self.together):
            others = [found.get((n, g), []) for g in range(1, len(entry.groups))]
            if not all(others):
                continue
            for anchor in found.get((n, 0), []):
                span = _in_order(anchor, others, tokens)
                if span is not None:
                    hits.append(Hit(entry.phrase, span[0], span[1], False))
                    break
        return hits

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


def _in_order(anchor: Hit, groups: list[list[Hit]], tokens: tuple[Token, ...]) -> tuple[int, int] | None:
    """The span from `anchor` through the first part of each next group after the one before,
    if every group has one in the anchor's clause and the span is at most `TOGETHER_WINDOW`."""
    clause = tokens[anchor.start].clause
    end = anchor.end
    for group in groups:
        after = [p for p in group if p.start >= end and tokens[p.start].clause == clause]
        if not after:
            return None
        end = min(after, key=lambda p: p.start).end
    return (anchor.start, end) if end - anchor.start <= TOGETHER_WINDOW else None


def _severity(signal: Signal) -> tuple[int, int, int]:
    return (LEVELS.index(signal.level), int(signal.about_other), int(signal.fuzzy))
