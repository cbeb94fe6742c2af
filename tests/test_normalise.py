"""Normalisation: the one function every matcher relies on."""

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.core.folding import fold
from bot.core.language import Language, LanguageGuesser
from bot.core.normalise import _RUN, Normaliser, _squeeze_letters, clean

TEENCODE: dict[Language, dict[str, str]] = {
    "vi": {"ko": "không", "mún": "muốn", "mk": "mình", "t": "tôi", "e": "em", "đc": "được"},
    "en": {"im": "i am", "u": "you", "dont": "do not"}}
GUESSER = LanguageGuesser.from_texts(["toi", "minh", "buon", "khong", "muon", "ngu", "a"],
                                    ["i", "feel", "sad", "sleep", "you", "am", "a", "a", "a"])
normalise = Normaliser(TEENCODE, GUESSER)


@pytest.mark.parametrize(("text", "expected"), [
    ("tự tử", "tu tu"),
    ("Đặt sức khỏe tâm thần lên hàng đầu", "Dat suc khoe tam than len hang dau"),
    ("đ Đ", "d D"),
    ("người ướt", "nguoi uot"),
    ("plain ascii", "plain ascii"),
])
def test_fold_strips_vietnamese_diacritics_including_d(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_fold_handles_decomposed_input() -> None:
    decomposed = "tu\u031b\u0323 tu\u031b\u0309"  # "tự tử" typed as base letters + combining marks
    assert fold(decomposed) == "tu tu"


@pytest.mark.parametrize(("text", "expected"), [
    ("chếtttt", "chết"),
    ("sao vậyyyy!!!", "sao vậy!"),
    ("  nhiều   khoảng\ttrắng \n ", "nhiều khoảng trắng"),
    ("TÔI BUỒN", "tôi buồn"),
    ("tự\u200b tử", "tự tử"),
    ("a\x00b\x07c", "a b c"),
    ("i\u2019m", "i'm"),
    ("sleep", "sleep"),  # double letters are English spelling, not emphasis
])
def test_clean(text: str, expected: str) -> None:
    assert clean(text) == expected


def test_composed_and_decomposed_forms_normalise_alike() -> None:
    composed = normalise("tự tử")
    decomposed = normalise("tu\u031b\u0323 tu\u031b\u0309")
    assert composed.accented == decomposed.accented == "tự tử"


def test_teencode_written_out_counts_as_typed_with_diacritics_where_the_message_has_them() -> None:
    n = normalise("mk ko mún đc")
    assert n.accented == "mình không muốn được"
    assert [t.strict for t in n.tokens] == [True, True, True, True]


def test_teencode_in_a_message_without_diacritics_stays_without() -> None:
    n = normalise("mk ko muon chet")
    assert n.accented == "mình không muon chet"
    assert [t.strict for t in n.tokens] == [False, False, False, False]


def test_teencode_can_expand_to_several_words() -> None:
    assert normalise("im sad").accented == "i am sad"


def test_teencode_stays_in_its_language() -> None:
    english = normalise("i feel sad, e")
    assert english.lang == "en"
    assert english.tokens[-1].text == "e"
    assert normalise("e buồn").accented == "em buồn"
    assert normalise("tôi im lặng").accented == "tôi im lặng"


def test_key_uses_accents_only_when_the_person_typed_them() -> None:
    assert normalise("từ từ").key == "từ từ"
    assert normalise("tu tu").key == "tu tu"


def test_clauses_split_on_punctuation() -> None:
    n = normalise("không, muốn")
    assert n.tokens[0].clause != n.tokens[1].clause


@pytest.mark.parametrize(("text", "lang"), [
    ("tôi buồn", "vi"),
    ("toi buon qua", "vi"),
    ("mk ko ngu dc", "vi"),
    ("i feel sad", "en"),
    ("qwerty", "en"),
    ("", "vi"),
    ("😀😀", "vi"),
])
def test_language_guess(text: str, lang: str) -> None:
    assert normalise(text).lang == lang


@pytest.mark.parametrize("junk", ["", "\x00\x00", "\ufffd\ufffd", "🏳️‍🌈" * 50, "a" * 20_000,
                                  "\u202etxet desrever", "e\u0301\u0302\u0303" * 100])
def test_never_raises_on_junk(junk: str) -> None:
    n = normalise(junk)
    assert isinstance(n.accented, str)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aăđ1_ !\n.ưwW²Ⅻ\u0301"), max_size=60))
@example("gọi 1900 1000 nhé")
@example("buồnnnn quáaaa!!! 111 ___ ²²² ⅫⅫⅫ")
def test_repeated_letters_are_squeezed_exactly_as_a_letters_only_pattern_would(text: str) -> None:
    letters_only = re.sub(r"([^\W\d_])\1{2,}", r"\1", text)
    assert _RUN.sub(_squeeze_letters, text) == letters_only


@pytest.mark.parametrize(("text", "clauses"), [
    ("mình buồn. ko ngủ được, mk mệt", [0, 0, 1, 1, 1, 2, 2]),  # teencode written out
    ("i dont know. im tired", [0, 0, 0, 0, 1, 1, 1]),
    ("chào", [0]),
])
def test_tokens_number_their_clauses_with_plain_ints(text: str, clauses: list[int]) -> None:
    """Tokens are built by C code (itertools), with or without teencode to expand: each clause
    number counts the punctuation before the word, as an int, not a leftover bool."""
    tokens = normalise(text).tokens
    assert [t.clause for t in tokens] == clauses
    assert all(type(t.clause) is int and type(t.strict) is bool for t in tokens)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aăđêư ơ.,!\n'\u0301\u0323\u0e31\u093f_1ǅßﬁΆЖ😂"), max_size=60))
@example("")
@example("\u0301 \u0301.")
@example("tự tử, từ từ")
def test_each_word_folds_as_it_would_alone(text: str) -> None:
    """All of a message's words are folded in one call and split apart again: each must come
    out as folding it alone would give, whatever marks and scripts the message holds."""
    tokens = normalise(text).tokens
    assert [t.folded for t in tokens] == [fold(t.text) for t in tokens]
