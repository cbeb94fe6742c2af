"""The learned second opinion's teaching, gathered from the content, and its training at load.

At risk (1): every crisis rule's examples and the crisis half of the training corpus. Not at
risk (0): every topic's examples, every look-alike (`not_examples`), guard and context example,
and the everyday half of the corpus. A context example that only some rules may not decide
("định uống hết lọ thuốc ngủ rồi" is urgent, not emergency) still escalates, so it is left
out. A failure to train is never a failure to load: the bot runs on the rules alone, and says
so loudly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.content.problems import Problem, Severity
from bot.core.model import Labelled, LearnedDetector, train
from bot.core.models import Content
from bot.core.normalise import Normalised

log = logging.getLogger(__name__)


def teaching(content: Content) -> list[Labelled]:
    examples = [Labelled(case.text, case.expect is not None)
                for case in content.crisis.cases if not case.not_by]
    examples += [Labelled(e.text, False) for intent in content.intents for e in intent.examples]
    examples += [Labelled(e.text, e.crisis) for e in content.training]
    return examples


def learn(content: Content, normalise: Callable[[str], Normalised] | None = None
          ) -> tuple[LearnedDetector | None, list[Problem]]:
    """The model, or None and the warning; `normalise` may remember texts already normalised."""
    examples = teaching(content)
    read = normalise or content.normalise
    try:
        normalised = (read(e.text) for e in examples)
        detector = train(examples, normalised, content.crisis.model_threshold)
    except Exception as exc:  # a model that cannot be trained must not stop the rules from running
        log.exception("the learned model could not be trained; the bot runs on the crisis rules alone")
        return None, [Problem("intents/training/", 0, f"the learned model could not be trained ({exc!r}); "
                              "the bot runs on the crisis rules alone", Severity.WARNING)]
    return detector, []
