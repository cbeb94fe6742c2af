"""Finding short phrases inside a normalised message, word by word.

Exact matching comes first and is diacritic-aware (see `bot.normalise`). The fuzzy net
forgives one typo in one word of a phrase, and only in words long enough that a one-letter
change is unlikely to make another real word; words listed as look-alikes (`rách` for
`rạch`, `từ` for `tự`) are never forgiven. It is a second net, never the only one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA

from bot.normalise import Normalised, Token

MIN_FUZZY_ACCENTED = 4
MIN_FUZZY_FOLDED = 5
MIN_FUZZY_SINGLE_WORD = 6


@dataclass(frozen=True, slots=True)
class PhraseWord:
    text: str
    folded: str
    loose: bool

    def matches(self, token: Token) -> bool:
        if self.loose or not token.strict:
            return self.folded == token.folded
        return self.text == token.text

    def near(self, token: Token, lookalikes: frozenset[str]) -> bool:
        if token.strict and not self.loose:
            mine, theirs, shortest = self.text, token.text, MIN_FUZZY_ACCENTED
        else:
            mine, theirs, shortest = self.folded, token.folded, MIN_FUZZY_FOLDED
        if len(mine) < shortest or token.text in lookalikes or token.folded in lookalikes:
            return False
        return OSA.distance(mine, theirs, score_cutoff=1) <= 1


@dataclass(frozen=True, slots=True)
class Phrase:
    """A phrase as the operator wrote it, with the id of what it belongs to."""

    source: str
    owner: str
    words: tuple[PhraseWord, ...]
    line: int = 0


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
    tokens = normalise(source).tokens
    return Phrase(source, owner, tuple(PhraseWord(t.text, t.folded, not t.strict) for t in tokens), line)


@dataclass(frozen=True)
class PhraseSet:
    """Phrases indexed by their first and second folded word, so a message is scanned once."""

    phrases: tuple[Phrase, ...]
    lookalikes: frozenset[str] = frozenset()
    _by_word: dict[str, tuple[Phrase, ...]] = field(init=False, repr=False)
    _single_by_length: dict[int, tuple[Phrase, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        index: defaultdict[str, list[Phrase]] = defaultdict(list)
        for phrase in self.phrases:
            for word in phrase.words[:2]:
                if phrase not in index[word.folded]:
                    index[word.folded].append(phrase)
        object.__setattr__(self, "_by_word", {k: tuple(v) for k, v in index.items()})
        # One typo changes a word's length by one at most: a token is only compared with
        # single-word phrases of its own length, one less or one more.
        singles: defaultdict[int, list[Phrase]] = defaultdict(list)
        for p in self.phrases:
            if len(p.words) == 1 and len(p.words[0].folded) >= MIN_FUZZY_SINGLE_WORD:
                length = len(p.words[0].folded)
                for near in (length - 1, length, length + 1):
                    singles[near].append(p)
        object.__setattr__(self, "_single_by_length", {k: tuple(v) for k, v in singles.items()})

    def find(self, tokens: Sequence[Token], fuzzy: bool = True, within_clause: bool = False) -> list[Hit]:
        """Every occurrence of every phrase. `within_clause` refuses matches that span
        punctuation: "chào bạn, mình…" holds no "bạn mình" (my friend)."""
        hits: list[Hit] = []
        for i in range(len(tokens)):
            seen: set[int] = set()
            for candidate in self._candidates(tokens, i, fuzzy):
                if id(candidate) in seen:
                    continue
                seen.add(id(candidate))
                hit = self._match_at(candidate, tokens, i, fuzzy)
                if hit is None:
                    continue
                if within_clause and tokens[hit.start].clause != tokens[hit.end - 1].clause:
                    continue
                hits.append(hit)
        return hits

    def _candidates(self, tokens: Sequence[Token], i: int, fuzzy: bool) -> Iterable[Phrase]:
        yield from self._by_word.get(tokens[i].folded, ())
        if not fuzzy:
            return
        if i + 1 < len(tokens):
            yield from self._by_word.get(tokens[i + 1].folded, ())
        yield from self._single_by_length.get(len(tokens[i].folded), ())

    def _match_at(self, phrase: Phrase, tokens: Sequence[Token], start: int,
                  fuzzy: bool) -> Hit | None:
        words = phrase.words
        if not words or start + len(words) > len(tokens):
            return None
        forgiven = 0
        for word, token in zip(words, tokens[start:start + len(words)], strict=True):
            if word.matches(token):
                continue
            single_ok = len(words) > 1 or len(word.folded) >= MIN_FUZZY_SINGLE_WORD
            if fuzzy and not forgiven and single_ok and word.near(token, self.lookalikes):
                forgiven = 1
                continue
            return None
        return Hit(phrase, start, start + len(words), bool(forgiven))
