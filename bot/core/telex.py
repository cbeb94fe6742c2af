"""Reading Telex typed without its keyboard: `ddax uoongs heets thuoocs` is `đã uống hết thuốc`.

Telex is how most Vietnamese type diacritics: letters after a vowel add the marks (`aa` â,
`aw` ă, `ee` ê, `oo` ô, `ow` ơ, `uw` ư, `dd` đ; a last `s f r x j` the tones). When the input
method is off, or a phone keyboard does not convert, the keys arrive as typed, and a person in
crisis at 2 a.m. does not go back to fix them. Words read this way are the words Vietnamese
spells with those marks, so the rest of the engine treats them as typed with diacritics.

Only whole messages typed this way are rewritten, and only word by word where it is safe: a
word is read as Telex when it is no word the content knows as typed (`car`, `been`, `sex` are
English; `trong` is Vietnamese), and what the keys spell is a word the content writes with
its diacritics (`ddax` is `đã`). A message needs two such words, or one among Vietnamese
typed without diacritics (`uongs het lo r`), or to be that one word: an English word now and
then spells a Vietnamese one (`cos`, `bar`), two in one English message do not.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.core.folding import fold_composed
from bot.core.language import LanguageGuesser

_TONES = {"s": "\u0301", "f": "\u0300", "r": "\u0309", "x": "\u0303", "j": "\u0323"}
_TONE_MARKS = frozenset(_TONES.values())
_HATS = {"aa": "â", "ee": "ê", "oo": "ô"}
_VOWELS = frozenset("aeiouyâăêôơư")
_WORD = re.compile(r"\b[a-z]+\b")
# A Telex key in a word: a doubled vowel, dd, w, or a tone key after its vowels.
_KEYED = re.compile(r"dd|aa|ee|oo|w|[aeiouy][a-z]{0,2}[sfrxj]$")
MIN_WORDS = 2  # Telex words a longer message needs before any of its words is rewritten


def _shapes(keys: str) -> str | None:
    """The letters with their shape marks (â ă ê ô ơ ư đ), the tone key left off; None when the
    keys spell no Vietnamese letters (`w` after no vowel, a second `dd`)."""
    word = "đ" + keys[2:] if keys.startswith("dd") else keys
    if "dd" in word:
        return None
    for pair, hat in _HATS.items():
        word = word.replace(pair, hat)
    if "w" in word:
        bare = word.replace("w", "")
        if "uo" in bare:  # `ruouwj`, `nguowif`: the w makes the pair ươ wherever it is typed
            word = bare.replace("uo", "ươ", 1)
        elif word == "w" or (word.endswith("w") and not _VOWELS.intersection(bare)):
            word = bare + "ư"  # `w` alone, `nhw`: ư
        else:
            at = word.index("w")
            before = word[at - 1] if at else ""
            horned = {"a": "ă", "o": "ơ", "u": "ư"}.get(before)
            if horned is None:
                return None
            word = word[:at - 1] + horned + word[at + 1:]
            if "w" in word:
                return None
    return word


def _toned(word: str, tone: str) -> Iterator[str]:
    """The word with the tone on each vowel of its syllable in turn: where the mark goes is
    a matter of style (`hoá`, `hóa`), and the content's spelling decides."""
    for at, letter in enumerate(word):
        if letter in _VOWELS:
            yield unicodedata.normalize("NFC", word[:at + 1] + tone + word[at + 1:])


@dataclass(frozen=True)
class TelexReader:
    """`spelled`: the words the content writes with diacritics; `guesser`: the words the
    content has typed as they are (folded), which are never rewritten, and whether the words
    around a lone Telex word are Vietnamese."""

    spelled: frozenset[str]
    guesser: LanguageGuesser
    _known: frozenset[str] = field(init=False, repr=False, compare=False)
    _by_tone: dict[tuple[str, str], str | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_known", frozenset(self.guesser.vi_counts).union(self.guesser.en_counts))
        # A tone key with the shape keys left out (`uongs`, `chets`) still says which word it
        # is when the content spells only one word with that tone over those letters.
        by_tone: dict[tuple[str, str], str | None] = {}
        for word in self.spelled:
            tone = next((m for m in unicodedata.normalize("NFD", word) if m in _TONE_MARKS), "")
            key = (fold_composed(word), tone)
            by_tone[key] = word if by_tone.get(key, word) == word else None
        object.__setattr__(self, "_by_tone", by_tone)

    def word(self, keys: str) -> str | None:
        """The Vietnamese word these keys type, or None when they type none the content has."""
        if keys in self._known or not keys.isascii():
            return None
        tone = _TONES.get(keys[-1]) if len(keys) > 1 else None
        bases = ((keys[:-1], tone), (keys, None)) if tone else ((keys, None),)
        for base, mark in bases:
            shaped = _shapes(base)
            if shaped is None:
                continue
            if mark is None:
                if shaped != base and shaped in self.spelled:
                    return shaped
                continue
            for candidate in _toned(shaped, mark):
                if candidate in self.spelled:
                    return candidate
            if shaped == base:
                return self._by_tone.get((base, mark))
        return None

    def rewrite(self, cleaned: str) -> str:
        """The cleaned text with its Telex words written out, or as it is when it has too few."""
        words = _WORD.findall(cleaned)
        read = {keys: word for keys in set(words)
                if _KEYED.search(keys) and (word := self.word(keys)) is not None}
        if not read:
            return cleaned
        rest = [(w, w) for w in words if w not in read]
        found = len(words) - len(rest)
        if found < MIN_WORDS and rest and self.guesser.guess(rest) != "vi":
            return cleaned
        return _WORD.sub(lambda m: read.get(m.group(0), m.group(0)), cleaned)

