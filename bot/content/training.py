"""The training corpus (`intents/training/*.yaml`): messages that teach the learned model.

Each file holds one category of messages people write, at risk or not, as Rasa's training data
does: an operator fixes a miss by adding the message to the category it belongs to.

    version: 1
    training:
      category: means          # what kind of message: lower_case_with_underscores
      crisis: true             # true: must reach the support lines; false: an everyday message
      examples:
        vi: [...]
        en: [...]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.content.fields import identifier, per_language
from bot.content.problems import Problem
from bot.content.yamlio import Node
from bot.core.language import LANGUAGES
from bot.core.models import TrainingExample

TRAINING_FIELDS = {"category", "crisis", "examples"}


def read_training(node: Node) -> list[TrainingExample]:
    if not node.expect_map("training"):
        return []
    node.allow_keys(TRAINING_FIELDS, "training")
    category_node = node.require("category", "training")
    category = identifier(category_node, "the category") if category_node else ""
    crisis_node = node.require("crisis", "training")
    crisis = crisis_node.boolean("crisis") if crisis_node else False
    examples = node.require("examples", "training")
    texts = per_language(examples, "examples") if examples else {}
    return [TrainingExample(text, crisis, category, lang, node.path, line)
            for lang in LANGUAGES for text, line in texts.get(lang, ())]


def check_training(examples: Iterable[TrainingExample], key: Callable[[str], str]) -> list[Problem]:
    """The same message twice, or once as crisis and once as everyday."""
    seen: dict[str, TrainingExample] = {}
    found = []
    for example in examples:
        first = seen.setdefault(key(example.text), example)
        if first is example:
            continue
        if first.crisis != example.crisis:
            found.append(Problem(example.path, example.line, f"'{example.text}' is also in {first.path}:"
                                 f"{first.line} with `crisis: {str(first.crisis).lower()}`; keep it in the "
                                 "category it belongs to"))
        else:
            found.append(Problem(example.path, example.line, f"'{example.text}' is already in {first.path}:"
                                 f"{first.line}; remove one"))
    return found
