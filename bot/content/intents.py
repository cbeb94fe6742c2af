"""Topics (`intent:` files): what people write, the reply, and the checks across them.

Examples are read in a first pass, before the normaliser exists (their words teach it which
words are Vietnamese and which English), and turned into an `Intent` in the second.
"""

from __future__ import annotations

import re

from bot.content.activities import Reference, references
from bot.content.fields import identifier, ids, localised, optional_localised, per_language
from bot.content.problems import Problem
from bot.content.yamlio import Node
from bot.core.commands import intent_ids
from bot.core.language import LANGUAGES, Language
from bot.core.models import Example, Fact, Hotline, Intent, Localised
from bot.core.normalise import folded_words
from bot.core.replies import COMMAND_LIST

INTENT_FIELDS = {"id", "title", "examples", "reply", "resources", "buttons", "menu", "threshold",
                 "not_when_negated", "more"}
MIN_EXAMPLE_CHARS = 3
# Intent ids the bot opens itself: the commands' topics, and the reply about someone else at risk.
REQUIRED_INTENTS = (*intent_ids(), "greeting", "hotlines", "help_someone_else")

# Each example as read in the first pass: its text, line and folded words, by language.
Examples = dict[Language, list[tuple[str, int, list[str]]]]


def read_examples(node: Node) -> Examples | None:
    """The first pass over one intent; None when it is not a mapping at all."""
    if not node.expect_map("intent"):
        return None
    node.allow_keys(INTENT_FIELDS, "an intent")
    examples = node.require("examples", "the intent")
    texts = per_language(examples, "examples") if examples else {"vi": [], "en": []}
    return {lang: [(text, line, folded_words(text)) for text, line in texts[lang]] for lang in LANGUAGES}


def intent(node: Node, parsed: Examples, buttons: list[Reference]) -> Intent:
    id_node = node.require("id", "the intent")
    intent_id = identifier(id_node, "the intent id") if id_node else ""
    title = node.require("title", f"intent '{intent_id}'")
    reply = node.require("reply", f"intent '{intent_id}'")
    examples_node = node.get("examples")
    examples = []
    for lang in LANGUAGES:
        if examples_node and not parsed[lang]:
            examples_node.problem(f"intent '{intent_id}' has no {lang} examples; add at least one")
        for text, line, words in parsed[lang]:
            if len("".join(words)) < MIN_EXAMPLE_CHARS:
                node.problem(f"example '{text}' is too short to match safely; "
                             f"write at least {MIN_EXAMPLE_CHARS} letters", line)
            examples.append(Example(text, lang, line))
    if reply is not None:
        _check_placeholders(reply)
    threshold_node = node.get("threshold")
    menu_node = node.get("menu")
    negated_node = node.get("not_when_negated")
    return Intent(
        id=intent_id,
        title=localised(title, "title") if title else Localised("", ""),
        examples=tuple(examples),
        reply=localised(reply, "reply") if reply else Localised("", ""),
        resources=ids(node.get("resources"), "resources"),
        buttons=references(node.get("buttons"), "buttons", buttons),
        menu=identifier(menu_node, "the menu group") if menu_node else None,
        threshold=threshold_node.integer("threshold", 50, 100) if threshold_node else None,
        not_when_negated=negated_node.boolean("not_when_negated") if negated_node else False,
        path=node.path,
        line=node.line,
        more=optional_localised(node, "more", f"intent '{intent_id}'"),
    )


def _check_placeholders(reply: Node) -> None:
    for lang, text in reply.items():
        unknown = [p for p in re.findall(r"\{[^{}]*\}", str(text.value)) if p != COMMAND_LIST]
        if unknown:
            text.problem(f"the reply ({lang}) has {unknown[0]}, which the bot does not fill in; a "
                         f"topic's reply may hold only {COMMAND_LIST} (the list of commands)")


def check_duplicates(intents: tuple[Intent, ...], crisis_ids: set[str], problems: list[Problem]) -> None:
    seen: dict[str, Intent] = {}
    for item in intents:
        if item.id in seen:
            problems.append(Problem(item.path, item.line, f"intent id '{item.id}' is already "
                                    f"used in {seen[item.id].path}:{seen[item.id].line}"))
        if item.id in crisis_ids:
            problems.append(Problem(item.path, item.line, f"'{item.id}' is the crisis intent "
                                    "id; crisis replies come from crisis.yaml, pick another id"))
        seen[item.id] = item


def check_references(intents: tuple[Intent, ...], hotlines: dict[str, Hotline],
                     facts: dict[str, Fact], problems: list[Problem]) -> None:
    for item in intents:
        for rid in item.resources:
            if rid not in hotlines and rid not in facts:
                problems.append(Problem(item.path, item.line, f"intent '{item.id}' refers to "
                                        f"resource '{rid}', which resources.yaml does not define"))
    defined = {item.id for item in intents}
    for required in REQUIRED_INTENTS:
        if required not in defined:
            problems.append(Problem("intents/", 0, f"intent '{required}' is missing; "
                                    "the bot's commands open it"))
