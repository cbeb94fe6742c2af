"""The learned second opinion: trained from content, the same every time, and only ever raising
a message the rules leave silent, to concern."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bot.content.learning
from bot.content.learning import teaching
from bot.content.loader import load_engine
from bot.content.problems import ContentError
from bot.core.detectors import Finding, Signal, combine
from bot.core.engine import Engine
from bot.core.model import Labelled, LearnedDetector, train

ROOT = Path(__file__).resolve().parent.parent


def trained(engine: Engine) -> LearnedDetector:
    content = engine.content
    examples = teaching(content)
    return train(examples, (content.normalise(e.text) for e in examples), content.crisis.model_threshold)


def test_the_same_content_trains_the_same_model(engine: Engine) -> None:
    first, second = trained(engine), trained(engine)
    assert first.weights == second.weights and first.bias == second.bias


def test_the_shipped_engine_has_a_model_trained_from_every_example(engine: Engine) -> None:
    (model,) = engine.second_opinions
    assert isinstance(model, LearnedDetector)
    assert model.examples == len(teaching(engine.content)) > 4000
    assert model.threshold == engine.content.crisis.model_threshold


def test_a_model_learns_what_it_is_taught(engine: Engine) -> None:
    normalise = engine.content.normalise
    examples = [Labelled(t, True) for t in ("xanh lam xanh", "xanh lam lắm", "xanh lam thật")] + [
        Labelled(t, False) for t in ("đỏ tươi đỏ", "đỏ tươi lắm", "đỏ tươi thật")]
    model = train(examples, (normalise(e.text) for e in examples), 0.5)
    assert model.score(normalise("xanh lam"))[0] > 0.5 > model.score(normalise("đỏ tươi"))[0]


def test_examples_left_without_features_train_as_empty_wherever_they_stand(engine: Engine) -> None:
    normalise = engine.content.normalise
    taught = [Labelled("xanh lam xanh", True), Labelled("xanh lam lắm", True), Labelled("qqq", True),
              Labelled("đỏ tươi đỏ", False), Labelled("đỏ tươi lắm", False), Labelled("zzz", False)]
    # "qqq" and "zzz" share no feature with anything (each is seen once): they weigh nothing, in
    # the middle and at the end alike, and the others learn as without them.
    model = train(taught, (normalise(e.text) for e in taught), 0.5)
    alone = [e for e in taught if len(e.text) > 3]
    without = train(alone, (normalise(e.text) for e in alone), 0.5)
    assert model.score(normalise("xanh lam"))[0] > 0.5 > model.score(normalise("đỏ tươi"))[0]
    assert set(model.weights) == set(without.weights)


RAISED = Finding("model", Signal("urgent", "model", "0.99", False, True, False))
SILENT = Finding("rules", None)


def test_a_second_opinion_raises_a_silent_message_only_to_concern() -> None:
    decided = combine(SILENT, [RAISED])
    assert decided.detector == "model" and decided.signal is not None
    assert decided.signal.level == "concern" and not decided.signal.negated


def test_a_second_opinion_never_lowers_or_silences_the_rules() -> None:
    emergency = Finding("rules", Signal("emergency", "acted", "uống rồi", False, False, False))
    assert combine(emergency, [RAISED]) is emergency
    assert combine(emergency, [Finding("model", None)]) is emergency


def test_a_second_opinion_is_not_heard_where_a_guard_or_context_explained_the_words() -> None:
    assert combine(SILENT, [RAISED], explained=True) is SILENT


def test_the_engine_says_which_detector_raised_a_message(engine: Engine) -> None:
    by_model = engine.decide("i've already bought what i need, it's in my backpack")
    assert by_model.crisis and by_model.level == "concern" and by_model.detector == "model"
    assert engine.decide("dạo này tôi thật sự chỉ muốn tự tử thôi").detector == "both"
    assert engine.decide("tôi muốn tự tử").detector == "rules"  # under six words the model is not asked
    assert engine.decide("chào bạn").detector is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_the_model_and_the_concepts_never_raise(engine: Engine, text: str) -> None:
    message = engine.content.normalise(text)
    engine.rules.inspect(message)
    for detector in engine.second_opinions:
        detector.check(message)


def test_a_model_that_cannot_be_trained_leaves_the_rules_running(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken(*_: object) -> LearnedDetector:
        raise MemoryError("no room")

    monkeypatch.setattr(bot.content.learning, "train_rows", broken)
    loaded = load_engine(ROOT / "intents", ROOT / "resources.yaml")
    assert loaded.engine.second_opinions == ()
    assert loaded.engine.topics is not None
    assert loaded.engine.decide("tôi muốn tự tử").crisis
    assert any("crisis model could not be trained" in p.message and "crisis rules" in p.message
               for p in loaded.warnings)
    assert "could not be trained" in caplog.text


def test_a_threshold_out_of_range_is_named_with_its_line(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "intents", tmp_path / "intents")
    crisis = tmp_path / "intents" / "crisis.yaml"
    crisis.write_text(crisis.read_text().replace("model: {threshold: 0.7}", "model: {threshold: 2}"))
    with pytest.raises(ContentError) as caught:
        load_engine(tmp_path / "intents", ROOT / "resources.yaml")
    problems = caught.value.problems
    assert any("threshold 2" in p.message and "0.6" in p.message and p.line > 0 for p in problems)


def test_training_examples_twice_or_with_both_labels_are_named(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "intents", tmp_path / "intents")
    extra = tmp_path / "intents" / "training" / "everyday_extra.yaml"
    extra.write_text("version: 1\ntraining:\n  category: extra\n  crisis: false\n  examples:\n"
                     "    vi:\n      - \"toi muon tu tu\"\n      - \"hôm nay trời đẹp quá\"\n"
                     "      - \"hôm nay trời đẹp quá\"\n")
    with pytest.raises(ContentError) as caught:
        load_engine(tmp_path / "intents", ROOT / "resources.yaml")
    messages = [str(p) for p in caught.value.problems]
    assert any("everyday_extra.yaml:7" in m and "`crisis: true`" in m for m in messages)
    assert any("everyday_extra.yaml:9" in m and "already in" in m for m in messages)


def run_bot(*args: str, stdin: str = "") -> str:
    done = subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, timeout=120, check=True)
    return done.stdout


def test_try_shows_the_model_score_and_what_weighed_most() -> None:
    out = run_bot("try", "chắc tối nay mình làm luôn, không ai ở nhà")
    line = next(line for line in out.splitlines() if line.startswith("model:"))
    assert "speaks at 0.70" in line
    # Five features with their weights: words and pairs in quotes, letters in brackets.
    assert re.fullmatch(r"model: +0\.\d\d \(speaks at 0\.70\); weighed most: "
                        r"(?:(?:'[^']+'|\[[^\]]+\]) [+-]\d\.\d\d(?:, |$)){5}", line), line


def test_match_reports_level_and_detector() -> None:
    out = run_bot("match", stdin="toi uong thuoc sau roi\nchào bạn\n")
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows[0]["level"] == "emergency" and rows[0]["detector"] in ("rules", "both")
    assert rows[1]["crisis"] is False and rows[1]["detector"] is None
