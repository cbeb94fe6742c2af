"""The learned models' teaching, gathered from the content, and their training at load.

The crisis model (`bot.core.model`). At risk (1): every crisis rule's examples and the crisis
half of the training corpus. Not at risk (0): every topic's examples, every look-alike
(`not_examples`), guard and context example, and the everyday half of the corpus. A context
example that only some rules may not decide ("định uống hết lọ thuốc ngủ rồi" is urgent, not
emergency) still escalates, so it is left out.

The topic classifier (`bot.core.topic_model`): every topic's examples, labelled with their topic.
Both are trained from one pass of feature making: the topics' examples are among the crisis
model's. A failure to train is never a failure to load: the bot runs on the rules and the
matcher alone, and says so loudly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.content.problems import Problem, Severity
from bot.core.model import Labelled, LearnedDetector, feature_rows, train_rows
from bot.core.models import Content
from bot.core.normalise import Normalised
from bot.core.topic_model import MAX_TOPICS, TopicModel, train_topics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Learned:
    crisis: LearnedDetector | None
    topics: TopicModel | None
    problems: tuple[Problem, ...] = field(default=())


def _cases(content: Content) -> list[Labelled]:
    return [Labelled(case.text, case.expect is not None) for case in content.crisis.cases if not case.not_by]


def _topics(content: Content) -> list[tuple[str, str]]:
    return [(e.text, intent.id) for intent in content.intents for e in intent.examples]


def teaching(content: Content) -> list[Labelled]:
    """The crisis model's examples, in the order it is trained on them."""
    return [*_cases(content), *(Labelled(text, False) for text, _ in _topics(content)),
            *(Labelled(e.text, e.crisis) for e in content.training)]


def learn(content: Content, normalise: Callable[[str], Normalised] | None = None) -> Learned:
    """Both models, each None with a warning when it cannot be trained; `normalise` may remember
    texts already normalised."""
    examples = teaching(content)
    read = normalise or content.normalise
    try:
        rows = feature_rows(read(e.text) for e in examples)
    except Exception as exc:  # a model that cannot be trained must not stop the rules from running
        return Learned(None, None, (_failed("the learned models", exc),))
    problems: list[Problem] = []
    try:
        crisis: LearnedDetector | None = train_rows(examples, rows, content.crisis.model_threshold)
    except Exception as exc:
        crisis = None
        problems.append(_failed("the learned crisis model", exc))
    start, topics = len(_cases(content)), _topics(content)
    topic_model: TopicModel | None = None
    if len(content.intents) > MAX_TOPICS:
        problems.append(Problem("intents/", 0, f"{len(content.intents)} topics: the topic classifier is "
                                f"trained for at most {MAX_TOPICS}, so the matcher alone finds topics",
                                Severity.WARNING))
    else:
        try:
            topic_model = train_topics(rows[start:start + len(topics)], [intent for _, intent in topics])
        except Exception as exc:
            problems.append(_failed("the topic classifier", exc))
    return Learned(crisis, topic_model, tuple(problems))


def _failed(what: str, exc: Exception) -> Problem:
    log.exception("%s could not be trained; the bot runs without it", what)
    return Problem("intents/", 0, f"{what} could not be trained ({exc!r}); the bot runs without it "
                   "(the crisis rules and the matcher still decide)", Severity.WARNING)
