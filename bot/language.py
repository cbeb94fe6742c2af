"""Guessing whether a message is Vietnamese or English, including Vietnamese typed without diacritics."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

Language = Literal["vi", "en"]
LANGUAGES: tuple[Language, ...] = ("vi", "en")

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
    _totals: tuple[float, float] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_totals", (sum(self.vi_counts.values()) + 1.0,
                                             sum(self.en_counts.values()) + 1.0))

    @classmethod
    def from_texts(cls, vi: Iterable[str], en: Iterable[str]) -> LanguageGuesser:
        """Build from folded words (one item per occurrence)."""
        return cls(Counter(vi), Counter(en))

    def guess(self, words: Iterable[tuple[str, str]]) -> Language:
        """Vote over (word, folded word) pairs."""
        vi_total, en_total = self._totals
        vote = 0.0
        for word, plain in words:
            if plain != word:
                vote += DIACRITIC_VOTE
                continue
            vi, en = self.vi_counts.get(plain, 0), self.en_counts.get(plain, 0)
            if vi or en:
                vote += math.log((vi + 0.5) / vi_total) - math.log((en + 0.5) / en_total)
            elif _NON_VIETNAMESE_LETTERS & set(plain):
                vote -= FOREIGN_LETTER_VOTE
        if abs(vote) < 1e-9:
            return self.default
        return "vi" if vote > 0 else "en"
