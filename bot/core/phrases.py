"""Finding short phrases inside a normalised message, word by word.

Exact matching comes first and is diacritic-aware (see `bot.core.normalise`). The fuzzy net
forgives one typo in one word of a phrase: wrong or missing marks on the right letters in any
word, another slip only in words long enough that a one-letter change is unlikely to make
another real word; words listed as look-alikes (`rách` for `rạch`, `từ` for `tự`) are never
forgiven. It is a second net, never the only one.

People also put small words inside a phrase: `uống hết lọ thuốc`, `ước gì mình chưa từng…`,
`nóng quá muốn chết`. Words listed as fillers may stand between two words of a phrase, at most
`MAX_FILLERS` of them in one match and never across a clause break, so a phrase written once
covers those forms (and a guard written once covers its padded hyperbole).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from bot.core.normalise import Normalised, Token

MIN_FUZZY_ACCENTED = 4
MIN_FUZZY_FOLDED = 5
MIN_FUZZY_SINGLE_WORD = 6
MAX_FILLERS = 2


WILDCARD = "*"


@dataclass(frozen=True, slots=True)
class PhraseWord:
    text: str
    folded: str
    loose: bool
    wild: bool = False  # `*` in a guard: any one word of the same clause

    def matches(self, token: Token) -> bool:
        if self.loose or not token.strict:
            return self.folded == token.folded
        return self.text == token.text

    def near(self, token: Token, lookalikes: frozenset[str]) -> bool:
        if token.text in lookalikes or token.folded in lookalikes:
            return False
        if token.strict and not self.loose:
            if token.folded == self.folded:
                # The letters are right and only the marks are not (`tự tữ`, `tụ sát`): the most
                # common slip when typing Vietnamese, in words of any length. Real words that
                # differ from a crisis word only by marks are listed as look-alikes.
                return True
            mine, theirs, shortest = self.text, token.text, MIN_FUZZY_ACCENTED
        else:
            mine, theirs, shortest = self.folded, token.folded, MIN_FUZZY_FOLDED
        if len(mine) < shortest:
            return False
        return OSA.distance(mine, theirs, score_cutoff=1) <= 1


@dataclass(frozen=True, slots=True)
class WordSet:
    """Single words, diacritic-aware like phrase words: `còn` (still) typed with its accent is
    not `con` (child); typed without, it folds the same. The fillers, and the words a guard's
    `*` never stands for."""

    accented: frozenset[str] = frozenset()  # as written, for words typed with diacritics
    loose: frozenset[str] = frozenset()  # written without diacritics: match either way
    folded: frozenset[str] = frozenset()  # every word folded, for words typed without

    @classmethod
    def of(cls, words: Iterable[PhraseWord]) -> WordSet:
        listed = tuple(words)
        return cls(frozenset(w.text for w in listed if not w.loose),
                   frozenset(w.folded for w in listed if w.loose),
                   frozenset(w.folded for w in listed))

    def __contains__(self, token: Token) -> bool:
        return self.holds(token, marked=False)

    def holds(self, token: Token, marked: bool) -> bool:
        """Whether the set holds the word; `marked`: the message around it has diacritics."""
        if token.strict:
            return token.text in self.accented or token.folded in self.loose
        return token.folded in (self.loose if marked else self.folded)


@dataclass(frozen=True, slots=True)
class Phrase:
    """A phrase as the operator wrote it, with the id of what it belongs to."""

    source: str
    owner: str
    words: tuple[PhraseWord, ...]
    line: int = 0

    @property
    def open(self) -> bool:
        """Whether a `*` stands in it for any word."""
        return any(w.wild for w in self.words)


@dataclass(frozen=True, slots=True)
class Hit:
    phrase: Phrase
    start: int
    end: int
    fuzzy: bool

    def inside(self, other: Hit) -> bool:
        return other.start <= self.start and self.end <= other.end


def compile_phrase(source: str, owner: str, normalise: Callable[[str], Normalised],
                   line: int = 0) -> Phrase:
    """A phrase's words; each `*` (written apart from the words) stands for any one word."""
    words: list[PhraseWord] = []
    for n, piece in enumerate(source.split(WILDCARD)):
        if n:
            words.append(PhraseWord(WILDCARD, WILDCARD, True, wild=True))
        words.extend(PhraseWord(t.text, t.folded, not t.strict) for t in normalise(piece).tokens)
    return Phrase(source, owner, tuple(words), line)
