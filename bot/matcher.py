"""Intent matching: which topic is this message about, and how sure are we?

An intent's score blends two kinds of evidence:
1. Its best example, by the higher of
   - similarity of the whole message to the example (rapidfuzz `token_sort_ratio`, which
     forgives typos and word order), scaled down when the words that differ are rare ones:
     "sợ bố mẹ biết…" is not "sợ sếp biết…" however alike the letters are;
   - word overlap weighted by rarity (IDF). `recall` is the share of the example found in the
     message, `precision` the share of the message the example explains. An example found as
     a phrase inside the message scores high even in a long paragraph (`mất ngủ` in a story about
     exams), higher the more of the message it explains; partial overlaps score their
     harmonic mean. One-word examples shorter than `MIN_CONTAINED_CHARS` never count as
     contained: `hi` is inside everything.
2. Topic coverage (`TOPIC_WEIGHT`): the share of the message that the intent's whole
   vocabulary explains, with words used by many topics counting little.
Examples are normalised once at load; an inverted index of words picks the few examples worth
scoring by overlap, so the cost of a message does not grow with the whole content.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.content import Intent
from bot.normalise import Normalised, Normaliser, Token

# Tuned together on ../shared/eval/dev.jsonl and tests/data/paraphrases.jsonl (see README).
DEFAULT_THRESHOLD = 58
MIN_CONTAINED_CHARS = 5
OVERLAP_WEIGHT = 0.95  # word overlap is weaker evidence than a near-identical message
CONTAINED_FLOOR = 0.8  # an example wholly inside a message keeps this share however long the message
FOLDED_PENALTY = 6  # comparing folded forms of a message typed with diacritics loses information
SHORTLIST = 12
TOPIC_WEIGHT = 0.3  # share of an intent's score that comes from its whole vocabulary
WORD_FACTOR = 0.2  # how much differing rare words pull a character-level similarity down


@dataclass(frozen=True, slots=True)
class Candidate:
    intent: str
    score: float
    example: str
    how: str


@dataclass(frozen=True, slots=True)
class _Example:
    intent: int
    text: str
    weight: float
    short: bool  # one word under MIN_CONTAINED_CHARS: never counts as contained
    phrase: str  # folded words in order, padded with spaces, to test containment as a phrase


def _sorted_words(words: Sequence[str]) -> str:
    """Words in sorted order: `fuzz.ratio` on these equals `fuzz.token_sort_ratio` on the
    originals, without re-sorting every example for every message."""
    return " ".join(sorted(words))


@dataclass(frozen=True)
class IntentMatcher:
    intents: tuple[Intent, ...]
    normalise: Normaliser
    negations: frozenset[str] = frozenset()
    threshold: int = DEFAULT_THRESHOLD
    _examples: tuple[_Example, ...] = field(init=False, repr=False)
    _accented: tuple[str, ...] = field(init=False, repr=False)
    _folded: tuple[str, ...] = field(init=False, repr=False)
    _by_accented: dict[str, tuple[tuple[int, float], ...]] = field(init=False, repr=False)
    _by_folded: dict[str, tuple[tuple[int, float], ...]] = field(init=False, repr=False)
    _idf: dict[str, float] = field(init=False, repr=False)
    _unknown_idf: float = field(init=False, repr=False)
    _topic_words: dict[str, tuple[float, frozenset[int]]] = field(init=False, repr=False)
    _unknown_topic_weight: float = field(init=False, repr=False)
    _similarity_floor: float = field(init=False, repr=False)
    _longest_query: float = field(init=False, repr=False)
    _thresholds: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        normalised = [(i, ex, self.normalise(ex.text))
                      for i, intent in enumerate(self.intents) for ex in intent.examples]
        document_frequency: defaultdict[str, int] = defaultdict(int)
        owners: defaultdict[str, set[int]] = defaultdict(set)
        for i, _, norm in normalised:
            for word in {t.folded for t in norm.tokens}:
                document_frequency[word] += 1
                owners[word].add(i)
        total = max(len(normalised), 1)
        idf = {w: math.log(1 + total / df) for w, df in document_frequency.items()}

        examples = []
        by_accented: defaultdict[str, list[tuple[int, float]]] = defaultdict(list)
        by_folded: defaultdict[str, list[tuple[int, float]]] = defaultdict(list)
        for n, (i, ex, norm) in enumerate(normalised):
            words = {t.folded: t.text for t in norm.tokens}
            for folded, text in words.items():
                by_folded[folded].append((n, idf[folded]))
                by_accented[text].append((n, idf[folded]))
            short = len(words) == 1 and len(next(iter(words))) < MIN_CONTAINED_CHARS
            examples.append(_Example(i, ex.text, sum(idf[w] for w in words), short, f" {norm.folded} "))
        topics = max(len(self.intents), 1)
        set_ = object.__setattr__
        set_(self, "_examples", tuple(examples))
        set_(self, "_accented", tuple(_sorted_words([t.text for t in n.tokens]) for _, _, n in normalised))
        set_(self, "_folded", tuple(_sorted_words([t.folded for t in n.tokens]) for _, _, n in normalised))
        set_(self, "_by_accented", {k: tuple(v) for k, v in by_accented.items()})
        set_(self, "_by_folded", {k: tuple(v) for k, v in by_folded.items()})
        set_(self, "_idf", idf)
        # A word no example uses is as informative as the rarest known word: it is something
        # the message says that no topic explains.
        set_(self, "_unknown_idf", math.log(1 + total))
        set_(self, "_topic_words", {w: (math.log(1 + topics / len(o)), frozenset(o))
                                    for w, o in owners.items()})
        set_(self, "_unknown_topic_weight", math.log(1 + topics))
        # Below this similarity no example can lift an intent over the lowest threshold, even
        # with full topic coverage; rapidfuzz skips such choices by length alone, which makes
        # long paragraphs cheap.
        lowest = min([self.threshold, *(i.threshold for i in self.intents if i.threshold)])
        floor = max(1.0, (lowest - 100 * TOPIC_WEIGHT) / (1 - TOPIC_WEIGHT))
        set_(self, "_similarity_floor", floor)
        # fuzz.ratio(a, b) <= 200 * len(b) / (len(a) + len(b)): a message longer than this cannot
        # reach the floor against any example, so the similarity pass is skipped outright.
        longest = max((len(c) for c in self._accented), default=0)
        set_(self, "_longest_query", longest * (200 / floor - 1))
        set_(self, "_thresholds", {i.id: i.threshold for i in self.intents if i.threshold})

    def rank(self, message: Normalised, limit: int = 3) -> list[Candidate]:
        """The best `limit` intents for a message, best first, one candidate per intent."""
        if not message.tokens or not self._examples:
            return []
        best: dict[int, tuple[float, int, str]] = {}
        overlap = self._overlap(message.tokens)
        for n, score in overlap.items():
            intent = self._examples[n].intent
            if score > best.get(intent, (-1.0, 0, ""))[0]:
                best[intent] = (score, n, "overlaps")
        strict = [t.strict for t in message.tokens]
        queries = []
        if not all(strict):
            penalty = FOLDED_PENALTY if any(strict) else 0
            queries.append((_sorted_words([t.folded for t in message.tokens]), self._folded, penalty))
        if any(strict):
            queries.append((_sorted_words([t.text for t in message.tokens]), self._accented, 0))
        for query, choices, penalty in queries:
            if len(query) > self._longest_query:
                continue
            for _, score, n in process.extract(query, choices, scorer=fuzz.ratio, processor=None,
                                               limit=SHORTLIST, score_cutoff=self._similarity_floor):
                words = overlap.get(n, 0.0) / (100 * OVERLAP_WEIGHT)
                adjusted = score * (1 - WORD_FACTOR + WORD_FACTOR * words) - penalty
                intent = self._examples[n].intent
                if adjusted > best.get(intent, (-1.0, 0, ""))[0]:
                    best[intent] = (adjusted, n, "similar")
        coverage = self._coverage(message.tokens)
        negated = any(t.folded in self.negations for t in message.tokens)
        ranked = sorted(
            (Candidate(self.intents[i].id,
                       (1 - TOPIC_WEIGHT) * score + TOPIC_WEIGHT * 100 * coverage.get(i, 0.0),
                       self._examples[n].text, how)
             for i, (score, n, how) in best.items()
             if not (negated and self.intents[i].not_when_negated)),
            key=lambda c: -c.score)
        return ranked[:limit]

    def _coverage(self, tokens: Sequence[Token]) -> dict[int, float]:
        """For each intent, the share of the message (weighted by how few topics use each word)
        that its examples' vocabulary explains."""
        total = 0.0
        covered: defaultdict[int, float] = defaultdict(float)
        for word in {t.folded for t in tokens}:
            weight, owners = self._topic_words.get(word, (self._unknown_topic_weight, frozenset()))
            total += weight
            for i in owners:
                covered[i] += weight
        return {i: c / total for i, c in covered.items()} if total else {}

    def _overlap(self, tokens: Sequence[Token]) -> dict[int, float]:
        """Word-overlap score (0-100) of every example sharing a word with the message."""
        found: defaultdict[int, float] = defaultdict(float)
        seen: set[str] = set()
        for t in tokens:
            if t.folded in seen:
                continue
            seen.add(t.folded)
            postings = self._by_accented.get(t.text) if t.strict else self._by_folded.get(t.folded)
            for n, weight in postings or ():
                found[n] += weight
        message_weight = sum(self._idf.get(w, self._unknown_idf) for w in seen)
        message_phrase = f" {' '.join(t.folded for t in tokens)} "
        scores: dict[int, float] = {}
        for n, weight in found.items():
            example = self._examples[n]
            recall = min(weight / example.weight, 1.0)
            precision = min(weight / message_weight, 1.0)
            score = 2 * recall * precision / (recall + precision)
            # Wholly contained means as a phrase: "tạm biệt" is not inside "không biết tâm trạng".
            if recall > 0.999 and not example.short and example.phrase in message_phrase:
                score = max(score, CONTAINED_FLOOR + (1 - CONTAINED_FLOOR) * precision)
            scores[n] = 100 * OVERLAP_WEIGHT * score
        return scores

    def threshold_for(self, intent_id: str) -> int:
        return self._thresholds.get(intent_id, self.threshold)
