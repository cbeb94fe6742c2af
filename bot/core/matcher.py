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
scoring by overlap. With more than `SCORE_ALL_UP_TO` intents, the `SHORTLIST_INTENTS` whose
distinctive words the message uses most are shortlisted first, and only their examples are
scored, so the cost of a message stops growing with the size of the content (bench/scaling.py measures it).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
from rapidfuzz import fuzz, process

from bot.core.matcher_index import (
    MIN_CONTAINED_CHARS,
    ByLength,
    IndexedExample,
    IndexedWord,
    Postings,
    postings,
    sorted_words,
)
from bot.core.models import Intent
from bot.core.normalise import Normalised, Normaliser, Token

# Tuned together on ../shared/eval/dev.jsonl and tests/data/paraphrases.jsonl (see README).
DEFAULT_THRESHOLD = 58
OVERLAP_WEIGHT = 0.95  # word overlap is weaker evidence than a near-identical message
CONTAINED_FLOOR = 0.8  # an example wholly inside a message keeps this share however long the message
FOLDED_PENALTY = 6  # comparing folded forms of a message typed with diacritics loses information
SHORTLIST = 12
TOPIC_WEIGHT = 0.3  # share of an intent's score that comes from its whole vocabulary
WORD_FACTOR = 0.2  # how much differing rare words pull a character-level similarity down
# Up to this many intents every example is scored: the shortlist reads folded words only, so it
# cannot tell "tạm biệt" (goodbye) from "tâm" and "biết", and is worth it only for large content.
SCORE_ALL_UP_TO = 60
SHORTLIST_INTENTS = 24  # with more intents than that, only this many best-covered ones are scored
COMMON_WORD_SHARE = 0.2  # a word used by more intents than this share does not shortlist any


@dataclass(frozen=True, slots=True)
class Candidate:
    intent: str
    score: float
    example: str
    how: str


@dataclass(frozen=True)
class IntentMatcher:
    intents: tuple[Intent, ...]
    normalise: Normaliser
    negations: frozenset[str] = frozenset()
    threshold: int = DEFAULT_THRESHOLD
    _examples: tuple[IndexedExample, ...] = field(init=False, repr=False)
    _accented: tuple[str, ...] = field(init=False, repr=False)
    _folded: tuple[str, ...] = field(init=False, repr=False)
    _accented_by_length: ByLength = field(init=False, repr=False)
    _folded_by_length: ByLength = field(init=False, repr=False)
    _by_accented: dict[str, Postings] = field(init=False, repr=False)
    _words: dict[str, IndexedWord] = field(init=False, repr=False)
    _unknown_word: IndexedWord = field(init=False, repr=False)
    _weights: np.ndarray = field(init=False, repr=False)
    _short: np.ndarray = field(init=False, repr=False)
    _intent_of: np.ndarray = field(init=False, repr=False)
    _spans: tuple[range, ...] = field(init=False, repr=False)
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
        # word -> intent -> that intent's examples with the word: postings grouped by intent,
        # so a shortlist reads only its own intents' postings.
        by_accented: defaultdict[str, defaultdict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        by_folded: defaultdict[str, defaultdict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        spans: dict[int, list[int]] = {}
        for n, (i, ex, norm) in enumerate(normalised):
            spans.setdefault(i, [n, n])[1] = n + 1
            words = {t.folded: t.text for t in norm.tokens}
            for folded, text in words.items():
                by_folded[folded][i].append(n)
                by_accented[text][i].append(n)
            short = len(words) == 1 and len(next(iter(words))) < MIN_CONTAINED_CHARS
            examples.append(IndexedExample(i, ex.text, sum(idf[w] for w in words), short, f" {norm.folded} "))
        set_ = object.__setattr__
        set_(self, "_examples", tuple(examples))
        set_(self, "_accented", tuple(sorted_words([t.text for t in n.tokens]) for _, _, n in normalised))
        set_(self, "_folded", tuple(sorted_words([t.folded for t in n.tokens]) for _, _, n in normalised))
        set_(self, "_accented_by_length", ByLength.of(self._accented))
        set_(self, "_folded_by_length", ByLength.of(self._folded))
        # A word weighs the same in every example that has it, so postings are example numbers
        # and the weight is kept once per word (an accented form weighs what its folded form does).
        accented_idf = {t.text: idf[t.folded] for _, _, norm in normalised for t in norm.tokens}
        set_(self, "_by_accented", {k: postings(accented_idf[k], v) for k, v in by_accented.items()})
        topics = max(len(self.intents), 1)
        set_(self, "_words", {w: IndexedWord(idf[w], math.log(1 + topics / len(owners[w])),
                                             frozenset(owners[w]), postings(idf[w], v))
                              for w, v in by_folded.items()})
        # A word no example uses is as informative as the rarest known word: it is something
        # the message says that no topic explains.
        set_(self, "_unknown_word", IndexedWord(math.log(1 + total), math.log(1 + topics), frozenset(), None))
        set_(self, "_weights", np.array([e.weight for e in examples], dtype=np.float64))
        set_(self, "_short", np.array([e.short for e in examples], dtype=bool))
        set_(self, "_intent_of", np.array([e.intent for e in examples], dtype=np.int64))
        # Examples are read intent by intent, so each intent's examples are one run.
        set_(self, "_spans", tuple(range(*spans.get(i, (0, 0))) for i in range(len(self.intents))))
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
        shortlist = self._shortlist(message.tokens)
        found, overlap, coverage = self._evidence(message.tokens, shortlist)
        for n, score in self._best_per_intent(found, overlap):
            best[self._examples[n].intent] = (score, n, "overlaps")
        strict = [t.strict for t in message.tokens]
        queries = []
        if not all(strict):
            queries.append(([t.folded for t in message.tokens], self._folded, self._folded_by_length,
                            FOLDED_PENALTY if any(strict) else 0))
        if any(strict):
            queries.append(([t.text for t in message.tokens], self._accented, self._accented_by_length, 0))
        spans = () if shortlist is None else (self._spans[i] for i in shortlist)
        shortlisted = tuple(chain.from_iterable(spans))  # the example numbers of the shortlist
        overlap_of: dict[int, float] | None = None
        for words, choices, by_length, penalty in queries:
            if sum(map(len, words)) + len(words) - 1 > self._longest_query:
                continue
            query = sorted_words(words)
            if shortlist is None:
                pool, numbers = by_length.within(query, self._similarity_floor)
            else:
                pool, numbers = tuple(map(choices.__getitem__, shortlisted)), shortlisted
            for _, score, k in process.extract(query, pool, scorer=fuzz.ratio, processor=None,
                                               limit=SHORTLIST, score_cutoff=self._similarity_floor):
                n = numbers[k]
                if overlap_of is None:
                    overlap_of = dict(zip(found.tolist(), overlap.tolist(), strict=True))
                shared = overlap_of.get(n, 0.0) / (100 * OVERLAP_WEIGHT)
                adjusted = score * (1 - WORD_FACTOR + WORD_FACTOR * shared) - penalty
                intent = self._examples[n].intent
                if adjusted > best.get(intent, (-1.0, 0, ""))[0]:
                    best[intent] = (adjusted, n, "similar")
        negated = any(t.folded in self.negations for t in message.tokens)
        covered = coverage.tolist()
        ranked = sorted(
            (Candidate(self.intents[i].id,
                       (1 - TOPIC_WEIGHT) * score + TOPIC_WEIGHT * 100 * covered[i],
                       self._examples[n].text, how)
             for i, (score, n, how) in best.items()
             if not (negated and self.intents[i].not_when_negated)),
            key=lambda c: -c.score)
        return ranked[:limit]

    def _shortlist(self, tokens: Sequence[Token]) -> list[int] | None:
        """The intents worth scoring, or None for all of them (small content). Ranked by the
        coverage of the message's distinctive words; words most intents use rank nothing."""
        if len(self.intents) <= SCORE_ALL_UP_TO:
            return None
        common = COMMON_WORD_SHARE * len(self.intents)
        words = [self._words[w] for w in {t.folded for t in tokens} if w in self._words]
        distinctive = [word for word in words if len(word.owners) <= common]
        owners: list[int] = []
        sizes: list[int] = []
        weights: list[float] = []
        for word in distinctive or words:
            owners.extend(word.owners)
            sizes.append(len(word.owners))
            weights.append(word.topic_weight)
        covered = np.bincount(np.array(owners, dtype=np.int64), weights=np.repeat(weights, sizes),
                              minlength=len(self.intents))
        best = np.argsort(-covered, kind="stable")[:SHORTLIST_INTENTS]
        shortlisted: list[int] = best[covered[best] > 0].tolist()
        return shortlisted

    def _evidence(self, tokens: Sequence[Token],
                  shortlist: list[int] | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The word evidence:
        - the examples (of the shortlist) sharing a word with the message, ascending, and
          their word-overlap scores (0-100);
        - each intent's coverage: the share of the message (weighted by how few topics use
          each word) that its examples' vocabulary explains (zero outside the shortlist)."""
        first = {t.folded: t for t in reversed(tokens)}  # each word once, as first written
        found, weight_found, coverage, message_weight = self._sums(first, shortlist)
        recall = np.minimum(weight_found / self._weights[found], 1.0)
        precision = np.minimum(weight_found / message_weight, 1.0)
        scores = 2 * recall * precision / (recall + precision)
        # Wholly contained means as a phrase: "tạm biệt" is not inside "không biết tâm trạng".
        message_phrase = f" {' '.join(t.folded for t in tokens)} "
        whole = np.flatnonzero((recall > 0.999) & ~self._short[found])
        for k, n, share in zip(whole.tolist(), found[whole].tolist(), precision[whole].tolist(),
                               strict=True):
            if self._examples[n].phrase in message_phrase:
                scores[k] = max(scores[k], CONTAINED_FLOOR + (1 - CONTAINED_FLOOR) * share)
        return found, 100 * OVERLAP_WEIGHT * scores, coverage

    def _sums(self, first: dict[str, Token],
              shortlist: list[int] | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """The examples (of the shortlist) that share words with the message, ascending, and the
        summed weight of the words each shares; each intent's coverage; the message's own
        weight. Postings are appended in C, one call per word (per word and shortlisted
        intent), and summed as arrays."""
        numbers: list[int] = []
        sizes: list[int] = []
        weights: list[float] = []
        owners: list[int] = []
        owner_sizes: list[int] = []
        owner_weights: list[float] = []
        message_weight = topic_total = 0.0
        for folded, t in first.items():
            word = self._words.get(folded, self._unknown_word)
            message_weight += word.idf
            topic_total += word.topic_weight
            before = len(owners)
            owners.extend(word.owners if shortlist is None else [i for i in shortlist if i in word.owners])
            owner_sizes.append(len(owners) - before)
            owner_weights.append(word.topic_weight)
            postings = self._by_accented.get(t.text) if t.strict else word.postings
            if postings is None:
                continue
            before = len(numbers)
            if shortlist is None:
                numbers.extend(postings.examples)
            else:
                for i in shortlist:
                    numbers.extend(postings.by_intent.get(i, ()))
            sizes.append(len(numbers) - before)
            weights.append(postings.weight)
        numbered = np.array(numbers, dtype=np.int64)
        weighted = np.repeat(weights, sizes)
        if shortlist is None:
            sums = np.bincount(numbered, weights=weighted, minlength=len(self._examples))
            found = np.flatnonzero(sums)
            summed = sums[found]
        else:
            # Large content: counting into an array as long as every example would cost more
            # than sorting the few thousand postings read.
            found, position = np.unique(numbered, return_inverse=True)
            summed = np.bincount(position, weights=weighted, minlength=len(found))
        coverage = np.bincount(np.array(owners, dtype=np.int64),
                               weights=np.repeat(owner_weights, owner_sizes),
                               minlength=len(self.intents)) / topic_total
        return found, summed, coverage, message_weight

    def _best_per_intent(self, found: np.ndarray, scores: np.ndarray) -> list[tuple[int, float]]:
        """Each intent's best-scoring example among `found` (ascending, so grouped by intent),
        the first one on a tie."""
        if not len(found):
            return []
        intents = self._intent_of[found]
        order = np.lexsort((-scores, intents))
        ordered = intents[order]
        firsts = order[np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))]
        return list(zip(found[firsts].tolist(), scores[firsts].tolist(), strict=True))

    def threshold_for(self, intent_id: str) -> int:
        return self._thresholds.get(intent_id, self.threshold)
