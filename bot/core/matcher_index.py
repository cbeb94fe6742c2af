"""The matcher's index of the content: each example once normalised, each word's rarity and
the examples that use it, so that a message costs a lookup per word rather than a pass over
every example."""

from __future__ import annotations

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
