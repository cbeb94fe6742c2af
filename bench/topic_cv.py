"""How the topic classifier's threshold was chosen: k-fold cross-validation over the intent examples.

Each fold holds out a fifth of every topic's examples, builds the matcher and trains the
classifier on the rest, and answers each held-out example with the engine's policy: the
matcher's topic when one reaches its threshold, else the classifier's when it gives one topic
at least the threshold, else the fallback. Out of scope, the paraphrases of the tests that
expect the fallback (tests/data/paraphrases.jsonl) are answered by models trained on every
example: a threshold must keep them there. `python -m bench --only topics` (docs/evaluation.md).
"""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

from bench.table import Section
from bot.content.loader import load_engine
from bot.core.matcher import IntentMatcher
from bot.core.model import features
from bot.core.models import Intent
from bot.core.normalise import Normalised
from bot.core.topic_model import CONFIDENCE, TopicModel, train_topics

ROOT = Path(__file__).resolve().parent.parent
FOLDS = 5
THRESHOLDS = (0.4, 0.5, 0.6, 0.7, 0.8)


def _answer(matcher: IntentMatcher, model: TopicModel,
            message: Normalised) -> tuple[str | None, float | None]:
    """The matcher's topic (probability None: the classifier is not asked), or the classifier's
    best guess and its probability."""
    chosen = next((c for c in matcher.rank(message) if c.score >= matcher.threshold_for(c.intent)), None)
    if chosen is not None:
        return chosen.intent, None
    guess = model.guess(message)
    return (guess.intent, guess.probability) if guess is not None else (None, 0.0)


def _trained(intents: tuple[Intent, ...], matcher: IntentMatcher) -> TopicModel:
    normalise = matcher.normalise
    pairs = [(features(normalise(e.text)), i.id) for i in intents for e in i.examples]
    return train_topics([row for row, _ in pairs], [label for _, label in pairs])


def run(quick: bool) -> list[Section]:
    engine = load_engine(ROOT / "intents", ROOT / "resources.yaml").engine
    content, negations = engine.content, engine.rules.negation_words()
    folds = 2 if quick else FOLDS
    rng = random.Random(7)  # the same folds every run
    fold_of = {}
    for intent in content.intents:
        order = list(range(len(intent.examples)))
        rng.shuffle(order)
        fold_of.update({(intent.id, n): k % folds for k, n in enumerate(order)})
    held: list[tuple[str, str | None, float | None]] = []  # (expected, answered, probability)
    for k in range(folds):
        kept = tuple(dataclasses.replace(i, examples=tuple(e for n, e in enumerate(i.examples)
                                                         if fold_of[(i.id, n)] != k))
                     for i in content.intents)
        matcher = IntentMatcher(kept, content.normalise, negations)
        model = _trained(kept, matcher)
        for intent in content.intents:
            for n, example in enumerate(intent.examples):
                if fold_of[(intent.id, n)] == k and (not quick or n % 4 == 0):
                    held.append((intent.id, *_answer(matcher, model, content.normalise(example.text))))
    paraphrases = (ROOT / "tests" / "data" / "paraphrases.jsonl").read_text(encoding="utf-8").splitlines()
    model = _trained(content.intents, engine.matcher)
    outside = [_answer(engine.matcher, model, content.normalise(case["text"]))
               for case in map(json.loads, paraphrases) if case["expect"] is None]
    section = Section(f"The topic classifier's threshold: {folds}-fold cross-validation over {len(held)} "
                      f"intent examples, and {len(outside)} out-of-scope paraphrases",
                      ("threshold", "held-out examples on their topic", "out of scope kept at the fallback"))
    for threshold in (None, *THRESHOLDS):
        bar = 2.0 if threshold is None else threshold  # above every probability: the matcher alone
        right = sum(1 for expected, got, p in held if got == expected and (p is None or p >= bar))
        kept_out = sum(1 for got, p in outside if got is None or (p is not None and p < bar))
        section.add("matcher alone" if threshold is None else f"{threshold:.2f}",
                    f"{right / max(len(held), 1):.3f} ({right}/{len(held)})",
                    f"{kept_out / max(len(outside), 1):.3f} ({kept_out}/{len(outside)})")
    section.notes.append(f"shipped threshold: {CONFIDENCE} (CONFIDENCE in bot/core/topic_model.py)")
    return [section]
