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
"uống thuốc cho chết". Most such signals are written over concepts (`bot.core.concepts`): a
rule's combinations of word classes, in a clause, a sentence or the message.

Contexts are the opposite: where the words are there but the risk is not (suicide as the
subject of homework or the news, a past told as past, "[feeling] muốn chết"). A context that
holds, and none of its `unless` combinations, silences the hits of the rules it names within
its clause, sentence or span; a message whose every hit a context silenced gets the context's
topic instead of a crisis reply. A context of scope `next` is a construction, read like a
guard: the concept words inside it are not there for any rule ("nóng quá muốn chết" holds no
wish to die), so no combination can be completed from them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from bot.core.concepts import Combination, ConceptIndex, Scope, complete, completions, sentences_of, unit_span
from bot.core.detectors import LEVELS, Finding, Level, Signal
from bot.core.guard_marks import marked_beside, typed_with_its_marks
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
class Context:
    id: str
    combinations: tuple[Combination, ...]
    scope: Scope
    unless: tuple[Combination, ...] = ()
    silences: frozenset[str] = frozenset()  # rule ids; empty: every rule
    intent: str | None = None  # the topic of a message it silences entirely


@dataclass(frozen=True, slots=True)
class CrisisCheck:
    """Everything the rules saw: the decisive signal, every hit, each hit a guard or a context
    silenced (with the guard's or context's own hit), and the concept words found."""

    signal: Signal | None
    hits: tuple[Hit, ...]
    suppressed: tuple[tuple[Hit, Hit], ...]
    concepts: tuple[Hit, ...] = ()
    contexts: frozenset[str] = frozenset()  # the contexts that held over the message
    topic: str | None = None  # a context's topic, when contexts silenced every hit

    def finding(self) -> Finding:
        silenced = {id(hit) for hit, _ in self.suppressed}
        evidence = [f"concept:     {c.phrase.owner} '{c.phrase.source}'" for c in self.concepts]
        evidence += [f"{'context' if by.phrase.owner in self.contexts else 'guard'}:"
                     f"{' ' * (5 if by.phrase.owner in self.contexts else 7)}'{by.phrase.source}' "
                     f"({by.phrase.owner}) silences '{hit.phrase.source}'" for hit, by in self.suppressed]
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
    concepts: ConceptIndex = field(default_factory=lambda: ConceptIndex(PhraseSet(())))
    combinations: tuple[tuple[Combination, Scope], ...] = ()  # the rules' (owner: the rule)
    contexts: tuple[Context, ...] = ()
    _constructions: tuple[Context, ...] = field(init=False, repr=False)  # the contexts of scope `next`
    _settings: tuple[Context, ...] = field(init=False, repr=False)  # the others
    # For each concept, the combinations (by position) whose rarest slot it can fill: a message
    # is tried only against combinations with at least that slot filled, not against all.
    _by_concept: dict[str, tuple[int, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_constructions", tuple(c for c in self.contexts if c.scope == "next"))
        object.__setattr__(self, "_settings", tuple(c for c in self.contexts if c.scope != "next"))
        by_concept: dict[str, list[int]] = {}
        for at, (combination, _) in enumerate(self.combinations):
            for concept in min(combination.needed, key=len, default=frozenset()):
                by_concept.setdefault(concept, []).append(at)
        object.__setattr__(self, "_by_concept", {c: tuple(ats) for c, ats in by_concept.items()})

    def negation_words(self) -> frozenset[str]:
        """Single negation words (folded), which also decide `not_when_negated` intents."""
        return frozenset(p.words[0].folded for p in self.negations.phrases if len(p.words) == 1)

    def check(self, message: Normalised) -> Finding:
        return self.inspect(message).finding()

    def inspect(self, message: Normalised) -> CrisisCheck:
        tokens = message.tokens
        hits = self.phrases.find(tokens) + self._together(tokens)
        found = self.concepts.find(tokens, message.lang) if self.combinations or self.contexts else {}
        if not hits and not found:
            return CrisisCheck(None, (), ())
        guards = loose = self.guards.find(tokens, fuzzy=False, within_clause=True)
        if guards and any(t.strict for t in tokens):
            guards = [g for g in loose if typed_with_its_marks(g, tokens)]
        # A concept word inside a guard is not there: "nóng muốn chết" holds no `die`.
        found = {c: kept for c, words in found.items()
                 if (kept := [w for w in words if not any(w.inside(g) for g in guards)])}
        sentence = sentences_of(message)
        built = self._contexts(self._constructions, found, tokens, sentence)
        if built:
            found = {c: kept for c, words in found.items()
                     if (kept := [w for w in words if not any(w.inside(span) for _, span in built)])}
        # Every place, not the first: a context may explain one sentence and not the next.
        present = frozenset(found)
        tried = sorted({at for concept in present for at in self._by_concept.get(concept, ())})
        hits += [hit for combination, scope in map(self.combinations.__getitem__, tried)
                 if combination.may_hold(present)
                 for hit in completions(combination, scope, found, tokens, sentence, self.concepts)]
        concepts = tuple(w for words in found.values() for w in words)
        # Found with no rule to silence too: the conversation reads this message's words
        # later, and a context says what they were ("mua bả chuột" for the rats is no means).
        spans = built + self._contexts(self._settings, found, tokens, sentence)
        held = frozenset(c.id for c, _ in spans)
        if not hits:
            return CrisisCheck(None, (), (), concepts, held)
        live: list[Hit] = []
        suppressed: list[tuple[Hit, Hit]] = []
        topics: list[str] = []
        for hit in hits:
            guard = next((g for g in guards if hit.inside(g)), None) or next(
                (g for g in loose if hit.inside(g) and marked_beside(g, hit, tokens)), None)
            if guard is None:
                found_context = next(((c, span) for c, span in spans if hit.inside(span)
                                      and (not c.silences or hit.phrase.owner in c.silences)), None)
                if found_context is not None:
                    guard = found_context[1]
                    topics += [found_context[0].intent] if found_context[0].intent else []
            if guard is None:
                live.append(hit)
            else:
                suppressed.append((hit, guard))
        signals = [self._signal(hit, tokens) for hit in live]
        best = min(signals, key=_severity, default=None)
        return CrisisCheck(best, tuple(hits), tuple(suppressed), concepts, held,
                           topics[0] if topics and not live else None)

    def _contexts(self, contexts: tuple[Context, ...], found: dict[str, list[Hit]],
                  tokens: tuple[Token, ...], sentence: Callable[[Token], int]) -> list[tuple[Context, Hit]]:
        """Each context that holds, with the span it speaks for (its clause, sentence, words)."""
        spans: list[tuple[Context, Hit]] = []
        present = frozenset(found)
        for context in contexts:
            for combination in context.combinations:
                if not combination.may_hold(present):
                    continue
                for hit in completions(combination, context.scope, found, tokens, sentence, self.concepts):
                    span = unit_span(hit, context.scope, tokens, sentence)
                    if any(span == known for c, known in spans if c is context):
                        continue  # another word of the same sentence: already decided
                    # The context's own words are its own: in "đoạn Mị định ăn lá ngón" the
                    # "định" (intends) is Mị's, inside the subject "Mị định", not the writer's.
                    own = [w for slot in combination.needed for c in slot for w in found.get(c, ())
                           if w.inside(span)]
                    inside = {key: [w for w in words if w.inside(span) and not _within_another(w, own)]
                              for key, words in found.items()}
                    if not any(complete(u, "next", inside, tokens, sentence, self.concepts)
                               for u in context.unless):
                        spans.append((context, span))
        return spans

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
        negated = rule.level != "concern" and self._negated(hit, tokens)
        about_other = rule.about_other or self._about_other(hit, tokens)
        return Signal("concern" if negated else rule.level, rule.id, hit.phrase.source,
                      hit.fuzzy, negated, about_other)

    def _negated(self, hit: Hit, tokens: tuple[Token, ...]) -> bool:
        """A negation just before the hit, fillers aside: "không (thật sự) muốn chết"."""
        if self.negations.find(tokens[hit.start:hit.start + 1], fuzzy=False, within_clause=True):
            return False  # the phrase itself is negative ("không muốn sống nữa")
        clause = tokens[hit.start].clause
        marked = any(t.strict for t in tokens)
        at = hit.start
        fillers = self.phrases.fillers
        while at > 0 and tokens[at - 1].clause == clause and fillers.holds(tokens[at - 1], marked):
            at -= 1
        window = tokens[max(0, at - NEGATION_WINDOW):at]
        return any(neg.end == len(window) and window[neg.start].clause == clause
                   for neg in self.negations.find(window, fuzzy=False, within_clause=True))

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


def _within_another(word: Hit, others: Sequence[Hit]) -> bool:
    return any(word.inside(o) and (o.start, o.end) != (word.start, word.end) for o in others)
