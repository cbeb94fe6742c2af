"""The matcher's index of the content: each example once normalised, each word's rarity and
the examples that use it, so that a message costs a lookup per word rather than a pass over
every example."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

MIN_CONTAINED_CHARS = 5


@dataclass(frozen=True, slots=True)
class IndexedExample:
    intent: int
    text: str
    weight: float
    short: bool  # one word under MIN_CONTAINED_CHARS: never counts as contained
    phrase: str  # folded words in order, padded with spaces, to test containment as a phrase


@dataclass(frozen=True, slots=True)
class Postings:
    """The examples that use one word: all of them, and grouped by intent for a shortlist."""

    weight: float  # the same in every example: a word's IDF
    examples: tuple[int, ...]
    by_intent: dict[int, tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class IndexedWord:
    """What the content says about one (folded) word: one lookup per word of a message."""

    idf: float  # rarity among examples
    topic_weight: float  # rarity among intents
    owners: frozenset[int]  # the intents whose examples use it
    postings: Postings | None  # None for a word no example uses


def postings(weight: float, by_intent: dict[int, list[int]]) -> Postings:
    grouped = {i: tuple(p) for i, p in by_intent.items()}
    return Postings(weight, tuple(n for p in grouped.values() for n in p), grouped)


def sorted_words(words: Sequence[str]) -> str:
    """Words in sorted order: `fuzz.ratio` on these equals `fuzz.token_sort_ratio` on the
    originals, without re-sorting every example for every message."""
    return " ".join(sorted(words))


@dataclass(frozen=True, slots=True)
class ByLength:
    """Example strings sorted by length. `fuzz.ratio(a, b)` is at most
    `200 * min(la, lb) / (la + lb)`, so the examples a query can reach at a similarity floor are
    one slice of this order, and rapidfuzz never sees the rest: a long paragraph meets only
    the few long examples instead of every one."""

    texts: tuple[str, ...]
    numbers: tuple[int, ...]  # the example number of each text
    lengths: tuple[int, ...]

    @classmethod
    def of(cls, texts: Sequence[str]) -> ByLength:
        order = sorted(range(len(texts)), key=lambda n: len(texts[n]))
        return cls(tuple(texts[n] for n in order), tuple(order), tuple(len(texts[n]) for n in order))

    def within(self, query: str, floor: float) -> tuple[tuple[str, ...], tuple[int, ...]]:
        """The texts that can score `floor` or more against `query`, and their example numbers."""
        if floor <= 0:
            return self.texts, self.numbers
        length = len(query)
        # A hair of slack so that rounding never drops an example exactly at the bound.
        start = bisect_left(self.lengths, length * floor / (200 - floor) - 1e-6)
        stop = bisect_right(self.lengths, length * (200 - floor) / floor + 1e-6)
        return self.texts[start:stop], self.numbers[start:stop]
