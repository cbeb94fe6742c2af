"""Guessing whether a message is Vietnamese or English, including Vietnamese typed without diacritics."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

Language = Literal["vi", "en"]
LANGUAGES: tuple[Language, ...] = ("vi", "en")
AUTO = "auto"  # the /language choice that is no choice: each message's own language

# Letters Vietnamese does not use: an unknown word with them is foreign (usually English).
_NON_VIETNAMESE_LETTERS = frozenset("fjwz")
DIACRITIC_VOTE = 3.0  # a word typed with Vietnamese diacritics is strong evidence
FOREIGN_LETTER_VOTE = 1.0


@dataclass(frozen=True)
class LanguageGuesser:
    """A naive-Bayes vote over words, with word counts taken from the content itself.

    Counts come from the intent examples, crisis phrases and teencode keys of each language
    (folded), so adding content teaches the guesser without a separate word list. Frequencies,
    not mere presence, decide: "a" occurs in Vietnamese once folded ("à"), but is far more
    typical of English.
    """

    vi_counts: Mapping[str, int]
    en_counts: Mapping[str, int]
    default: Language = "vi"
    _votes: dict[str, float] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Each known word's vote is computed once here, not for every message it appears in.
        vi_total = sum(self.vi_counts.values()) + 1.0
        en_total = sum(self.en_counts.values()) + 1.0
        object.__setattr__(self, "_votes", {
            word: math.log((self.vi_counts.get(word, 0) + 0.5) / vi_total)
            - math.log((self.en_counts.get(word, 0) + 0.5) / en_total)
            for word in {*self.vi_counts, *self.en_counts}})

    @classmethod
    def from_texts(cls, vi: Iterable[str], en: Iterable[str]) -> LanguageGuesser:
        """Build from folded words (one item per occurrence)."""
        return cls(Counter(vi), Counter(en))

    def guess(self, words: Iterable[tuple[str, str]]) -> Language:
        """Vote over (word, folded word) pairs."""
        votes = self._votes
        vote = 0.0
        for word, plain in words:
            if plain != word:
                vote += DIACRITIC_VOTE
                continue
            known = votes.get(plain)
            if known is not None:
                vote += known
            elif not _NON_VIETNAMESE_LETTERS.isdisjoint(plain):
                vote -= FOREIGN_LETTER_VOTE
        if abs(vote) < 1e-9:
            return self.default
        return "vi" if vote > 0 else "en"
