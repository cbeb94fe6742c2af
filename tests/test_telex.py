"""Telex typed without its input method: read as the words it types, and only where it is safe."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.engine import Engine
from bot.core.language import LanguageGuesser
from bot.core.normalise import Normaliser
from bot.core.telex import TelexReader

SPELLED = frozenset({"đã", "uống", "hết", "thuốc", "ngủ", "rồi", "giờ", "nằm", "phòng", "kín",
                     "với", "rượu", "người", "muốn", "chết", "có", "sẽ", "hóa", "tối", "tới",
                     "buồn", "quá", "mình", "ư"})
VI = ["toi", "minh", "het", "lo", "trong", "chai", "nay", "muon", "roi", "cho"]
EN = ["my", "car", "has", "been", "too", "slow", "is", "it", "real", "the", "teen"]
GUESSER = LanguageGuesser.from_texts(VI, EN)
READER = TelexReader(SPELLED, GUESSER)
normalise = Normaliser({}, GUESSER, READER)


@pytest.mark.parametrize(("keys", "word"), [
    ("ddax", "đã"), ("uoongs", "uống"), ("heets", "hết"), ("thuoocs", "thuốc"), ("ngur", "ngủ"),
    ("roif", "rồi"), ("giowf", "giờ"), ("nawmf", "nằm"), ("phongf", "phòng"), ("kins", "kín"),
    ("vowis", "với"), ("ruouwj", "rượu"), ("ruowuj", "rượu"), ("nguowif", "người"),
    ("hoas", "hóa"), ("w", "ư"),
    # the tone typed, the shape keys left out: one word in the content fits
    ("uongs", "uống"), ("chets", "chết"),
])
def test_keys_are_read_as_the_word_they_type(keys: str, word: str) -> None:
    assert READER.word(keys) == word


@pytest.mark.parametrize("keys", [
    "car", "been", "teen", "trong",  # words the content has as typed are never rewritten
    "tois",  # tối or tới: the tone alone does not say which
    "xyzs", "ddd", "aww", "bw",  # keys that spell no word the content has
])
def test_keys_that_type_no_known_word_stay(keys: str) -> None:
    assert READER.word(keys) is None


def test_a_message_in_telex_is_read_with_its_diacritics() -> None:
    read = normalise("ddax uoongs heets thuoocs ngur roif, giowf nawmf trong phongf kins")
    assert read.accented == "đã uống hết thuốc ngủ rồi giờ nằm trong phòng kín"
    assert read.lang == "vi"
    assert all(t.strict for t in read.tokens if t.text != "trong")


def test_one_telex_word_among_vietnamese_without_diacritics_is_read() -> None:
    assert normalise("uongs het lo roi").accented == "uống het lo roi"


def test_english_words_that_spell_vietnamese_ones_stay_english() -> None:
    # `cos` types có and `sex` types sẽ, but one such word among English words is English
    for text in ("is it real cos", "my teen has been too slow"):
        assert normalise(text).accented == text


def test_a_message_typed_with_tones_is_not_touched() -> None:
    assert normalise("mình buồn quas").accented == "mình buồn quas"


def test_a_normaliser_without_spellings_reads_no_telex() -> None:
    assert Normaliser({}, GUESSER)("ddax uoongs heets").accented == "ddax uoongs heets"


@given(st.text(alphabet="adeowsfrxjuinhgtc ", max_size=60))
def test_any_keys_are_read_without_error(text: str) -> None:
    read = normalise(text)
    assert len(read.tokens) <= len(text.split())


def test_the_shipped_content_reads_an_act_typed_in_telex(engine: Engine) -> None:
    decision = engine.decide("ddax uoongs heets vir thuoocs nguur vowis chai ruouwj roif")
    assert decision.level == "emergency"
