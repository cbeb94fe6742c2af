"""The learned topic classifier: which topic a message is about, in words no example uses.

The matcher (`bot.core.matcher`) finds a topic when some example is close to the message;
people's own words often are not ("3h sáng mà mắt vẫn thao láo" is about sleep, and no example
says it so). This classifier is trained at load from the same intent examples, on the features
of the crisis model (`bot.core.model.features`: character n-grams of the folded words, words and
word pairs), so it knows "thao láo" from "thức" and "mắt" and it needs nothing new written.

It is multinomial logistic regression (softmax) by full-batch gradient descent (Adam) from
zero, a fixed number of steps, so the same content always gives the same model. It has no bias
term, for what it must not do: a message none of whose features it has seen scores every topic
alike (1 / number of topics), far below `CONFIDENCE`, and stays with the fallback (with a bias,
the cross-validation figures were the same).

Policy (`bot.core.engine`): the matcher decides; the classifier speaks only where the matcher
found nothing over its threshold, and only when it gives one topic `CONFIDENCE` or more.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from bot.core.model import features
from bot.core.normalise import Normalised

STEPS = 40
LEARNING_RATE = 0.2
L2 = 1e-3
MIN_DOCS = 2  # a feature must occur in this many examples
# Chosen by cross-validation on the intent examples, with the dev set's and the paraphrases'
# out-of-scope messages kept at the fallback (python -m bench --only topics; docs/evaluation.md).
# 0.60 until 2026-12-03: with 1,478 examples it let two more out-of-scope messages through.
CONFIDENCE = 0.7
# When the matcher's best candidate, short of its own threshold, names the same topic, two
# readings agree and the classifier speaks from here. The same bench: 0.634 held out against
# 0.600 at 0.70 alone, the out-of-scope paraphrases kept alike; 0.30 and 0.40 did better held
# out but let out-of-scope messages of topic batches 3 and 4 through.
BACKED_CONFIDENCE = 0.5
SHOWN = 5  # features `try` prints
# Training holds several features x topics matrices: 2,800 topics (the x100 scaling bench) took
# 3.8 GB and 30 s. Beyond this many topics the matcher finds topics alone.
MAX_TOPICS = 200


@dataclass(frozen=True, slots=True)
class TopicGuess:
    intent: str
    probability: float
    weighed: tuple[tuple[str, float], ...]  # the features that weighed most for it
    threshold: float  # the probability from which it speaks
    backed: bool = False  # the matcher's best candidate names the same topic (threshold lowered)

    @property
    def heard(self) -> bool:
        return self.probability >= self.threshold


@dataclass(frozen=True, repr=False)
class TopicModel:
    intents: tuple[str, ...]
    ids: dict[str, int]  # feature -> row of `weights`
    weights: np.ndarray  # features x intents
    threshold: float = CONFIDENCE
    backed_threshold: float = BACKED_CONFIDENCE

    def __repr__(self) -> str:
        return f"TopicModel({len(self.intents)} topics, {len(self.ids)} features)"

    def guess(self, message: Normalised, matcher_best: str | None = None) -> TopicGuess | None:
        """The likeliest topic, whatever its probability; None for a message with no words.
        `matcher_best`: the matcher's best candidate; when it is the same topic the guess is
        heard from `backed_threshold`."""
        if not message.tokens or not self.intents:
            return None
        found = [f for f in features(message) if f in self.ids]
        rows = np.fromiter((self.ids[f] for f in found), dtype=np.int64, count=len(found))
        logits = self.weights[rows].sum(axis=0)
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        best = int(probabilities.argmax())
        column = self.weights[rows, best]
        top = np.argsort(-column, kind="stable")[:SHOWN]
        weighed = tuple((found[k], float(column[k])) for k in top.tolist() if column[k] > 0)
        backed = self.intents[best] == matcher_best
        threshold = min(self.threshold, self.backed_threshold) if backed else self.threshold
        return TopicGuess(self.intents[best], float(probabilities[best]), weighed, threshold, backed)

    def confident(self, message: Normalised, matcher_best: str | None = None) -> TopicGuess | None:
        """The likeliest topic when it reaches its threshold, else None."""
        guess = self.guess(message, matcher_best)
        return guess if guess is not None and guess.heard else None


def train_topics(rows: Sequence[Sequence[str]], labels: Sequence[str],
                 threshold: float = CONFIDENCE) -> TopicModel:
    """Softmax regression on binary features: `rows[k]` are the features of an example of the
    topic `labels[k]`, each once. Every topic weighs the same, however many examples it has."""
    intents = tuple(sorted(set(labels)))
    column = {intent: k for k, intent in enumerate(intents)}
    seen = Counter(chain.from_iterable(rows))
    ids = {f: n for n, f in enumerate(f for f, count in seen.items() if count >= MIN_DOCS)}
    kept = [[ids[f] for f in row if f in ids] for row in rows]
    lengths = np.fromiter(map(len, kept), dtype=np.int64, count=len(kept))
    flat = np.fromiter(chain.from_iterable(kept), dtype=np.int64, count=int(lengths.sum()))
    classes = np.fromiter((column[label] for label in labels), dtype=np.int64, count=len(labels))
    weights = _fit(flat, lengths, classes, len(ids), len(intents))
    return TopicModel(intents, ids, weights, threshold)


def _fit(flat: np.ndarray, lengths: np.ndarray, classes: np.ndarray, size: int, topics: int) -> np.ndarray:
    """An example's features stand together in `flat`, `lengths` of them: the forward pass
    sums each example's rows of the weights with one `reduceat`; the gradient sums each
    feature's examples' errors with another, over the same pairs sorted by feature."""
    examples = len(lengths)
    weights = np.zeros((size, topics), dtype=np.float32)
    if not examples or not topics or not len(flat):
        return weights
    targets = np.zeros((examples, topics), dtype=np.float32)
    targets[np.arange(examples), classes] = 1.0
    per_topic = targets.sum(axis=0)
    balance = (examples / (topics * per_topic))[classes].astype(np.float32) / examples
    nonempty = lengths > 0
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))[nonempty]
    row_of = np.repeat(np.arange(examples), lengths)
    order = np.argsort(flat, kind="stable")
    by_feature, their_rows = flat[order], row_of[order]
    feature_starts = np.flatnonzero(np.concatenate(([True], by_feature[1:] != by_feature[:-1])))
    present = by_feature[feature_starts]
    m, v = np.zeros_like(weights), np.zeros_like(weights)
    logits = np.zeros((examples, topics), dtype=np.float32)
    beta1, beta2 = 0.9, 0.999
    for step in range(1, STEPS + 1):
        logits[~nonempty] = 0.0  # an example with no feature scores every topic alike
        logits[nonempty] = np.add.reduceat(weights[flat], starts, axis=0)
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        error = (logits - targets) * balance[:, None]
        gradient = L2 * weights
        gradient[present] += np.add.reduceat(error[their_rows], feature_starts, axis=0)
        m *= beta1
        m += (1 - beta1) * gradient
        v *= beta2
        v += (1 - beta2) * gradient * gradient
        weights -= LEARNING_RATE * (m / (1 - beta1 ** step)) / (np.sqrt(v / (1 - beta2 ** step)) + 1e-8)
    return weights
