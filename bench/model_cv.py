"""How the learned model's threshold was chosen: k-fold cross-validation over the training corpus.

Each fold holds out a fifth of `intents/training/` (the content's own examples always train),
trains the model on the rest, and scores the held-out messages with the engine's policy: a
message escalates when the rules fire, or when the rules are silent, no guard or context
explained its crisis words, the message has at least `MIN_WORDS` words, and the model scores
at least the threshold. `python -m bench
--only model` prints recall and false escalations for each threshold (docs/evaluation.md).
"""

from __future__ import annotations

import random
from pathlib import Path

from bench.table import Section
from bot.content.learning import teaching
from bot.content.loader import load_engine
from bot.core.model import MIN_WORDS, Labelled, train

ROOT = Path(__file__).resolve().parent.parent
FOLDS = 5
THRESHOLDS = (0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def run(quick: bool) -> list[Section]:
    engine = load_engine(ROOT / "intents", ROOT / "resources.yaml").engine
    content = engine.content
    corpus = list(content.training)
    fixed = [Labelled(c.text, c.expect is not None) for c in content.crisis.cases if not c.not_by]
    fixed += [Labelled(e.text, False) for intent in content.intents for e in intent.examples]
    order = list(range(len(corpus)))
    random.Random(7).shuffle(order)  # the same folds every run
    folds = 2 if quick else FOLDS
    if quick:
        order = order[:300]
    scored: list[tuple[bool, bool, float]] = []  # (crisis, the rules decided it, model score)
    for k in range(folds):
        held = set(order[k::folds])
        taught = fixed + [Labelled(corpus[i].text, corpus[i].crisis) for i in order if i not in held]
        model = train(taught, (content.normalise(e.text) for e in taught), 0.5)
        for i in held:
            message = content.normalise(corpus[i].text)
            check = engine.rules.inspect(message)
            heard = not check.suppressed and len(message.tokens) >= MIN_WORDS
            score = model.score(message)[0] if heard else 0.0
            scored.append((corpus[i].crisis, check.signal is not None, score))
    crisis = sum(1 for c, _, _ in scored if c)
    everyday = len(scored) - crisis
    assert len(teaching(content)) == len(fixed) + len(corpus)
    section = Section(f"The model's threshold: {folds}-fold cross-validation over {len(scored)} corpus "
                      f"messages ({crisis} crisis, {everyday} everyday), rules and model together",
                      ("threshold", "recall", "false escalations"))
    for threshold in (None, *THRESHOLDS):
        hits = [(c, rules or (threshold is not None and s >= threshold)) for c, rules, s in scored]
        found = sum(1 for c, hit in hits if c and hit)
        false = sum(1 for c, hit in hits if not c and hit)
        section.add("rules alone" if threshold is None else f"{threshold:.2f}",
                    f"{found / max(crisis, 1):.3f} ({found}/{crisis})",
                    f"{false / max(everyday, 1):.3f} ({false}/{everyday})")
    threshold = content.crisis.model_threshold
    section.notes.append(f"shipped threshold: {threshold} (`model:` in intents/crisis.yaml)")
    return [section]
