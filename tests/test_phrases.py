"""The phrase index finds exactly what trying every phrase at every place would find.

`PhraseSet.find` looks a message's words up in four indexes instead of trying each phrase at
each word; a phrase missing from the right index would silently never match (a crisis
message going unescalated). These tests compare it with the exhaustive search on messages
made of the shipped phrases' own words, with typos of every kind.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.engine import Engine
from bot.core.normalise import Token
from bot.core.phrase_set import PhraseSet
from bot.core.phrases import Hit

PROFILE = settings(max_examples=200, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture])
FILLER = ["mình", "thấy", "rất", "buồn", "và", "i", "feel", "so", "nguoi", "khong", ".", ","]
PADDING = ["quá", "qua", "lắm", "làm", "hết", "thật", "sự", "lọ", "really", "just", ",", "mình"]


def exhaustive(phrases: PhraseSet, tokens: Sequence[Token], fuzzy: bool,
               within_clause: bool) -> list[Hit]:
    """Every phrase tried at every place: what the index must find, no more, no less."""
    fillers = phrases.filler_places(tokens, [t.folded for t in tokens])
    return [hit for start in range(len(tokens))
            for hit in phrases._hits_at(phrases.phrases, tokens, start, fuzzy, within_clause, fillers)]


def key(hits: list[Hit]) -> list[tuple[str, str, int, int, bool]]:
    return sorted((h.phrase.owner, h.phrase.source, h.start, h.end, h.fuzzy) for h in hits)


@st.composite
def typo(draw: st.DrawFn, word: str) -> str:
    """The word with one edit: a letter changed, dropped, added or two swapped."""
    if not word:
        return word
    at = draw(st.integers(0, len(word) - 1))
    letter = draw(st.sampled_from("aăâeêioôơuưyđnhtcg"))
    kind = draw(st.sampled_from(["change", "drop", "add", "swap", "none"]))
    if kind == "change":
        return word[:at] + letter + word[at + 1:]
    if kind == "drop":
        return word[:at] + word[at + 1:]
    if kind == "add":
        return word[:at] + letter + word[at:]
    if kind == "swap" and at + 1 < len(word):
        return word[:at] + word[at + 1] + word[at] + word[at + 2:]
    return word


@st.composite
def messages(draw: st.DrawFn, engine: Engine) -> str:
    detector = engine.rules
    sources = [p.source for p in detector.phrases.phrases] + [p.source for p in detector.guards.phrases]
    pieces: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        words = draw(st.sampled_from(sources)).split()
        if draw(st.booleans()):
            at = draw(st.integers(0, len(words) - 1))
            words[at] = draw(typo(words[at]))
        if len(words) > 1 and draw(st.booleans()):  # fillers (and words that are not) inside
            at = draw(st.integers(1, len(words) - 1))
            words[at:at] = draw(st.lists(st.sampled_from(PADDING), min_size=1, max_size=3))
        pieces.append(" ".join(words))
        pieces.append(draw(st.sampled_from(FILLER)))
    return " ".join(pieces)


@PROFILE
@given(data=st.data(), fuzzy=st.booleans(), within_clause=st.booleans())
def test_the_index_finds_what_trying_every_phrase_finds(engine: Engine, data: st.DataObject,
                                                        fuzzy: bool, within_clause: bool) -> None:
    text = data.draw(messages(engine))
    tokens = engine.content.normalise(text).tokens
    detector = engine.rules
    for phrases in (detector.phrases, detector.guards, detector.negations, detector.others):
        assert key(phrases.find(tokens, fuzzy, within_clause)) == key(
            exhaustive(phrases, tokens, fuzzy, within_clause)), text


def edits(word: str) -> list[str]:
    """One edit of each kind in the middle of a word: a letter changed, dropped, added, and
    two letters swapped."""
    at = len(word) // 2
    other = "x" if word[at] != "x" else "y"
    return [word[:at] + other + word[at + 1:], word[:at] + word[at + 1:],
            word[:at] + other + word[at:], word[:at - 1] + word[at] + word[at - 1] + word[at + 1:]]


def test_every_shipped_phrase_with_every_kind_of_typo_in_every_word(engine: Engine) -> None:
    """Deterministic and thorough: each phrase, typed with and without diacritics, with each
    kind of typo in each of its words, between other words. Also proves the typo routes are
    used: some of these must be found only by forgiving the typo."""
    detector = engine.rules
    forgiven = 0
    for phrases in (detector.phrases, detector.guards):
        for phrase in phrases.phrases:
            for source in {phrase.source, " ".join(t.folded for t in phrase.words)}:
                words = source.split()
                for at, word in enumerate(words):
                    for typed in edits(word) if len(word) > 1 else []:
                        text = " ".join(["mình", *words[:at], typed, *words[at + 1:], "lắm"])
                        tokens = engine.content.normalise(text).tokens
                        found = phrases.find(tokens)
                        assert key(found) == key(exhaustive(phrases, tokens, True, False)), text
                        forgiven += any(h.fuzzy and h.phrase is phrase for h in found)
    assert forgiven > 100


def hits(engine: Engine, phrases: PhraseSet, text: str) -> list[str]:
    return [h.phrase.source for h in phrases.find(engine.content.normalise(text).tokens)]


def test_fillers_stand_inside_a_phrase_up_to_two(engine: Engine) -> None:
    phrases = engine.rules.phrases
    assert "uống hết thuốc" in hits(engine, phrases, "em định uống hết lọ thuốc ngủ")
    assert "uống hết thuốc" in hits(engine, phrases, "uong het lo thuoc")
    assert "muốn chết" in hits(engine, phrases, "mình muốn thật sự chết")
    assert "muốn chết" not in hits(engine, phrases, "mình muốn thật sự rất chết")  # three
    assert "muốn chết" not in hits(engine, phrases, "mình muốn, thật, chết")  # across clauses
    assert "muốn chết" not in hits(engine, phrases, "mình muốn ăn chết")  # not a filler


def test_a_filler_keeps_its_diacritics(engine: Engine) -> None:
    """`lắm` (very) is a filler; `làm` (do) folds to the same `lam` but is not one."""
    phrases = engine.rules.phrases
    assert "muốn chết" in hits(engine, phrases, "muốn lắm chết")
    assert "muốn chết" not in hits(engine, phrases, "muốn làm chết")
    assert "muốn chết" in hits(engine, phrases, "muon lam chet")  # without diacritics: either
    # In a message typed with diacritics an unmarked word is what it looks like: `con` (child)
    assert "không muốn sống" in hits(engine, phrases, "mình không còn muốn sống")
    assert "không muốn sống" in hits(engine, phrases, "minh khong con muon song")
    assert "muốn chết" not in hits(engine, phrases, "mẹ muốn con chết à")


def test_a_filler_never_starts_or_ends_a_match(engine: Engine) -> None:
    found = engine.rules.phrases.find(engine.content.normalise("rất muốn chết lắm").tokens)
    assert [(h.phrase.source, h.start, h.end) for h in found if h.phrase.source == "muốn chết"] == [
        ("muốn chết", 1, 3)]


def test_guards_take_fillers_too(engine: Engine) -> None:
    decision = engine.decide("trời nóng quá muốn chết")
    assert not decision.crisis
    assert decision.check is not None and decision.check.suppressed


def test_a_guard_star_is_one_word_of_the_clause_never_the_writer(engine: Engine) -> None:
    guards = engine.rules.guards

    def starred(text: str) -> list[str]:  # as the crisis check looks for guards
        found = guards.find(engine.content.normalise(text).tokens, fuzzy=False, within_clause=True)
        return [h.phrase.source for h in found if "*" in h.phrase.source]

    assert starred("thèm phở muốn chết") == ["thèm * muốn chết"]
    assert starred("thèm trà sữa muốn chết") == ["thèm * * muốn chết"]
    assert starred("thèm phở, muốn chết") == []  # across a comma
    assert starred("nhớ mình muốn chết") == []  # the writer
    assert engine.decide("nhớ mình muốn chết").crisis
    assert not engine.decide("thèm trà sữa muốn chết").crisis
