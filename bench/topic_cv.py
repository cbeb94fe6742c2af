"""How the topic classifier's threshold was chosen: k-fold cross-validation over the intent examples.

Each fold holds out a fifth of every topic's examples, builds the matcher and trains the
classifier on the rest, and answers each held-out example with the engine's policy: the
matcher's topic when one reaches its threshold, else the classifier's when it gives one topic
at least the threshold (or the lower one where the matcher's best candidate names the same
topic), else the fallback. Out of scope, the paraphrases of the tests that
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
from bot.core.topic_model import BACKED_CONFIDENCE, CONFIDENCE, TopicModel, train_topics

ROOT = Path(__file__).resolve().parent.parent
FOLDS = 5
THRESHOLDS = (0.4, 0.5, 0.6, 0.7, 0.8)
# With the matcher's best candidate naming the same topic, the classifier may speak from lower.
BACKED = (0.3, 0.4, 0.5, 0.6)


def _answer(matcher: IntentMatcher, model: TopicModel,
            message: Normalised) -> tuple[str | None, float | None, bool]:
    """The matcher's topic (probability None: the classifier is not asked), or the classifier's
    best guess, its probability, and whether the matcher's best candidate names it too."""
    candidates = matcher.rank(message)
    chosen = next((c for c in candidates if c.score >= matcher.threshold_for(c.intent)), None)
    if chosen is not None:
        return chosen.intent, None, False
    guess = model.guess(message, candidates[0].intent if candidates else None)
    if guess is None:
        return None, 0.0, False
    return guess.intent, guess.probability, guess.backed


def _heard(probability: float | None, backed: bool, bars: tuple[float, float]) -> bool:
    """Whether an answer stands under a rule: the matcher's (no probability), or the classifier's
    from the first bar, or from the second where the matcher's best candidate agrees."""
    alone, agreed = bars
    return probability is None or probability >= alone or (backed and probability >= agreed)


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
    held: list[tuple[str, str | None, float | None, bool]] = []  # (expected, answered, probability, backed)
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
    for threshold, backed_from in ((None, None), *((t, None) for t in THRESHOLDS),
                                   *((CONFIDENCE, b) for b in BACKED)):
        bar = 2.0 if threshold is None else threshold  # above every probability: the matcher alone
        bars = (bar, bar if backed_from is None else backed_from)
        right = sum(1 for expected, got, p, backed in held if got == expected and _heard(p, backed, bars))
        kept_out = sum(1 for got, p, backed in outside if got is None or not _heard(p, backed, bars))
        name = ("matcher alone" if threshold is None else f"{threshold:.2f}"
                + ("" if backed_from is None else f", {backed_from:.2f} backed"))
        section.add(name, f"{right / max(len(held), 1):.3f} ({right}/{len(held)})",
                    f"{kept_out / max(len(outside), 1):.3f} ({kept_out}/{len(outside)})")
    section.notes.append(f"shipped: {CONFIDENCE}, {BACKED_CONFIDENCE} backed (CONFIDENCE, BACKED_CONFIDENCE "
                         "in bot/core/topic_model.py)")
    return [section]
