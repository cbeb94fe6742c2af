"""A set of phrases indexed for finding them in a message: exact, with fillers, with a typo.

Most messages hold no crisis phrase at all, so the index is built to rule candidates out
cheaply: phrases are keyed by their first word (and second), by every one-letter-deleted
variant of a word for the typo net, and by length for single words.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress, count

from bot.core.normalise import Token
from bot.core.phrases import (
    MAX_FILLERS,
    MIN_FUZZY_ACCENTED,
    MIN_FUZZY_SINGLE_WORD,
    Hit,
    Phrase,
    PhraseWord,
    WordSet,
)


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


def _variants(word: str) -> list[str]:
    """The word and each form of it with one letter left out (a form may repeat). Two words one
    typo apart (a letter changed, added or dropped, or two swapped) always share one of these,
    so a typo index keyed by them finds a phrase only for words that may really be near it."""
    return [word, *[word[:k] + word[k + 1:] for k in range(len(word))]]


def _by_word_and_variant(
        phrases: Iterable[tuple[str, str, Phrase]]) -> dict[str, dict[str, tuple[Phrase, ...]]]:
    """Keyed by the word that must be there, then by each variant of the word that may be typed
    with a typo."""
    keyed: defaultdict[str, defaultdict[str, list[Phrase]]] = defaultdict(lambda: defaultdict(list))
    for key, typed, phrase in phrases:
        for variant in dict.fromkeys(_variants(typed)):
            keyed[key][variant].append(phrase)
    return {key: {v: tuple(found) for v, found in by_variant.items()} for key, by_variant in keyed.items()}


def _near(by_variant: dict[str, tuple[Phrase, ...]], word: str) -> Iterator[Phrase]:
    """The phrases indexed under a variant of `word`, each once."""
    seen: set[int] = set()
    for variant in _variants(word):
        for phrase in by_variant.get(variant, ()):
            if id(phrase) not in seen:
                seen.add(id(phrase))
                yield phrase


@dataclass(frozen=True)
class PhraseSet:
    """Phrases indexed so that a message is scanned once, looking up each word, not each phrase.

    A phrase can start at a word in one of four ways, each with its own index, so no phrase is
    tried twice at one place: its first two words both there (or its one word); a typo in its
    first word, found by its second; a typo in its second word, found by its first; a one-word
    phrase with a typo. The typo indexes hold only words long enough to forgive: one-word
    phrases by length, the others by the variants of the word that may have the typo.
    Where fillers follow a word, the word after them is looked up as its second word too.
    """

    phrases: tuple[Phrase, ...]
    lookalikes: frozenset[str] = frozenset()
    fillers: WordSet = field(default_factory=WordSet)
    personal: WordSet = field(default_factory=WordSet)  # never what a `*` stands for
    _single: dict[str, tuple[Phrase, ...]] = field(init=False, repr=False)
    _pairs: dict[str, dict[str, tuple[Phrase, ...]]] = field(init=False, repr=False)
    _typo_first: dict[str, dict[str, tuple[Phrase, ...]]] = field(init=False, repr=False)
    _typo_second: dict[str, dict[str, tuple[Phrase, ...]]] = field(init=False, repr=False)
    _typo_single: dict[int, tuple[Phrase, ...]] = field(init=False, repr=False)
    _starts: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        single = [p for p in self.phrases if len(p.words) == 1]
        multi = [p for p in self.phrases if len(p.words) > 1 and not p.words[1].wild]
        # A `*` second word cannot be looked up: such a phrase is tried wherever its first word is.
        open_second = [p for p in self.phrases if len(p.words) > 1 and p.words[1].wild]
        set_(self, "_single", _group((p.words[0].folded, p) for p in [*single, *open_second]))
        pairs: defaultdict[str, list[tuple[str, Phrase]]] = defaultdict(list)
        for p in multi:
            pairs[p.words[0].folded].append((p.words[1].folded, p))
        set_(self, "_pairs", {first: _group(seconds) for first, seconds in pairs.items()})
        set_(self, "_typo_first", _by_word_and_variant(
            (p.words[1].folded, p.words[0].folded, p) for p in multi
            if len(p.words[0].folded) >= MIN_FUZZY_ACCENTED))
        set_(self, "_typo_second", _by_word_and_variant(
            (p.words[0].folded, p.words[1].folded, p) for p in multi
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
        fillers = self.filler_places(tokens, words)
        padded = self._padded(tokens, words, fillers)
        for i in self._places(words, padded, fuzzy):
            word, after = words[i], words[i + 1]
            later = padded.get(i, ())
            candidates: Iterable[Phrase] = self._candidates(word, after, fuzzy)
            if later:  # each phrase once, though it may be found through several next words
                candidates = {id(p): p for p in chain(candidates, *(
                    self._by_second(word, second, fuzzy) for second in later))}.values()
            hits.extend(self._hits_at(candidates, tokens, i, fuzzy, within_clause, fillers))
        return hits

    def _places(self, words: list[str], padded: dict[int, list[str]], fuzzy: bool) -> list[int]:
        """Where a phrase may start, ascending: most words of a long message start none, and
        each test here is one pass of C code over all words rather than a Python step per word."""
        places = set(compress(count(), map(self._starts.__contains__, words)))
        places.update(padded)
        if fuzzy:
            # The typo indexes: by the next word, by this word, by this word's length.
            places.update(compress(count(-1), map(self._typo_first.__contains__, words)))
            places.update(compress(count(), map(self._typo_second.__contains__, words)))
            places.update(compress(count(), map(self._typo_single.__contains__, map(len, words))))
        last = len(words) - 1  # `words` ends with an empty word that stands for the end
        return sorted(i for i in places if 0 <= i < last)

    def filler_places(self, tokens: Sequence[Token], words: list[str]) -> frozenset[int]:
        """Where the message has fillers. In a message typed with diacritics a word typed
        without is what it looks like: `con` there is "child", never the filler `còn`."""
        folded = self.fillers.folded
        if folded.isdisjoint(words):  # one set operation in C for most messages
            return frozenset()
        marked = any(t.strict for t in tokens)
        return frozenset(k for k in compress(count(), map(folded.__contains__, words))
                         if self.fillers.holds(tokens[k], marked))

    def _padded(self, tokens: Sequence[Token], words: list[str],
                fillers: frozenset[int]) -> dict[int, list[str]]:
        """For each place followed by one or two fillers, the words after them: a phrase's
        second word may be there."""
        padded: defaultdict[int, list[str]] = defaultdict(list)
        for last in sorted(fillers):  # the last filler of a gap before the word at last + 1
            if last + 1 >= len(tokens):
                continue
            for start in range(last - 1, last - 1 - MAX_FILLERS, -1):
                # clauses only grow along a message: equal at both ends, equal all through
                if start < 0 or tokens[start].clause != tokens[last + 1].clause:
                    break
                padded[start].append(words[last + 1])
                if start not in fillers:
                    break
        return padded

    def _hits_at(self, candidates: Iterable[Phrase], tokens: Sequence[Token], start: int, fuzzy: bool,
                 within_clause: bool, fillers: frozenset[int]) -> Iterator[Hit]:
        for candidate in candidates:
            hit = self._match_at(candidate, tokens, start, fuzzy, fillers)
            if hit is None:
                continue
            if within_clause and tokens[hit.start].clause != tokens[hit.end - 1].clause:
                continue
            yield hit

    def _candidates(self, word: str, after: str, fuzzy: bool) -> Iterator[Phrase]:
        yield from self._single.get(word, ())
        yield from self._by_second(word, after, fuzzy)
        if not fuzzy:
            return
        for phrase in self._typo_single.get(len(word), ()):
            if phrase.words[0].folded != word:
                yield phrase

    def _by_second(self, word: str, second: str, fuzzy: bool) -> Iterator[Phrase]:
        """The phrases of two or more words that may start with `word` followed by `second`."""
        seconds = self._pairs.get(word)
        if seconds:
            yield from seconds.get(second, ())
        if not fuzzy:
            return
        first_typo = self._typo_first.get(second)
        if first_typo:
            for phrase in _near(first_typo, word):
                if phrase.words[0].folded != word:
                    yield phrase
        second_typo = self._typo_second.get(word)
        if second_typo:
            for phrase in _near(second_typo, second):
                if phrase.words[1].folded != second:
                    yield phrase

    def _match_at(self, phrase: Phrase, tokens: Sequence[Token], start: int,
                  fuzzy: bool, fillers: frozenset[int]) -> Hit | None:
        words = phrase.words
        if not words or start + len(words) > len(tokens):
            return None
        at = start
        for n, word in enumerate(words):
            if at < len(tokens) and word.matches(tokens[at]):
                at += 1
                continue
            # Not word for word from here: search with fillers and the typo net (rare).
            # A phrase with a `*` is never read past a typo: the `*` already reads loosely.
            may_forgive = fuzzy and not phrase.open and (
                len(words) > 1 or len(words[0].folded) >= MIN_FUZZY_SINGLE_WORD)
            end = self._match_from(words, n, tokens, at, MAX_FILLERS, may_forgive, fillers)
            return None if end is None else Hit(phrase, start, end[0], end[1])
        return Hit(phrase, start, at, False)

    def _match_from(self, words: Sequence[PhraseWord], n: int, tokens: Sequence[Token], at: int,
                    gaps: int, may_forgive: bool, fillers: frozenset[int]) -> tuple[int, bool] | None:
        """Where a match of words[n:] starting at tokens[at] ends, and whether it forgave a typo.
        Each way is tried in turn (the word itself, a filler skipped, a typo forgiven), so a
        word that is both a filler and one typo from the phrase's word is tried both ways."""
        if n == len(words):
            return at, False
        if at >= len(tokens):
            return None
        word, token = words[n], tokens[at]
        if word.wild:
            if n and token not in self.personal and token.clause == tokens[at - 1].clause:
                return self._match_from(words, n + 1, tokens, at + 1, gaps, may_forgive, fillers)
            return None
        if word.matches(token):
            found = self._match_from(words, n + 1, tokens, at + 1, gaps, may_forgive, fillers)
            if found is not None:
                return found
        if n and gaps and at in fillers and at + 1 < len(tokens) \
                and tokens[at - 1].clause == tokens[at + 1].clause:
            found = self._match_from(words, n, tokens, at + 1, gaps - 1, may_forgive, fillers)
            if found is not None:
                return found
        if may_forgive and word.near(token, self.lookalikes):
            found = self._match_from(words, n + 1, tokens, at + 1, gaps, False, fillers)
            if found is not None:
                return found[0], True
        return None
