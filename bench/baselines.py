"""Against what people would build instead, on the same messages and the same content:

- naive: every example scored with rapidfuzz `fuzz.WRatio` in a Python loop, best match over
  a threshold of 70, as most chatbot tutorials do;
- tfidf: a TF-IDF character n-gram (2-4, within words) nearest-neighbour classifier from
  scikit-learn, fitted on the same examples, nearest example's intent when the cosine
  similarity is at least 0.3.

Both get the intents' examples plus, as one more intent called "crisis", the crisis rules'
phrases and examples, so they can escalate too. Speed is per message (a bot answers one
message at a time); accuracy uses the metrics of ../shared/eval/score.py on the dev set.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rapidfuzz import fuzz, utils

from bench.engine_speed import one_core
from bench.messages import ROOT, labelled_dev, mix
from bench.table import Section, median, ms, percentile
from bot.content.loader import load_engine
from bot.core.engine import Engine
from bot.telegram.heap import settle

NAIVE_THRESHOLD = 70
TFIDF_THRESHOLD = 0.3
ROUNDS = 3

Classifier = Callable[[str], str | None]  # message -> "crisis", an intent id, or None (fallback)


def training_examples(engine: Engine) -> list[tuple[str, str]]:
    content = engine.content
    pairs = [(e.text, i.id) for i in content.intents for e in i.examples]
    pairs += [(text, "crisis") for text in content.crisis.rules.phrase_texts()]
    pairs += [(c.text, "crisis") for c in content.crisis.cases if c.expect is not None]
    return pairs


def naive(pairs: list[tuple[str, str]]) -> Classifier:
    examples = [(utils.default_process(text), intent) for text, intent in pairs]

    def classify(message: str) -> str | None:
        query = utils.default_process(message)
        best, best_intent = 0.0, None
        for text, intent in examples:
            score = fuzz.WRatio(query, text)
            if score > best:
                best, best_intent = score, intent
        return best_intent if best >= NAIVE_THRESHOLD else None

    return classify


def tfidf(pairs: list[tuple[str, str]]) -> Classifier | None:
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
    except ImportError:
        return None
    vectorizer: Any = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
    matrix = vectorizer.fit_transform([text for text, _ in pairs])
    intents = [intent for _, intent in pairs]

    def classify(message: str) -> str | None:
        similarities = (matrix @ vectorizer.transform([message]).T).toarray().ravel()
        best = int(similarities.argmax())
        return intents[best] if similarities[best] >= TFIDF_THRESHOLD else None

    return classify


def ours(engine: Engine) -> Classifier:
    def classify(message: str) -> str | None:
        decision = engine.decide(message)
        return "crisis" if decision.crisis else decision.intent

    return classify


def accuracy(classify: Classifier, cases: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """The buckets of ../shared/eval/score.py: (right, total) for each metric."""
    buckets = {"crisis": [0, 0], "false_escalation": [0, 0], "intent": [0, 0], "fallback": [0, 0]}
    for case in cases:
        outcome = classify(str(case["text"]))
        expect, accepted = case["expect"], [case["expect"], *case.get("accept", [])]
        if expect == "crisis":
            bucket, right = "crisis", outcome == "crisis"
        elif "hard-negative" in case.get("tags", []):
            bucket, right = "false_escalation", outcome == "crisis"
            if expect is not None:
                buckets["intent"][1] += 1
                buckets["intent"][0] += outcome in accepted
        elif expect is None:
            bucket, right = "fallback", outcome is None
        else:
            bucket, right = "intent", outcome in accepted
        buckets[bucket][1] += 1
        buckets[bucket][0] += right
    return {k: (v[0], v[1]) for k, v in buckets.items()}


def _rate(bucket: tuple[int, int]) -> str:
    right, total = bucket
    return f"{right / total:.3f} ({right}/{total})" if total else "n/a"


def run(quick: bool) -> list[Section]:
    one_core()
    engine = load_engine(ROOT / "intents", ROOT / "resources.yaml").engine
    settle()  # as the bot does once content is loaded (bot/telegram/heap.py)
    pairs = training_examples(engine)
    messages = [m.text for m in mix(engine)]
    if quick:
        messages = messages[:: max(1, len(messages) // 20)]
    contenders: list[tuple[str, Classifier | None]] = [
        ("this bot (Engine.decide)", ours(engine)), ("naive WRatio loop", naive(pairs)),
        ("TF-IDF char n-grams + nearest neighbour", tfidf(pairs))]
    cases = labelled_dev()
    speed = Section(f"Against the alternatives: speed ({len(pairs)} examples, {len(messages)} messages, "
                    "one core)", ("matcher", "median ms", "p99 ms", "messages/s", "this bot is"))
    quality = Section(f"Against the alternatives: accuracy on the dev set ({len(cases)} cases)",
                      ("matcher", "crisis recall", "false escalation", "intent accuracy", "fallback"))
    ours_rate = 0.0
    for name, classify in contenders:
        if classify is None:
            speed.add(name, "-", "-", "-", "not installed: pip install -e '.[bench]'")
            continue
        for message in messages[:20]:
            classify(message)
        times = []
        started = time.perf_counter()
        for _ in range(1 if quick else ROUNDS):
            for message in messages:
                begin = time.perf_counter()
                classify(message)
                times.append(time.perf_counter() - begin)
        rate = len(times) / (time.perf_counter() - started)
        ours_rate = ours_rate or rate
        ratio = "-" if rate == ours_rate else f"{ours_rate / rate:.1f}x faster"
        speed.add(name, ms(median(times)), ms(percentile(times, 0.99)), f"{rate:,.0f}", ratio)
        if cases:
            scores = accuracy(classify, cases)
            false_alarms = scores["false_escalation"]
            quality.add(name, _rate(scores["crisis"]), _rate(false_alarms), _rate(scores["intent"]),
                        _rate(scores["fallback"]))
    if not cases:
        quality.notes.append("../shared/eval/dev.jsonl is not beside the project: no accuracy figures")
    quality.notes.append("false escalation: hard negatives (hyperbole, look-alikes) that escalated; "
                         "lower is better")
    return [speed, quality]
