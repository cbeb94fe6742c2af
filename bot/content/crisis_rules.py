"""`crisis.yaml` and the guards (`guards:` files) into plain `CrisisRules`, checked as written.

What needs only the text is checked here (a `*` in a crisis phrase, the shape of a `together`
entry, every rule with its examples); what needs the words once normalised is checked where
the rules are compiled (`bot.core.crisis_rules.compile_rules`), and both come back as
`file:line` problems.
"""

from __future__ import annotations

from typing import cast

from bot.content.activities import Reference, references
from bot.content.fields import ID_PATTERN, identifier, ids, localised, open_item, per_language
from bot.content.resources import clock_time
from bot.content.yamlio import Node
from bot.core.concepts import SCOPES, Scope
from bot.core.crisis_rules import (
    CombinationSpec,
    ConceptSpec,
    ContextSpec,
    CrisisRules,
    GuardSpec,
    RuleSpec,
    TogetherEntry,
    Written,
)
from bot.core.detectors import LEVELS, Level
from bot.core.language import LANGUAGES, Language
from bot.core.models import CrisisCase, CrisisContent, Hotline, Localised
from bot.core.phrases import WILDCARD

CRISIS_FIELDS = {"intents", "resources", "lookalikes", "fillers", "negations", "others", "first_person",
                 "concepts", "rules", "contexts", "replies", "buttons", "after_safe", "check_in_times",
                 "model"}
MODEL_FIELDS = {"threshold"}
THRESHOLDS = (0.5, 0.99)  # below a half the model would speak for messages it thinks everyday
RULE_FIELDS = {"id", "level", "about_other", "phrases", "together", "when", "scope", "examples",
               "not_examples"}
CONTEXT_FIELDS = {"id", "when", "unless", "scope", "silences", "topic", "examples"}
GUARD_FIELDS = {"id", "phrases", "examples"}
CRISIS_REPLY_KEYS = (
    "urgent_opening", "concern_opening", "other_opening", "not_emergency", "emergency_call",
    "lines_open", "lines_closed", "safe_question", "exercise", "keep_talking",
    "button_safe", "button_need_help", "emergency_first", "emergency_steps", "button_yes",
    "button_no", "button_unsaid", "ask_no", "ask_unsaid", "other_guidance", "other_call",
    "helper_question", "button_helper_ok", "button_helper_not_ok", "helper_ok", "across_opening",
    "ask_again", "safe_again",
)


def vocabulary(node: Node) -> dict[Language, list[str]]:
    """The texts of every crisis phrase and concept word, by language, for the language guesser:
    read before anything is checked, so it skips what is malformed rather than reporting it."""
    found: dict[Language, list[str]] = {lang: [] for lang in LANGUAGES}
    concepts = node.get("concepts")
    rules = node.get("rules")
    lists = list(concepts.value.values()) if concepts is not None and isinstance(concepts.value, dict) else []
    if rules is not None and isinstance(rules.value, list):
        lists += [r.get("phrases") for r in rules.value if isinstance(r, dict)]
    for by_language in lists:
        for lang in LANGUAGES:
            items = by_language.get(lang) if isinstance(by_language, dict) else None
            if isinstance(items, list):
                found[lang].extend(p for p in items if isinstance(p, str))
    return found


def read_crisis(node: Node, guards: list[Node], hotlines: dict[str, Hotline] | None,
                buttons: list[Reference]) -> CrisisContent | None:
    """`hotlines` is None while a file is unread: its references cannot be checked yet."""
    if not node.expect_map("crisis"):
        return None
    node.allow_keys(CRISIS_FIELDS, "crisis")

    def words(key: str) -> tuple[str, ...]:
        child = node.require(key, "crisis")
        return tuple(child.text_list(key)) if child else ()

    rules: list[RuleSpec] = []
    cases: list[CrisisCase] = []
    rules_node = node.require("rules", "crisis")
    for rule_node in rules_node.elements("rules") if rules_node else ():
        rule = _rule(rule_node, cases)
        if rule is not None:
            if any(r.id == rule.id for r in rules):
                rule_node.problem(f"crisis rule id '{rule.id}' is used twice")
            rules.append(rule)
    guard_specs = [g for guard_node in guards if (g := _guard(guard_node, cases)) is not None]
    concepts_node = node.get("concepts")
    concepts = _concepts(concepts_node) if concepts_node else ()
    contexts_node = node.get("contexts")
    contexts = tuple(c for item in (contexts_node.elements("contexts") if contexts_node else ())
                     if (c := _context(item, cases)) is not None)
    rule_ids = {r.id for r in rules}
    for context in contexts:
        for rule_id in context.silences:
            if rule_id not in rule_ids:
                node.problem(f"context '{context.id}' silences '{rule_id}', which is not a crisis rule id",
                             context.line)

    intent_ids: dict[Level, str] = {}
    ids_node = node.require("intents", "crisis")
    if ids_node and ids_node.expect_map("crisis intents"):
        ids_node.allow_keys(set(LEVELS), "crisis intents")
        for level in LEVELS:
            child = ids_node.require(level, "crisis intents")
            intent_ids[level] = identifier(child, f"the {level} intent id") if child else level
    replies: dict[str, Localised] = {}
    replies_node = node.require("replies", "crisis")
    if replies_node and replies_node.expect_map("crisis replies"):
        replies_node.allow_keys(set(CRISIS_REPLY_KEYS), "crisis replies")
        for key in CRISIS_REPLY_KEYS:
            child = replies_node.require(key, "crisis replies")
            replies[key] = localised(child, f"crisis reply '{key}'") if child else Localised("", "")
    resources = ids(node.require("resources", "crisis"), "resources")
    for rid in resources:
        if hotlines is not None and rid not in hotlines:
            node.problem(f"crisis resource '{rid}' is not a hotline id in resources.yaml",
                         node.key_line("resources"))
    lookalikes = node.get("lookalikes")
    fillers = node.get("fillers")
    spec = CrisisRules(
        rules=tuple(rules), guards=tuple(guard_specs),
        lookalikes=tuple(lookalikes.text_list("lookalikes")) if lookalikes else (),
        fillers=tuple(Written(text, item.path, item.line) for item in (fillers.elements("fillers") if fillers
                                                                      else ())
                      if (text := item.text("a filler"))),
        negations=words("negations"), others=words("others"), first_person=words("first_person"),
        concepts=concepts, contexts=contexts)
    times_node = node.get("check_in_times")
    check_in_times = tuple(sorted(t for t in (clock_time(item, "a check-in time") for item in
                                              (times_node.elements("check_in_times") if times_node else ()))
                                  if t is not None))
    return CrisisContent(spec, intent_ids, resources, replies, tuple(cases),
                         references(node.get("buttons"), "buttons", buttons), check_in_times,
                         references(node.require("after_safe", "crisis"), "after_safe", buttons),
                         _threshold(node.get("model")))


def _threshold(node: Node | None) -> float:
    """`model: {threshold: 0.6}`: the score from which the learned model raises a message."""
    if node is None or not node.expect_map("model"):
        return THRESHOLDS[0]
    node.allow_keys(MODEL_FIELDS, "model")
    child = node.get("threshold")
    value = child.value if child is not None else THRESHOLDS[0]
    if child is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                              or not THRESHOLDS[0] <= value <= THRESHOLDS[1]):
        child.problem(f"threshold {value!r} is not a number from {THRESHOLDS[0]} to {THRESHOLDS[1]}; "
                      "write one such as 0.6")
        return THRESHOLDS[0]
    return float(value)


def _rule(node: Node, cases: list[CrisisCase]) -> RuleSpec | None:
    rule_id = open_item(node, RULE_FIELDS, "crisis rule")
    if rule_id is None:
        return None
    level_node = node.require("level", f"crisis rule '{rule_id}'")
    level = level_node.text("level") if level_node else "urgent"
    if level_node and level not in LEVELS:
        level_node.problem(f"level '{level}' is unknown; write one of: {', '.join(LEVELS)}")
        level = "urgent"
    about = node.get("about_other")
    together_node = node.get("together")
    together = [entry for item in (together_node.elements("together") if together_node else ())
                if (text := item.text("an item of together")) and (entry := _together(text, item))]
    phrases: list[Written] = []
    when = _when(node, "when")
    phrases_node = (node.get("phrases") if when or together
                    else node.require("phrases", f"crisis rule '{rule_id}'"))
    for items in (per_language(phrases_node, "phrases") if phrases_node else {}).values():
        for text, line in items:
            if WILDCARD in text:
                node.problem(f"phrase '{text}' has a `*`; a crisis phrase lists its words, and "
                             "small words in between are `fillers`; `*` goes only in guards", line)
            else:
                phrases.append(Written(text, node.path, line))
    _cases(node, "examples", cast(Level, level), rule_id, cases)
    _cases(node, "not_examples", None, rule_id, cases)
    if not node.get("examples"):
        node.problem(f"crisis rule '{rule_id}' has no examples; add messages that must trigger it")
    return RuleSpec(rule_id, cast(Level, level), about.boolean("about_other") if about else False,
                    tuple(phrases), tuple(together), when, _scope(node))


def _scope(node: Node) -> Scope:
    child = node.get("scope")
    if child is None:
        return "sentence"
    scope = child.text("scope")
    if scope not in SCOPES:
        child.problem(f"scope '{scope}' is unknown; write one of: {', '.join(SCOPES)}")
        return "sentence"
    return scope


def _when(node: Node, key: str) -> tuple[CombinationSpec, ...]:
    """`intend | prepare + ingest + poison`: slots joined by `+`, each a choice of concepts."""
    child = node.get(key)
    found = []
    for item in child.elements(key) if child else ():
        text = item.text(f"an item of {key}")
        slots = tuple(tuple(c.strip() for c in slot.split("|") if c.strip()) for slot in text.split("+"))
        if not text:
            continue
        if any(not slot for slot in slots):
            item.problem(f"'{text}' has an empty slot; write a concept name between each `+`")
            continue
        found.append(CombinationSpec(Written(text, item.path, item.line), slots))
    return tuple(found)


def _concepts(node: Node) -> tuple[ConceptSpec, ...]:
    """`concepts:` a mapping of names to `vi:`/`en:` lists of phrases."""
    if not node.expect_map("concepts"):
        return ()
    found = []
    for name, value in node.items():
        if not ID_PATTERN.match(name):
            value.problem(f"concept name '{name}' must be lower-case letters, digits and _")
            continue
        texts = per_language(value, f"concept '{name}'")
        written = {lang: tuple(Written(text, value.path, line) for text, line in texts.get(lang, ()))
                   for lang in LANGUAGES}
        found.append(ConceptSpec(name, written["vi"], value.path, value.line, written["en"]))
    return tuple(found)


def _context(node: Node, cases: list[CrisisCase]) -> ContextSpec | None:
    context_id = open_item(node, CONTEXT_FIELDS, "context")
    if context_id is None:
        return None
    when = _when(node, "when")
    if not when:
        node.problem(f"context '{context_id}' has no `when`; write the concepts that make it hold")
    topic = node.get("topic")
    silences = ids(node.get("silences"), "silences")
    _cases(node, "examples", None, context_id, cases, frozenset(silences) if topic is None else frozenset())
    if not node.get("examples"):
        node.problem(f"context '{context_id}' has no examples; add messages it must keep from escalating")
    return ContextSpec(context_id, when, _scope(node), _when(node, "unless"), silences,
                       identifier(topic, "the context's topic") if topic else None, node.path, node.line)


def _together(text: str, item: Node) -> TogetherEntry | None:
    """`thuốc ngủ | thuốc + chết | tự tử`: groups joined by `+`, each a choice of phrases
    joined by `|`; one phrase of every group must stand in one clause."""
    groups: list[tuple[str, ...]] = []
    for group in text.split("+"):
        choices = tuple(c.strip() for c in group.split("|") if c.strip())
        if not choices:
            item.problem(f"together '{text}' has an empty group; write a phrase between each `+`")
            return None
        if any(WILDCARD in c for c in choices):
            item.problem(f"together '{text}' has a `*`; each group lists its phrases, joined by `|`")
            return None
        groups.append(choices)
    if len(groups) < 2:
        item.problem(f"together '{text}' has one group; join two or more with `+` "
                     "(`thuốc ngủ | thuốc + chết`), or write it under `phrases`")
        return None
    return TogetherEntry(Written(text, item.path, item.line), tuple(groups))


def _cases(node: Node, key: str, expect: Level | None, owner: str, cases: list[CrisisCase],
           not_by: frozenset[str] = frozenset()) -> None:
    child = node.get(key)
    if child is None:
        return
    for item in child.elements(key):
        text = item.text(f"an item of {key}")
        if text:
            cases.append(CrisisCase(text, expect, owner, item.path, item.line, not_by))


def _guard(node: Node, cases: list[CrisisCase]) -> GuardSpec | None:
    guard_id = open_item(node, GUARD_FIELDS, "guard")
    if guard_id is None:
        return None
    phrases_node = node.require("phrases", f"guard '{guard_id}'")
    phrases = tuple(Written(text, item.path, item.line)
                    for item in (phrases_node.elements("phrases") if phrases_node else ())
                    if (text := item.text("a guard phrase")))
    _cases(node, "examples", None, guard_id, cases)
    if not node.get("examples"):
        node.problem(f"guard '{guard_id}' has no examples; add messages it must keep from escalating")
    return GuardSpec(guard_id, phrases)
