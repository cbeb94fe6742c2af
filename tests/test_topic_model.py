"""The learned topic classifier: trained from the intent examples, the same every time, heard only
where the matcher finds no topic, and never sure of a message whose words it has not seen."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content.learning import learn
from bot.core.engine import Engine
from bot.core.model import features
from bot.core.topic_model import TopicModel, train_topics


def taught(engine: Engine, pairs: list[tuple[str, str]]) -> TopicModel:
    normalise = engine.content.normalise
    return train_topics([features(normalise(t)) for t, _ in pairs], [label for _, label in pairs])


def test_the_same_content_trains_the_same_classifier(engine: Engine) -> None:
    first, second = learn(engine.content).topics, learn(engine.content).topics
    assert first is not None and second is not None
    assert first.ids == second.ids and np.array_equal(first.weights, second.weights)
    assert first.intents == tuple(sorted(i.id for i in engine.content.intents))


def test_it_learns_the_words_of_each_topic(engine: Engine) -> None:
    model = taught(engine, [("xanh lam xanh", "blue"), ("xanh lam lắm", "blue"), ("xanh lam thật", "blue"),
                            ("đỏ tươi đỏ", "red"), ("đỏ tươi lắm", "red"), ("đỏ tươi thật", "red")])
    normalise = engine.content.normalise
    blue, red = model.guess(normalise("xanh lam")), model.guess(normalise("đỏ tươi"))
    assert blue is not None and blue.intent == "blue" and blue.probability > 0.9
    assert red is not None and red.intent == "red"
    assert blue.weighed and all(weight > 0 for _, weight in blue.weighed)


def test_a_guess_the_matcher_backs_is_heard_from_the_lower_threshold(engine: Engine) -> None:
    pairs = [("xanh lam", "blue"), ("xanh lá", "blue"), ("đỏ tươi", "red"), ("đỏ thắm", "red"),
             ("vàng nhạt", "yellow"), ("vàng chanh", "yellow")]
    model = dataclasses.replace(taught(engine, pairs), threshold=1.01, backed_threshold=0.4)
    message = engine.content.normalise("xanh")
    alone, backed, other = model.guess(message), model.guess(message, "blue"), model.guess(message, "red")
    assert alone is not None and backed is not None and other is not None
    assert alone.intent == "blue" and alone.probability >= 0.4
    assert not alone.heard and not alone.backed
    assert backed.heard and backed.backed and backed.threshold == 0.4
    assert not other.heard  # the matcher backing another topic lowers nothing


def test_words_it_has_never_seen_score_every_topic_alike(engine: Engine) -> None:
    model = engine.topics
    assert model is not None
    guess = model.guess(engine.content.normalise("qqqzx wwwvy"))
    assert guess is not None
    assert abs(guess.probability - 1 / len(model.intents)) < 1e-6
    assert model.confident(engine.content.normalise("qqqzx wwwvy")) is None
    assert model.guess(engine.content.normalise("")) is None


def test_the_classifier_finds_a_topic_the_matcher_leaves_to_the_fallback(engine: Engine) -> None:
    text = "thi trượt rồi bố mẹ sẽ giết mình mất"
    without = dataclasses.replace(engine, topics=None)
    assert without.decide(text).intent is None
    decision = engine.decide(text)
    assert not decision.crisis
    assert decision.intent == "study_pressure" and decision.guess is not None
    assert engine.topics is not None
    # The matcher's best candidate, short of its threshold, is study pressure too.
    assert decision.guess.backed and decision.candidates[0].intent == "study_pressure"
    assert decision.guess.probability >= decision.guess.threshold == engine.topics.backed_threshold


def test_the_matcher_decides_where_it_finds_a_topic(engine: Engine) -> None:
    decision = engine.decide("mình mất ngủ mấy đêm liền")
    assert decision.intent == "coping_sleep" and decision.guess is None


def test_words_of_no_topic_stay_with_the_fallback(engine: Engine) -> None:
    for text in ("con mèo nhà hàng xóm màu cam", "what is the capital of peru", "qwertyuiop"):
        decision = engine.decide(text)
        assert decision.intent is None, (text, decision.guess)


def test_a_message_about_two_topics_offers_the_other_with_a_button(engine: Engine) -> None:
    response = engine.respond("mất ngủ mấy đêm rồi mà còn thấy cô đơn nữa", "vi")
    assert response.decision.intent == "coping_sleep" and response.decision.also == "coping_loneliness"
    first = response.reply.buttons[0]
    assert str(first.action) == "intent:coping_loneliness"
    assert first.label.casefold() in response.reply.text.casefold()
    alone = engine.respond("mình mất ngủ mấy đêm liền", "vi")
    assert alone.decision.also is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_the_classifier_never_raises(engine: Engine, text: str) -> None:
    assert engine.topics is not None
    guess = engine.topics.guess(engine.content.normalise(text))
    assert guess is None or 0.0 <= guess.probability <= 1.0


def test_content_with_more_topics_than_it_is_trained_for_keeps_the_matcher_alone(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.content.learning.MAX_TOPICS", len(engine.content.intents) - 1)
    learned = learn(engine.content)
    assert learned.topics is None and learned.crisis is not None
    assert any("topic classifier" in p.message for p in learned.problems)
