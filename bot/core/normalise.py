"""Text normalisation for Vietnamese-first chat: one function every matcher uses.

Each token keeps two forms: `text` (accented, teencode expanded) and `folded` (diacritics
stripped). `strict` records whether the person typed diacritics on that word. Matching
compares accented forms for strict tokens and folded forms otherwise, because folding
makes look-alikes collide: `tự tử` (suicide) and `từ từ` (slowly) both fold to `tu tu`,
so a word typed with diacritics must never be matched by its folded form alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from itertools import accumulate, compress, repeat
from operator import ne, not_
from typing import NamedTuple

from bot.core.folding import fold_composed
from bot.core.language import Language, LanguageGuesser
from bot.core.telex import TelexReader

_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f"
                        "\u202a-\u202e\u2060-\u206f\ufeff\ufe00-\ufe0f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_RUN = re.compile(r"(.)\1\1+")
_PUNCT_RUN = re.compile(r"([^\w\s])\1+")
_APOSTROPHES = re.compile("[\u2019\u2018`\u00b4]")
# findall gives each word, and '' for each punctuation mark that ends a clause.
_TOKEN_OR_BREAK = re.compile(r"([^\W_]+(?:'[^\W_]+)*)|[.!?;,\n\u2026]")
# A vowel with a tone mark (sắc, huyền, hỏi, ngã, nặng). A message with none was typed without
# tones, marks of shape aside ("minh vưa uông hêt thuôc rôi"): it is read as typed without
# diacritics, folded, since its marked words are not the words they look like.
_TONED = re.compile("[" + "".join(unicodedata.normalize("NFC", vowel + tone) for vowel in "aăâeêioôơuưy"
                                   for tone in "\u0300\u0301\u0303\u0309\u0323") + "]")
MAX_CHARS = 16_384  # Telegram caps messages at 4,096; this bounds CLI input without cutting a real one


def _squeeze_letters(run: re.Match[str]) -> str:
    """A letter typed three or more times counts once (`buồnnnn`); digits are numbers (`1000`).
    Any run is found and letters are squeezed here: a letters-only pattern is four times
    slower, being tested at every character."""
    letter = run.group(1)
    return letter if letter.isalnum() and not letter.isdecimal() else run.group(0)


def clean(text: str) -> str:
    """NFC, case-fold, drop invisible and control characters, squeeze repeats and spaces."""
    text = unicodedata.normalize("NFC", text[:MAX_CHARS]).casefold()
    text = _INVISIBLE.sub("", text)
    text = _APOSTROPHES.sub("'", _CONTROL.sub(" ", text))
    text = _RUN.sub(_squeeze_letters, text)
    text = _PUNCT_RUN.sub(r"\1", text)
    return " ".join(text.split())


class Vocabulary(NamedTuple):
    """The words of a text, cleaned and folded (no teencode, no language guess: for counting
    vocabulary while content loads, before the normaliser exists); the folded forms of those
    written with diacritics, what only Vietnamese writes ("sống", "hàng", "mẹ" are; "song",
    "end" are not); and those words as written, the spellings Telex keys are read into."""

    folded: list[str]
    marked: list[str]
    spelled: list[str]


def vocabulary_of(text: str) -> Vocabulary:
    """Cleaned and folded once for all three."""
    words = [word for word in _TOKEN_OR_BREAK.findall(clean(text)) if word]
    folded = fold_composed("\0".join(words)).split("\0") if words else []
    pairs = [(word, plain) for word, plain in zip(words, folded, strict=True) if plain != word]
    return Vocabulary(folded, [plain for _, plain in pairs], [word for word, _ in pairs])


def folded_words(text: str) -> list[str]:
    return vocabulary_of(text).folded


class Token(NamedTuple):
    """One word. A named tuple rather than a dataclass: a long message makes hundreds, and
    building a tuple costs a third of a frozen dataclass."""

    text: str
    folded: str
    strict: bool
    clause: int


# A Token from a 4-tuple without calling NamedTuple's Python-level __new__.
_new_token: Callable[[tuple[str, str, bool, int]], Token] = partial(tuple.__new__, Token)


@dataclass(frozen=True, slots=True)
class Normalised:
    raw: str
    cleaned: str
    tokens: tuple[Token, ...]
    lang: Language

    @property
    def accented(self) -> str:
        return " ".join(t.text for t in self.tokens)

    @property
    def folded(self) -> str:
        return " ".join(t.folded for t in self.tokens)

    @property
    def has_diacritics(self) -> bool:
        return any(t.strict for t in self.tokens)

    @property
    def key(self) -> str:
        """The form intent matching compares: accented where the person typed diacritics."""
        return self.accented if self.has_diacritics else self.folded


@dataclass(frozen=True)
class Normaliser:
    """Normalisation with the operator-editable teencode tables (`intents/teencode.yaml`) and,
    when the content's spellings are given, Telex typed without its input method."""

    teencode: Mapping[Language, Mapping[str, str]]
    guesser: LanguageGuesser
    telex: TelexReader | None = None

    def __call__(self, text: str) -> Normalised:
        cleaned = clean(text)
        toned = _TONED.search(cleaned) is not None
        if not toned and self.telex is not None:
            read = self.telex.rewrite(cleaned)
            if read is not cleaned:
                cleaned, toned = read, _TONED.search(read) is not None
        pieces = _TOKEN_OR_BREAK.findall(cleaned)
        # Folding all the pieces at once is far cheaper than one by one, and folding is per
        # character (no piece holds a combining mark), so the separator splits them back.
        plain = fold_composed("\0".join(pieces)).split("\0") if pieces else []
        # Breaks ('') carry no vote: they are their own folded form and no known word.
        lang = self.guesser.guess(zip(pieces, plain, strict=True))
        # Only the message's own language: across languages short keys are real words
        # ("ty" in "công ty" is not "thank you", "im" in "im lặng" is not "i am").
        table = self.teencode.get(lang, {})
        # (word, folded, strict, clause) for each word: the clause is the number of breaks
        # before it. Built by C code end to end (itertools, map): a long message has hundreds
        # of words, and a Python loop over them cost as much as the rest of normalising.
        breaks_before = accumulate(map(not_, pieces), initial=0)  # one more: the total, unused
        marked = map(ne, plain, pieces) if toned else repeat(False)
        rows = compress(zip(pieces, plain, marked, breaks_before, strict=False), pieces)
        if table.keys().isdisjoint(pieces):
            return Normalised(text, cleaned, tuple(map(_new_token, rows)), lang)
        return Normalised(text, cleaned, tuple(_expanded(rows, table, toned)), lang)


def _expanded(rows: Iterable[tuple[str, str, bool, int]], table: Mapping[str, str],
              toned: bool) -> Iterator[Token]:
    """Tokens with teencode written out: `ko` is `không`, `mk` is `mình`. In a message typed
    with diacritics the written-out word counts as typed with its own: `mk` there is `mình`
    exactly, as if the person had typed it."""
    for word, folded, strict, clause in rows:
        expansion = table.get(word)
        if expansion is None:
            yield _new_token((word, folded, strict, clause))
            continue
        for part in expansion.split():
            plain = fold_composed(part)
            yield Token(part, plain, strict or (toned and plain != part), clause)
