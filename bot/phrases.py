"""Finding short phrases inside a normalised message, word by word.

Exact matching comes first and is diacritic-aware (see `bot.normalise`). The fuzzy net
forgives one typo in one word of a phrase, and only in words long enough that a one-letter
change is unlikely to make another real word; words listed as look-alikes (`rách` for
`rạch`, `từ` for `tự`) are never forgiven. It is a second net, never the only one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
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


def _group(phrases: Iterable[tuple[str, Phrase]]) -> dict[str, tuple[Phrase, ...]]:
    grouped: defaultdict[str, list[Phrase]] = defaultdict(list)
    for key, phrase in phrases:
        grouped[key].append(phrase)
    return {key: tuple(found) for key, found in grouped.items()}


def _by_length(phrases: Iterable[tuple[int, Phrase]]) -> dict[int, tuple[Phrase, ...]]:
    """Keyed by every length a word one typo away from the given length can have."""
    grouped: defaultdict[int, list[Phrase]] = defaultdict(list)
    for length, phrase in phrases:
        for near in (length - 1, length, length + 1):
            grouped[near].append(phrase)
    return {n: tuple(found) for n, found in grouped.items()}


def _by_word_and_length(
        phrases: Iterable[tuple[str, int, Phrase]]) -> dict[str, dict[int, tuple[Phrase, ...]]]:
    keyed: defaultdict[str, list[tuple[int, Phrase]]] = defaultdict(list)
    for key, length, phrase in phrases:
        keyed[key].append((length, phrase))
    return {key: _by_length(items) for key, items in keyed.items()}


@dataclass(frozen=True)
class PhraseSet:
    """Phrases indexed so that a message is scanned once, looking up each word, not each phrase.

    A phrase can start at a word in one of four ways, each with its own index, so no phrase is
    tried twice at one place: its first two words both there (or its one word); a typo in its
    first word, found by its second; a typo in its second word, found by its first; a one-word
    phrase with a typo. The typo indexes hold only words long enough to forgive, by length.
    """

    phrases: tuple[Phrase, ...]
    lookalikes: frozenset[str] = frozenset()
    _single: dict[str, tuple[Phrase, ...]] = field(init=False, repr=False)
    _pairs: dict[str, dict[str, tuple[Phrase, ...]]] = field(init=False, repr=False)
    _typo_first: dict[str, dict[int, tuple[Phrase, ...]]] = field(init=False, repr=False)
    _typo_second: dict[str, dict[int, tuple[Phrase, ...]]] = field(init=False, repr=False)
    _typo_single: dict[int, tuple[Phrase, ...]] = field(init=False, repr=False)
    _starts: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        single = [p for p in self.phrases if len(p.words) == 1]
        multi = [p for p in self.phrases if len(p.words) > 1]
        set_(self, "_single", _group((p.words[0].folded, p) for p in single))
        pairs: defaultdict[str, list[tuple[str, Phrase]]] = defaultdict(list)
        for p in multi:
            pairs[p.words[0].folded].append((p.words[1].folded, p))
        set_(self, "_pairs", {first: _group(seconds) for first, seconds in pairs.items()})
        set_(self, "_typo_first", _by_word_and_length(
            (p.words[1].folded, len(p.words[0].folded), p) for p in multi
            if len(p.words[0].folded) >= MIN_FUZZY_ACCENTED))
        set_(self, "_typo_second", _by_word_and_length(
            (p.words[0].folded, len(p.words[1].folded), p) for p in multi
            if len(p.words[1].folded) >= MIN_FUZZY_ACCENTED))
        set_(self, "_typo_single", _by_length((len(p.words[0].folded), p) for p in single
                                              if len(p.words[0].folded) >= MIN_FUZZY_SINGLE_WORD))
        # Most words of a message start no phrase: one set lookup rules them out.
        set_(self, "_starts", frozenset(self._single) | frozenset(self._pairs))

    def find(self, tokens: Sequence[Token], fuzzy: bool = True, within_clause: bool = False) -> list[Hit]:
        """Every occurrence of every phrase. `within_clause` refuses matches that span
        punctuation: "chào bạn, mình…" holds no "bạn mình" (my friend)."""
        hits: list[Hit] = []
        words = [t.folded for t in tokens]
        words.append("")
        starts, typo_first, typo_second, typo_single = (
            self._starts, self._typo_first, self._typo_second, self._typo_single)
        for i in range(len(tokens)):
            word, after = words[i], words[i + 1]
            if word not in starts and not (fuzzy and (after in typo_first or word in typo_second
                                                      or len(word) in typo_single)):
                continue
            hits.extend(self._hits_at(self._candidates(word, after, fuzzy), tokens, i, fuzzy,
                                      within_clause))
        return hits

    def _hits_at(self, candidates: Iterable[Phrase], tokens: Sequence[Token], start: int, fuzzy: bool,
                 within_clause: bool) -> Iterator[Hit]:
        for candidate in candidates:
            hit = self._match_at(candidate, tokens, start, fuzzy)
            if hit is None:
                continue
            if within_clause and tokens[hit.start].clause != tokens[hit.end - 1].clause:
                continue
            yield hit

    def _candidates(self, word: str, after: str, fuzzy: bool) -> Iterable[Phrase]:
        yield from self._single.get(word, ())
        seconds = self._pairs.get(word)
        if seconds:
            yield from seconds.get(after, ())
        if not fuzzy:
            return
        length = len(word)
        for phrase in self._typo_first.get(after, {}).get(length, ()):
            if phrase.words[0].folded != word:
                yield phrase
        for phrase in self._typo_second.get(word, {}).get(len(after), ()):
            if phrase.words[1].folded != after:
                yield phrase
        for phrase in self._typo_single.get(length, ()):
            if phrase.words[0].folded != word:
                yield phrase

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
