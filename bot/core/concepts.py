"""Concepts: word classes written once, and rules written over them.

A concept is a list of phrases (`poison`: thuốc sâu, thuốc diệt cỏ, bả chuột...), found like
crisis phrases (diacritic-aware, fillers, the typo net). A combination names one concept (or
one of several) for each slot, `intend | prepare + ingest + poison`, and holds when every slot
is filled by a different word of the message within one scope:

- `next`: in the order written, each within `NEXT_GAP` words of the one before, one clause;
- `clause`, `sentence`: anywhere in one clause, one sentence (sentences end at . ! ? … and
  line breaks, clauses also at , and ;);
- `message`: anywhere.

So one rule covers every way its words can be put together. A completed combination is a
`Hit` whose span runs from its first word to its last, owned by its rule or context, so guards,
negations and "someone else" read it as they read a phrase.

A `next` combination may open with `*`: whatever word stands just before the next slot
(fillers skipped, in its clause). That is how a construction is written without listing its
words: `* + want_die` is "[any feeling] muốn chết" ("nóng quá muốn chết", "học mà muốn
chết"); the context's `unless: [self | lead_in + want_die]` keeps "mình muốn chết" out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from bot.core.normalise import Normalised, Token
from bot.core.phrase_set import PhraseSet
from bot.core.phrases import Hit, Phrase

Scope = Literal["next", "clause", "sentence", "message"]
SCOPES: tuple[Scope, ...] = ("next", "clause", "sentence", "message")
NEXT_GAP = 3  # words that may stand between two slots of a `next` combination
WILD = "*"  # a slot that stands for the one word before the next slot
# A concept word written `<many>` is any number of 10 or more typed in digits ("nuốt 15 viên",
# "60 pills"): a count that is never an ordinary dose of anything swallowed.
MANY = "<many>"
_BREAKS = re.compile(r"[.!?;,\n\u2026]")  # the clause breaks the normaliser makes, in order
_SENTENCE_ENDS = frozenset(".!?\n\u2026")


@dataclass(frozen=True, slots=True)
class Combination:
    """`intend | prepare + ingest + poison`: each slot the concepts that may fill it."""

    source: str
    slots: tuple[frozenset[str], ...]
    owner: str  # the rule or context it belongs to
    line: int = 0
    wild: bool = field(init=False)  # it opens with `*`
    needed: tuple[frozenset[str], ...] = field(init=False)  # the slots a concept must fill

    def __post_init__(self) -> None:
        object.__setattr__(self, "wild", WILD in self.slots[0])
        object.__setattr__(self, "needed", self.slots[1:] if self.wild else self.slots)

    @property
    def concepts(self) -> frozenset[str]:
        return frozenset().union(*self.slots) - {WILD}

    def may_hold(self, found: Collection[str]) -> bool:
        """Whether every slot has a concept the message holds: most combinations are ruled out
        here, before anything is built."""
        return all(not slot.isdisjoint(found) for slot in self.needed)


def sentences_of(message: Normalised) -> Callable[[Token], int]:
    """Each token's sentence: the clause breaks, in order, tell which of them end a sentence."""
    ends = [mark in _SENTENCE_ENDS for mark in _BREAKS.findall(message.cleaned)]
    sentence_of_clause = [0]
    for ends_sentence in ends:
        sentence_of_clause.append(sentence_of_clause[-1] + ends_sentence)
    last = sentence_of_clause[-1]
    return lambda token: sentence_of_clause[token.clause] if token.clause < len(sentence_of_clause) else last


@dataclass(frozen=True)
class ConceptIndex:
    """Every concept's phrases in one phrase set (each phrase owned by its concept). English
    words that are Vietnamese words once folded (`song`/`sống`, `hang`/`hàng`, `me`/`mẹ`)
    are kept apart in `english` and looked for only in messages in English; every other
    English word counts in Vietnamese messages too ("mình muốn jump từ tầng thượng")."""

    words: PhraseSet
    english: PhraseSet = field(default_factory=lambda: PhraseSet(()))
    # Vietnamese words in `words` that are English words once folded (`thèm`/`them`, `đỡ`/`do`):
    # in a message in English they count only where typed with their diacritics. The phrases
    # themselves, compared by value, so the set survives the content cache's pickle.
    vietnamese: frozenset[Phrase] = frozenset()
    many: tuple[Phrase, ...] = ()  # the concepts that list `<many>`, as phrases of no words

    def find(self, tokens: Sequence[Token], lang: str = "vi") -> dict[str, list[Hit]]:
        found: dict[str, list[Hit]] = {}
        hits = self.words.find(tokens, fuzzy=False, within_clause=True)
        if lang == "en":
            # A bare Vietnamese syllable typed without its marks in English is rarely that
            # syllable: "rat poison" holds no "rát", "hai phong" no "hái". Longer concept words
            # ("thuoc sau") still count, as in "i drank thuoc sau".
            hits = [h for h in hits if tokens[h.start].strict
                    or (h.phrase not in self.vietnamese
                        and (h.end - h.start > 1 or h.phrase.words[0].text == h.phrase.words[0].folded))]
        if any(t.strict for t in tokens):
            # In a message typed with diacritics a bare syllable is read as typed: "an toàn"
            # holds no "ăn", "cho đỡ" no "chết đỡ"; longer concept words still fold.
            hits = [h for h in hits if h.end - h.start > 1 or tokens[h.start].strict
                    or h.phrase.words[0].text == h.phrase.words[0].folded]
        if lang == "en" and self.english.phrases:
            # English, so typed without marks: "sống" in "I không muốn sống nữa" is no song.
            hits += [h for h in self.english.find(tokens, within_clause=True)
                     if not any(t.strict for t in tokens[h.start:h.end])]
        if self.many:
            hits += [Hit(phrase, n, n + 1, False) for n, token in enumerate(tokens)
                     if _many(token.text) for phrase in self.many]
        for hit in hits:
            found.setdefault(hit.phrase.owner, []).append(hit)
        return found

    def word_before(self, hit: Hit, tokens: Sequence[Token], owner: str) -> Hit | None:
        """The word a `*` slot stands for before `hit`: the nearest non-filler word of its
        clause, as a hit; None at the start of a clause."""
        clause = tokens[hit.start].clause
        marked = any(t.strict for t in tokens)  # then "lo" (worried) is not the filler "lọ"
        at = hit.start - 1
        while at >= 0 and tokens[at].clause == clause and self.words.fillers.holds(tokens[at], marked):
            at -= 1
        if at < 0 or tokens[at].clause != clause:
            return None
        return Hit(Phrase(WILD, owner, (), 0), at, at + 1, False)


def _many(word: str) -> bool:
    """10 or more in ASCII digits, read by its length: int() refuses "¹" and very long numbers."""
    return word.isascii() and word.isdecimal() and len(word.lstrip("0")) >= 2


def complete(combination: Combination, scope: Scope, found: dict[str, list[Hit]],
             tokens: Sequence[Token], sentence: Callable[[Token], int],
             index: ConceptIndex | None = None) -> Hit | None:
    """The first place the combination holds in the message, as one hit; None if nowhere.
    A `*` slot needs the `index` (its fillers); without one it never holds."""
    return next(completions(combination, scope, found, tokens, sentence, index), None)


def completions(combination: Combination, scope: Scope, found: dict[str, list[Hit]],
                tokens: Sequence[Token], sentence: Callable[[Token], int],
                index: ConceptIndex | None = None) -> Iterator[Hit]:
    """Every place the combination holds, one hit for each word that can begin it, in order."""
    slots = combination.needed
    if not combination.may_hold(found.keys()):
        return  # a slot no word of the message fills: the common case, decided at once
    candidates = [sorted((h for c in slot if c in found for h in found[c]), key=lambda h: h.start)
                  for slot in slots]
    if combination.wild:
        if index is None:
            return
        before = (index.word_before(h, tokens, combination.owner) for h in candidates[0])
        candidates.insert(0, sorted({w.start: w for w in before if w is not None}.values(),
                                    key=lambda h: h.start))
    fits: Callable[[list[Hit], Hit], bool]
    unit: Callable[[Hit], int] = lambda hit: -1  # noqa: E731
    if scope == "next":
        def fits(chosen: list[Hit], hit: Hit) -> bool:
            before = chosen[-1]
            return (before.end <= hit.start <= before.end + NEXT_GAP
                    and tokens[hit.start].clause == tokens[before.start].clause)
    else:
        if scope == "clause":
            unit = lambda hit: tokens[hit.start].clause  # noqa: E731
        elif scope == "sentence":
            unit = lambda hit: sentence(tokens[hit.start])  # noqa: E731
        else:
            unit = lambda hit: 0  # noqa: E731

        def fits(chosen: list[Hit], hit: Hit) -> bool:
            return unit(hit) == unit(chosen[0]) and not any(_overlap(hit, c) for c in chosen)
    done: set[int] = set()  # the clauses or sentences that already hold it: one hit each is enough
    for first in candidates[0]:
        key = -1 if scope == "next" else unit(first)
        if key in done:
            continue
        chosen = _extend([first], candidates[1:], fits)
        if chosen is not None:
            if key >= 0:
                done.add(key)
            yield _spanning(combination, chosen)


def _extend(chosen: list[Hit], rest: list[list[Hit]],
            fits: Callable[[list[Hit], Hit], bool]) -> list[Hit] | None:
    """`chosen` with one hit of each remaining slot that fits with those before it, trying each
    candidate in turn ("happier" may fill only one of two slots that both list it)."""
    if not rest:
        return chosen
    for hit in rest[0]:
        if fits(chosen, hit):
            found = _extend([*chosen, hit], rest[1:], fits)
            if found is not None:
                return found
    return None


def _overlap(a: Hit, b: Hit) -> bool:
    return a.start < b.end and b.start < a.end


def _spanning(combination: Combination, parts: list[Hit]) -> Hit:
    phrase = Phrase(combination.source, combination.owner, (), combination.line)
    return Hit(phrase, min(p.start for p in parts), max(p.end for p in parts), any(p.fuzzy for p in parts))


def unit_span(hit: Hit, scope: Scope, tokens: Sequence[Token], sentence: Callable[[Token], int]) -> Hit:
    """The whole clause, sentence or message a context's hit stands in: what it speaks for."""
    if scope in ("next", "message") or not tokens:
        return hit if scope == "next" else Hit(hit.phrase, 0, len(tokens), hit.fuzzy)
    if scope == "clause":
        key: Callable[[Token], int] = lambda t: t.clause  # noqa: E731
    else:
        key = sentence
    own = key(tokens[hit.start])
    inside = [n for n, t in enumerate(tokens) if key(t) == own]
    return Hit(hit.phrase, inside[0], inside[-1] + 1, hit.fuzzy)
