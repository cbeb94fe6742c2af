"""The learned second opinion: a linear model over character and word n-grams, trained at load.

It is trained from the content itself (the crisis examples and the crisis half of the training
corpus against every other example: topics, guards, look-alikes, contexts and the everyday
half of the corpus), so an operator teaches it by adding an example, as with the rules. The
features are the message as normalised (teencode written out, repeats squeezed): character
3- and 4-grams of each of its folded words (with the spaces around it, so a word's start and
end count), its folded words and word pairs, and the pairs of words it typed with diacritics as
typed. Training is logistic
regression by full-batch gradient descent (Adam) from zero, a fixed number of steps: the same
content always gives the same model. Features seen in only one example are left out.

The model never decides alone: `bot.core.detectors.combine` lets it raise a message the rules
leave silent, to concern.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain, count, pairwise
from operator import itemgetter
from typing import ClassVar

import numpy as np

from bot.core.detectors import Finding, Signal
from bot.core.normalise import Normalised

GRAMS = (3, 4)
MIN_DOCS = 2  # a feature must occur in this many examples
STEPS = 80
LEARNING_RATE = 0.05
L2 = 1e-4
# Shorter messages are left to the rules: there the model has too few n-grams to go on and
# raised everyday replies ("mình đang cố gắng rồi"), while short crisis messages are the
# explicit ones the rules catch. Measured: it cost 1 of 1,490 crisis messages of the corpus in
# cross-validation (python -m bench --only model).
MIN_WORDS = 6
MAX_FEATURES_PER_MESSAGE = 4000  # a paragraph's n-grams are counted up to here: bounded time


def grams(word: str) -> tuple[str, ...]:
    """A word's character n-grams, the spaces around it included."""
    padded = f" {word} "
    return tuple(padded[i:i + n] for n in GRAMS for i in range(len(padded) - n + 1))


def features(message: Normalised, grams_of: Callable[[str], tuple[str, ...]] = grams) -> list[str]:
    """The message's features, each once, in the order they are made (so training, which
    numbers them as it meets them, is the same run after run). `grams_of` may remember words:
    training meets the same few thousand words in every message."""
    words = [t.folded for t in message.tokens]
    found = [f"w {w}" for w in words]
    found += [f"b {a} {b}" for a, b in pairwise(words)]
    # Typed with diacritics, the words as written too: folded, "từ từ" (slowly) is "tự tử".
    marked = [t.text if t.strict else "" for t in message.tokens]
    found += [f"a {a} {b}" for a, b in pairwise(marked) if a and b]
    for word in dict.fromkeys(words):
        found += grams_of(word)
        if len(found) > MAX_FEATURES_PER_MESSAGE:
            break
    return list(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class Labelled:
    text: str
    crisis: bool


@dataclass(frozen=True)
class LearnedDetector:
    """A trained model: a weight per feature, a bias, and the score above which it speaks."""

    name: ClassVar[str] = "model"
    weights: dict[str, float]
    bias: float
    threshold: float
    examples: int = 0  # how many it was trained on
    _top: int = field(default=5, repr=False)

    def score(self, message: Normalised) -> tuple[float, list[tuple[str, float]]]:
        """The probability it gives the message, and the features that weighed most for it."""
        present = [(f, w) for f in features(message) if (w := self.weights.get(f)) is not None]
        z = self.bias + sum(w for _, w in present)
        probability = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
        # Stable like a sort: of equal weights, the feature met first.
        return probability, heapq.nlargest(self._top, present, key=itemgetter(1))

    def check(self, message: Normalised) -> Finding:
        if not message.tokens:
            return Finding(self.name, None)
        probability, top = self.score(message)
        grams = ", ".join(f"{shown(f)} {w:+.2f}" for f, w in top)
        evidence = (f"model:       {probability:.2f} (speaks at {self.threshold:.2f}); "
                    f"weighed most: {grams}",)
        if len(message.tokens) < MIN_WORDS:
            return Finding(self.name, None, (*evidence, f"model:       not heard: under {MIN_WORDS} words"))
        if probability < self.threshold:
            return Finding(self.name, None, evidence)
        signal = Signal("concern", "model", f"{probability:.2f}", False, False, False)
        return Finding(self.name, signal, evidence)


def shown(feature: str) -> str:
    """A feature as `try` prints it: a word or a pair of words in quotes, letters in brackets
    with `_` for the space around words."""
    if feature.startswith(("w ", "b ", "a ")):
        return f"'{feature[2:]}'"
    return f"[{feature.replace(' ', '_')}]"


def feature_rows(normalised: Iterable[Normalised]) -> list[list[str]]:
    """Each message's features. Training meets the same few thousand words in every message, so
    each word's n-grams are made once."""
    known: dict[str, tuple[str, ...]] = {}
    remembered = lambda word: known.get(word) or known.setdefault(word, grams(word))  # noqa: E731
    return [features(m, remembered) for m in normalised]


def train(examples: Sequence[Labelled], normalise: Iterable[Normalised], threshold: float) -> LearnedDetector:
    """Logistic regression on binary features; `normalise` yields each example normalised."""
    return train_rows(examples, feature_rows(normalise), threshold)


def train_rows(examples: Sequence[Labelled], rows: Sequence[Sequence[str]],
               threshold: float) -> LearnedDetector:
    """As `train`, from each example's features (`feature_rows`)."""
    # Numbered in the order first met; counted and looked up by C code (Counter, map), since
    # the corpus has hundreds of thousands of features.
    seen = Counter(chain.from_iterable(rows))  # a row holds each feature once: a document count
    ids = dict(zip(seen, count()))
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    numbered = np.fromiter(map(ids.__getitem__, chain.from_iterable(rows)), dtype=np.int64,
                           count=int(lengths.sum()))
    kept = np.fromiter(seen.values(), dtype=np.int64, count=len(seen)) >= MIN_DOCS
    renumbered = np.cumsum(kept) - 1
    keep = kept[numbered]
    flat = renumbered[numbered][keep]
    row_of = np.repeat(np.arange(len(rows)), lengths)[keep]
    kept_lengths = np.bincount(row_of, minlength=len(rows))
    labels = np.array([1.0 if e.crisis else 0.0 for e in examples])
    # Each class weighs as much as the other, however many examples each has.
    positives = max(labels.sum(), 1.0)
    negatives = max(len(labels) - labels.sum(), 1.0)
    balance = np.where(labels == 1.0, len(labels) / (2 * positives), len(labels) / (2 * negatives))
    w, bias = _fit(flat, row_of, kept_lengths, labels, balance, int(kept.sum()))
    names = [f for f, n in ids.items() if kept[n]]
    weights = {f: float(x) for f, x in zip(names, w, strict=True) if abs(x) > 1e-4}
    return LearnedDetector(weights, bias, threshold, len(examples))


def _fit(flat: np.ndarray, row_of: np.ndarray, lengths: np.ndarray, labels: np.ndarray,
         balance: np.ndarray, size: int) -> tuple[np.ndarray, float]:
    """`flat[k]` is a feature of example `row_of[k]`; each example's features stand together,
    `lengths` of them, so an example's sum is one `reduceat` (four times faster than
    `bincount`). An example left with no feature sums to zero."""
    w = np.zeros(size)
    bias = 0.0
    m, v = np.zeros(size + 1), np.zeros(size + 1)
    beta1, beta2 = 0.9, 0.999
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    empty = lengths == 0
    gathered = np.zeros(len(flat) + 1)  # one zero past the end, where trailing empty examples start
    for step in range(1, STEPS + 1):
        np.take(w, flat, out=gathered[:-1])
        sums = np.add.reduceat(gathered, starts)
        sums[empty] = 0.0
        sums += bias
        predictions = 1.0 / (1.0 + np.exp(-np.clip(sums, -30, 30)))
        error = (predictions - labels) * balance / len(labels)
        gradient = np.bincount(flat, weights=error[row_of], minlength=size) + L2 * w
        g = np.append(gradient, error.sum())
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        update = LEARNING_RATE * (m / (1 - beta1 ** step)) / (np.sqrt(v / (1 - beta2 ** step)) + 1e-8)
        w -= update[:-1]
        bias -= float(update[-1])
    return w, bias
