"""Reading `intents/*.yaml` and `resources.yaml` into `Content`, reporting every problem at once.

Each YAML file starts with `version: 1` and holds one kind of content under one key:
`intent`, `crisis`, `guards`, `teencode` or `messages` (see `intents/README.md`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, time
from pathlib import Path
from typing import Any, cast

from bot.content.activities import Reference, check_references, exercise, references, safety_plan
from bot.content.fields import identifier, localised, open_item
from bot.content.problems import ContentError, Problem, Severity, errors_in
from bot.content.yamlio import Node, load_file
from bot.core.commands import COMMANDS, intent_ids
from bot.core.crisis import LEVELS, CrisisDetector, CrisisRule, Level, Together
from bot.core.language import LANGUAGES, Language, LanguageGuesser
from bot.core.models import (
    COSTS,
    DAYS,
    Content,
    CrisisCase,
    CrisisContent,
    Example,
    Exercise,
    Fact,
    Hotline,
    Hours,
    Intent,
    Localised,
)
from bot.core.normalise import Normaliser, folded_words
from bot.core.phrases import WILDCARD, Phrase, PhraseSet, PhraseWord, WordSet, compile_phrase
from bot.core.replies import COMMAND_LIST, EXERCISES

VERSION = 1
KINDS = ("intent", "crisis", "guards", "teencode", "messages", "exercise", "safety_plan")
MIN_EXAMPLE_CHARS = 3
# Intent ids the bot opens itself: the commands' topics, and the reply about someone else at risk.
REQUIRED_INTENTS = (*intent_ids(), "greeting", "hotlines", "help_someone_else")
MESSAGE_KEYS = (
    "fallback", "error", "menu_title", "hotlines_heading", "open_now", "closed_now",
    "hours_always", "hours_days", "cost_free", "cost_caller_pays", "cost_standard", "day_names",
    "more_hotlines", "checkin_safe", "checkin_help",
    # the Telegram layer's own sentences
    "start", "privacy", "forget_confirm", "button_forget_yes", "button_forget_no", "forget_done",
    "forget_cancelled", "language_prompt", "language_set", "button_vi", "button_en", "non_text",
    "button_auto", "language_auto", "language_current_vi", "language_current_en",
    "language_current_auto", "group_hint", "rate_limited", "reload_ok", "reload_failed",
    *(c.description_key for c in COMMANDS),
    # exercises, the safety plan and check-ins
    "menu_exercises", "button_start", "button_next", "button_skip", "button_stop", "button_continue",
    "button_resend", "exercise_stopped", "exercise_busy", "activity_stop_words",
    "stale_button", "day_today", "day_tomorrow", "checkin_offer", "button_checkin_yes",
    "button_checkin_no", "checkin_scheduled", "button_checkin_cancel", "checkin_cancelled",
    "checkin_declined", "checkin_message", "button_checkin_better", "button_checkin_hard",
    "checkin_better", "checkin_hard",
    # the staff group's alerts and commands
    "staff_alert", "staff_excerpt", "staff_about_other", "staff_from_terminal", "staff_handled",
    "staff_label", "staff_reminder", "staff_needs_help", "staff_open_heading", "staff_none_open",
    "staff_stats_heading", "staff_stats_by_day", "staff_stats_by_trigger", "staff_stats_by_lang",
    "staff_note_added", "staff_note_usage", "staff_not_found", "staff_digest", "staff_digest_chart",
    "staff_spool_warning",
    *(f"staff_{kind}_{value}" for kind, values in (
        ("level", ("urgent", "concern")), ("status", ("new", "acknowledged", "resolved")),
        ("checkin", ("none", "safe", "needs_help")), ("label", ("real", "false_alarm")),
        ("button", ("ack", "resolve", "real", "false"))) for value in values),
)
CRISIS_REPLY_KEYS = (
    "urgent_opening", "concern_opening", "other_opening", "not_emergency", "emergency_call",
    "lines_open", "lines_closed", "safe_question", "exercise", "keep_talking",
    "button_safe", "button_need_help",
)


@dataclass
class _Raw:
    """Plain values read in the first pass, before the normaliser exists."""

    # Each intent with its examples, parsed once: (text, line, folded words) by language.
    intents: list[tuple[Node, dict[Language, list[tuple[str, int, list[str]]]]]] = field(
        default_factory=list)
    crisis: Node | None = None
    guards: list[Node] = field(default_factory=list)
    teencode: dict[Language, dict[str, str]] = field(default_factory=dict)
    messages: dict[str, Localised] = field(default_factory=dict)
    exercises: list[Node] = field(default_factory=list)
    safety_plan: Node | None = None
    vocab: dict[Language, list[str]] = field(default_factory=lambda: {"vi": [], "en": []})  # folded words


def content_files(intents_dir: Path) -> list[Path]:
    """The files content is loaded from, in the order they are read."""
    return sorted(p for p in intents_dir.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))


def load_content(intents_dir: Path, resources_path: Path) -> tuple[Content, list[Problem]]:
    """Load everything; raise ContentError listing every error. Returns content and warnings."""
    problems: list[Problem] = []
    raw = _Raw()
    files = content_files(intents_dir)
    if not files:
        problems.append(Problem(str(intents_dir), 0, "no .yaml files found in the intents folder"))
    unreadable: list[Path] = []
    for path in files:
        root = _open(path, problems, unreadable)
        if root is not None:
            _first_pass(root, raw)
    resources_root = _open(resources_path, problems, unreadable)
    # With a file unread, whatever it defines looks missing to every check across files: those
    # errors would bury the one that causes them, so they wait until every file reads.
    complete = not unreadable

    for lang, table in raw.teencode.items():
        raw.vocab[lang].extend(word for key in table for word in folded_words(key))
    guesser = LanguageGuesser.from_texts(raw.vocab["vi"], raw.vocab["en"])
    normalise = Normaliser({k: dict(v) for k, v in raw.teencode.items()}, guesser)

    hotlines, facts, do_not_list = _resources(resources_root, problems) if resources_root else ({}, {}, ())
    buttons: list[Reference] = []
    intents = tuple(_intent(node, parsed, buttons) for node, parsed in raw.intents)
    crisis = _crisis(raw, normalise, problems, hotlines if complete else None, buttons)
    exercises = _exercises(raw.exercises, buttons)
    plan = safety_plan(raw.safety_plan) if raw.safety_plan else None
    if raw.safety_plan is None and complete:
        problems.append(Problem(str(intents_dir), 0, "no safety plan: add safety_plan.yaml with a "
                                "`safety_plan:` section; /safetyplan needs it"))
    _check_duplicates(intents, crisis, problems)
    if complete:
        _check_messages(raw.messages, problems, files[0].parent / "messages.yaml" if files else intents_dir)
        _check_references(intents, hotlines, facts, problems)
        menus = {i.menu for i in intents if i.menu} | ({EXERCISES} if exercises else set())
        check_references(buttons, {i.id for i in intents}, set(exercises), menus, problems)
    if errors_in(problems) or crisis is None or plan is None:
        raise ContentError(problems)
    content = Content(intents, hotlines, facts, raw.messages, crisis, normalise, do_not_list,
                      exercises, plan)
    return content, [p for p in problems if p.severity is Severity.WARNING]


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


KNOCK_ON = (". Errors in other files may follow from this one; they are left out until this "
            "file reads")


def _open(path: Path, problems: list[Problem], unreadable: list[Path]) -> Node | None:
    try:
        root = load_file(path, _display(path))
    except ContentError as exc:
        unreadable.append(path)
        problems.extend(replace(p, message=p.message + KNOCK_ON) for p in exc.problems)
        return None
    root.problems = problems
    if not root.expect_map("the file"):
        return None
    version = root.get("version")
    if version is None:
        root.problem("missing `version: 1`; add it as the first line", 1)
    elif version.value != VERSION:
        version.problem(f"version is {version.value!r}; this bot reads `version: {VERSION}`")
    return root


def _first_pass(root: Node, raw: _Raw) -> None:
    kinds = [k for k in root.keys() if k != "version"]  # noqa: SIM118 (Node is not a dict)
    if len(kinds) != 1 or kinds[0] not in KINDS:
        root.problem(f"a content file holds exactly one of: {', '.join(KINDS)} "
                     f"(found: {', '.join(kinds) or 'nothing'})")
        return
    kind = kinds[0]
    node = root.get(kind)
    assert node is not None
    if kind == "intent":
        _intent_first_pass(node, raw)
    elif kind == "crisis":
        if raw.crisis is not None:
            node.problem(f"a second crisis file; crisis rules already come from {raw.crisis.path}")
        raw.crisis = node
        _crisis_vocab(node, raw)
    elif kind == "guards":
        raw.guards.extend(node.elements("guards"))
    elif kind == "teencode":
        _teencode(node, raw)
    elif kind == "exercise":
        raw.exercises.append(node)
    elif kind == "safety_plan":
        if raw.safety_plan is not None:
            node.problem(f"a second safety plan; the plan already comes from {raw.safety_plan.path}")
        raw.safety_plan = node
    else:
        for key, value in node.items():
            if key in raw.messages:
                value.problem(f"message '{key}' is defined twice")
            raw.messages[key] = localised(value, f"message '{key}'")


def _per_language(node: Node, what: str) -> dict[Language, list[tuple[str, int]]]:
    result: dict[Language, list[tuple[str, int]]] = {"vi": [], "en": []}
    if not node.expect_map(what):
        return result
    node.allow_keys(set(LANGUAGES), what)
    for lang in LANGUAGES:
        child = node.get(lang)
        if child is None:
            continue
        for item in child.elements(f"{what} ({lang})"):
            text = item.text(f"an item of {what} ({lang})")
            if text:
                result[lang].append((text, item.line))
    return result


def _teencode(node: Node, raw: _Raw) -> None:
    if not node.expect_map("teencode"):
        return
    node.allow_keys(set(LANGUAGES), "teencode")
    for lang, table in node.items():
        if lang not in LANGUAGES or not table.expect_map(f"teencode ({lang})"):
            continue
        target = raw.teencode.setdefault(lang, {})
        for word, expansion in table.items():
            if word != word.casefold() or " " in word:
                expansion.problem(f"teencode key '{word}' must be one lower-case word")
            if word in target:
                expansion.problem(f"teencode '{word}' is defined twice")
            target[word.casefold()] = expansion.text(f"the expansion of '{word}'").casefold()


INTENT_FIELDS = {"id", "title", "examples", "reply", "resources", "buttons", "menu", "threshold",
                 "not_when_negated"}


def _intent_first_pass(node: Node, raw: _Raw) -> None:
    if not node.expect_map("intent"):
        return
    node.allow_keys(INTENT_FIELDS, "an intent")
    examples = node.require("examples", "the intent")
    texts = _per_language(examples, "examples") if examples else {"vi": [], "en": []}
    parsed = {lang: [(text, line, folded_words(text)) for text, line in texts[lang]] for lang in LANGUAGES}
    for lang in LANGUAGES:
        raw.vocab[lang].extend(word for _, _, words in parsed[lang] for word in words)
    raw.intents.append((node, parsed))


def _ids(node: Node | None, what: str) -> tuple[str, ...]:
    if node is None:
        return ()
    return tuple(node.text_list(what))


def _exercises(nodes: list[Node], buttons: list[Reference]) -> dict[str, Exercise]:
    found: dict[str, Exercise] = {}
    for node in nodes:
        item = exercise(node, buttons)
        if item is None:
            continue
        if item.id in found:
            node.problem(f"exercise id '{item.id}' is already used in {found[item.id].path}")
        found[item.id] = item
    return found


def _intent(node: Node, parsed: dict[Language, list[tuple[str, int, list[str]]]],
            buttons: list[Reference]) -> Intent:
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
        resources=_ids(node.get("resources"), "resources"),
        buttons=references(node.get("buttons"), "buttons", buttons),
        menu=identifier(menu_node, "the menu group") if menu_node else None,
        threshold=threshold_node.integer("threshold", 50, 100) if threshold_node else None,
        not_when_negated=negated_node.boolean("not_when_negated") if negated_node else False,
        path=node.path,
        line=node.line,
    )


def _check_placeholders(reply: Node) -> None:
    for lang, text in reply.items():
        unknown = [p for p in re.findall(r"\{[^{}]*\}", str(text.value)) if p != COMMAND_LIST]
        if unknown:
            text.problem(f"the reply ({lang}) has {unknown[0]}, which the bot does not fill in; a "
                         f"topic's reply may hold only {COMMAND_LIST} (the list of commands)")


CRISIS_FIELDS = {"intents", "resources", "lookalikes", "fillers", "negations", "others", "first_person",
                 "rules", "replies", "buttons", "after_safe", "check_in_times"}
RULE_FIELDS = {"id", "level", "about_other", "phrases", "together", "examples", "not_examples"}
GUARD_FIELDS = {"id", "phrases", "examples"}


def _crisis_vocab(node: Node, raw: _Raw) -> None:
    rules = node.get("rules")
    if rules is None or not isinstance(rules.value, list):
        return
    for rule in rules.value:
        phrases = rule.get("phrases") if isinstance(rule, dict) else None
        if isinstance(phrases, dict):
            for lang in LANGUAGES:
                items = phrases.get(lang)
                if isinstance(items, list):
                    raw.vocab[lang].extend(word for p in items if isinstance(p, str)
                                           for word in folded_words(p))


def _crisis(raw: _Raw, normalise: Normaliser, problems: list[Problem],
            hotlines: dict[str, Hotline] | None, buttons: list[Reference]) -> CrisisContent | None:
    """`hotlines` is None while a file is unread: its references cannot be checked yet."""
    node = raw.crisis
    if node is None:
        if hotlines is not None:
            problems.append(Problem("intents/", 0, "no crisis rules: add intents/crisis.yaml "
                                    "with a `crisis:` section"))
        return None
    if not node.expect_map("crisis"):
        return None
    node.allow_keys(CRISIS_FIELDS, "crisis")

    def words(key: str) -> list[Phrase]:
        child = node.require(key, "crisis")
        return [compile_phrase(t, key, normalise) for t in child.text_list(key)] if child else []

    rules: dict[str, CrisisRule] = {}
    phrases: list[Phrase] = []
    cases: list[CrisisCase] = []
    sources: list[tuple[str, str, int]] = []
    together: list[Together] = []
    rules_node = node.require("rules", "crisis")
    for rule_node in rules_node.elements("rules") if rules_node else ():
        rule = _rule(rule_node, normalise, phrases, cases, sources, together)
        if rule is not None:
            if rule.id in rules:
                rule_node.problem(f"crisis rule id '{rule.id}' is used twice")
            rules[rule.id] = rule
    guard_phrases: list[Phrase] = []
    for guard_node in raw.guards:
        _guard(guard_node, normalise, guard_phrases, cases)

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
    resources = _ids(node.require("resources", "crisis"), "resources")
    for rid in resources:
        if hotlines is not None and rid not in hotlines:
            node.problem(f"crisis resource '{rid}' is not a hotline id in resources.yaml",
                         node.key_line("resources"))
    lookalikes_node = node.get("lookalikes")
    lookalikes = frozenset(
        form for text in (lookalikes_node.text_list("lookalikes") if lookalikes_node else [])
        for form in (normalise(text).accented,)
    )
    negations = words("negations")
    first_person = words("first_person")
    fillers = _fillers(node, normalise, {p.words[0].folded for p in negations if len(p.words) == 1})
    detector = CrisisDetector(
        rules=rules,
        phrases=PhraseSet(tuple(phrases), lookalikes, fillers),
        guards=PhraseSet(tuple(guard_phrases), fillers=fillers,
                         personal=WordSet.of(w for p in first_person for w in p.words)),
        negations=PhraseSet(tuple(negations)),
        others=PhraseSet(tuple(words("others"))),
        first_person=PhraseSet(tuple(first_person)),
        together=tuple(together),
        parts=PhraseSet(tuple(part for t in together for group in t.groups for part in group),
                        fillers=fillers),
    )
    times_node = node.get("check_in_times")
    check_in_times = tuple(sorted(t for t in (_clock_time(item, "a check-in time") for item in
                                              (times_node.elements("check_in_times") if times_node else ()))
                                  if t is not None))
    return CrisisContent(detector, intent_ids, resources, replies, tuple(cases), tuple(sources),
                         references(node.get("buttons"), "buttons", buttons), check_in_times,
                         references(node.require("after_safe", "crisis"), "after_safe", buttons))


def _fillers(node: Node, normalise: Normaliser, negations: set[str]) -> WordSet:
    """The small words that may stand inside crisis phrases and guards, one word each; never a
    negation, which turns "muốn chết" into "muốn không chết"."""
    child = node.get("fillers")
    if child is None:
        return WordSet()
    words: list[PhraseWord] = []
    for item in child.elements("fillers"):
        text = item.text("a filler")
        if not text:
            continue
        phrase = compile_phrase(text, "fillers", normalise, item.line)
        if len(phrase.words) != 1:
            item.problem(f"filler '{text}' is {len(phrase.words)} words; write one word per item "
                         "(`thật sự` is two fillers: `thật` and `sự`)")
            continue
        if phrase.words[0].folded in negations:
            item.problem(f"filler '{text}' is a negation; a filler must not change what a phrase "
                         "means: remove it from `fillers`")
            continue
        words.extend(phrase.words)
    return WordSet.of(words)


def _rule(node: Node, normalise: Normaliser, phrases: list[Phrase], cases: list[CrisisCase],
          sources: list[tuple[str, str, int]], together: list[Together]) -> CrisisRule | None:
    rule_id = open_item(node, RULE_FIELDS, "crisis rule")
    if rule_id is None:
        return None
    level_node = node.require("level", f"crisis rule '{rule_id}'")
    level = level_node.text("level") if level_node else "urgent"
    if level_node and level not in LEVELS:
        level_node.problem(f"level '{level}' is unknown; write `urgent` or `concern`")
        level = "urgent"
    about = node.get("about_other")
    together_node = node.get("together")
    for item in together_node.elements("together") if together_node else ():
        text = item.text("an item of together")
        found = _together(text, rule_id, len(together), normalise, item) if text else None
        if found is not None:
            together.append(found)
    phrases_node = node.require("phrases", f"crisis rule '{rule_id}'")
    for lang, items in (_per_language(phrases_node, "phrases") if phrases_node else {}).items():
        del lang
        for text, line in items:
            if WILDCARD in text:
                node.problem(f"phrase '{text}' has a `*`; a crisis phrase lists its words, and "
                             "small words in between are `fillers`; `*` goes only in guards", line)
                continue
            phrase = compile_phrase(text, rule_id, normalise, line)
            if not phrase.words:
                node.problem(f"phrase '{text}' has no words to match", line)
                continue
            phrases.append(phrase)
            sources.append((text, rule_id, line))
    _cases(node, "examples", cast(Level, level), rule_id, cases)
    _cases(node, "not_examples", None, rule_id, cases)
    if not node.get("examples"):
        node.problem(f"crisis rule '{rule_id}' has no examples; add messages that must trigger it")
    return CrisisRule(rule_id, cast(Level, level), about.boolean("about_other") if about else False)


def _together(text: str, rule_id: str, number: int, normalise: Normaliser, item: Node) -> Together | None:
    """`thuốc ngủ | thuốc + chết | tự tử`: groups joined by `+`, each a choice of phrases
    joined by `|`; one phrase of every group must stand in one clause."""
    groups: list[tuple[Phrase, ...]] = []
    for g, group in enumerate(text.split("+")):
        choices = [c.strip() for c in group.split("|") if c.strip()]
        if not choices:
            item.problem(f"together '{text}' has an empty group; write a phrase between each `+`")
            return None
        if any(WILDCARD in c for c in choices):
            item.problem(f"together '{text}' has a `*`; each group lists its phrases, joined by `|`")
            return None
        parts = tuple(compile_phrase(c, f"{number}:{g}", normalise, item.line) for c in choices)
        if any(not p.words for p in parts):
            item.problem(f"together '{text}' has a phrase with no words to match")
            return None
        groups.append(parts)
    if len(groups) < 2:
        item.problem(f"together '{text}' has one group; join two or more with `+` "
                     "(`thuốc ngủ | thuốc + chết`), or write it under `phrases`")
        return None
    return Together(Phrase(text, rule_id, (), item.line), tuple(groups))


def _cases(node: Node, key: str, expect: Level | None, owner: str, cases: list[CrisisCase]) -> None:
    child = node.get(key)
    if child is None:
        return
    for item in child.elements(key):
        text = item.text(f"an item of {key}")
        if text:
            cases.append(CrisisCase(text, expect, owner, item.path, item.line))


def _guard(node: Node, normalise: Normaliser, phrases: list[Phrase], cases: list[CrisisCase]) -> None:
    guard_id = open_item(node, GUARD_FIELDS, "guard")
    if guard_id is None:
        return
    phrases_node = node.require("phrases", f"guard '{guard_id}'")
    for item in phrases_node.elements("phrases") if phrases_node else ():
        text = item.text("a guard phrase")
        if not text:
            continue
        phrase = compile_phrase(text, guard_id, normalise, item.line)
        if phrase.words and (phrase.words[0].wild or phrase.words[-1].wild):
            item.problem(f"guard '{text}' starts or ends with `*`; a `*` stands between two words "
                         "(`thèm * muốn chết`)")
            continue
        if any(a.wild and b.wild and c.wild for a, b, c in zip(
                phrase.words, phrase.words[1:], phrase.words[2:], strict=False)):
            item.problem(f"guard '{text}' has three `*` in a row; a `*` is one word, and a guard "
                         "that skips more than two would silence real crises")
            continue
        phrases.append(phrase)
    _cases(node, "examples", None, guard_id, cases)
    if not node.get("examples"):
        node.problem(f"guard '{guard_id}' has no examples; add messages it must keep from escalating")


HOTLINE_FIELDS = {"id", "kind", "number", "tel", "name", "hours", "hours_note", "cost", "serves",
                  "what_happens", "region", "sources", "verified", "verified_how"}
FACT_FIELDS = {"id", "title", "text", "link", "source"}
TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def _resources(root: Node, problems: list[Problem]) -> tuple[
        dict[str, Hotline], dict[str, Fact], tuple[str, ...]]:
    root.allow_keys({"version", "checked", "checked_how", "hotlines", "facts", "do_not_list"},
                    "resources.yaml")
    hotlines: dict[str, Hotline] = {}
    facts: dict[str, Fact] = {}
    banned: list[str] = []
    for item in (dnl.elements("do_not_list") if (dnl := root.get("do_not_list")) else ()):
        number = item.get("number") if item.expect_map("a do_not_list entry") else None
        if number is not None:
            banned.append(number.text("number"))
    hotlines_node = root.require("hotlines", "resources.yaml")
    for node in hotlines_node.elements("hotlines") if hotlines_node else ():
        hotline = _hotline(node, banned)
        if hotline is not None:
            if hotline.id in hotlines:
                node.problem(f"hotline id '{hotline.id}' is used twice")
            hotlines[hotline.id] = hotline
    for node in (facts_node.elements("facts") if (facts_node := root.get("facts")) else ()):
        fact = _fact(node)
        if fact is not None:
            if fact.id in facts or fact.id in hotlines:
                node.problem(f"resource id '{fact.id}' is used twice")
            facts[fact.id] = fact
    return hotlines, facts, tuple(banned)


def _hotline(node: Node, banned: list[str]) -> Hotline | None:
    hid = open_item(node, HOTLINE_FIELDS, "hotline")
    if hid is None:
        return None
    what = f"hotline '{hid}'"

    def text(key: str) -> str:
        child = node.require(key, what)
        return child.text(key) if child else ""

    def local(key: str, required: bool = True) -> Localised | None:
        child = node.require(key, what) if required else node.get(key)
        return localised(child, key) if child else None

    number = text("number")
    if number and _digits(number) in {_digits(b) for b in banned}:
        node.problem(f"{number} is on the do_not_list; it must never be shown", node.key_line("number"))
    tel_node = node.get("tel")
    tel = tel_node.text("tel") if tel_node else _digits(number)
    cost = text("cost")
    if cost and cost not in COSTS:
        node.problem(f"cost '{cost}' is unknown; write one of: {', '.join(COSTS)}", node.key_line("cost"))
    digits = _digits(number)
    if digits.startswith("1800") and cost != "free":
        node.problem("1800 numbers are free to call; write `cost: free`", node.key_line("cost"))
    if digits.startswith("1900") and cost != "caller-pays":
        node.problem("1900 numbers charge the caller; write `cost: caller-pays`", node.key_line("cost"))
    sources: list[str] = []
    sources_node = node.get("sources")
    if sources_node is None:
        node.problem(f"{what} has no sources; every number needs a published source")
    else:
        for item in sources_node.elements("sources"):
            url = item.get("url") if item.is_map() else item
            if url is not None and (value := url.text("a source url")):
                sources.append(value)
    verified = _date(node.require("verified", what))
    hours = _hours(node.require("hours", what))
    kind = text("kind")
    return Hotline(
        id=hid, kind=kind, number=number, tel=tel,
        name=local("name") or Localised("", ""),
        hours=hours or Hours(), cost=cast(Any, cost),
        serves=local("serves") or Localised("", ""),
        what_happens=local("what_happens", required=False),
        region=local("region", required=False),
        sources=tuple(sources), verified=verified or date.min,
        path=node.path, line=node.line,
    )


def _date(node: Node | None) -> date | None:
    if node is None:
        return None
    if isinstance(node.value, date):
        return node.value
    try:
        return date.fromisoformat(str(node.value))
    except ValueError:
        node.problem(f"'{node.value}' is not a date; write it as \"YYYY-MM-DD\"")
        return None


def _hours(node: Node | None) -> Hours | None:
    if node is None:
        return None
    if node.value == "24/7":
        return Hours()
    if not isinstance(node.value, dict):
        node.problem("hours must be \"24/7\" or a mapping with days, open and close")
        return None
    node.allow_keys({"days", "open", "close"}, "hours")
    days: list[int] = []
    days_node = node.require("days", "hours")
    for day in days_node.text_list("days") if days_node else ():
        if day not in DAYS:
            node.problem(f"day '{day}' is unknown; write one of: {', '.join(DAYS)}",
                         node.key_line("days"))
        else:
            days.append(DAYS.index(day))
    times = []
    for key in ("open", "close"):
        child = node.require(key, "hours")
        times.append((_clock_time(child, f"the {key} time") if child else None) or time(0, 0))
    if not days:
        return None
    return Hours(tuple(sorted(days)), times[0], times[1])


def _clock_time(node: Node, what: str) -> time | None:
    value = node.text(what)
    if not TIME_PATTERN.match(value):
        node.problem(f"{what} must be written as \"HH:MM\" in quotes (24-hour, Vietnam time)")
        return None
    return time.fromisoformat(value)


def _fact(node: Node) -> Fact | None:
    fid = open_item(node, FACT_FIELDS, "fact")
    if fid is None:
        return None
    title, text, source = (node.require(k, f"fact '{fid}'") for k in ("title", "text", "source"))
    link = node.get("link")
    return Fact(
        id=fid,
        title=localised(title, "title") if title else Localised("", ""),
        text=localised(text, "text") if text else Localised("", ""),
        link=link.text("link") if link else None,
        source=source.text("source") if source else "",
        path=node.path, line=node.line,
    )


def _check_messages(messages: dict[str, Localised], problems: list[Problem], path: Path) -> None:
    for key in MESSAGE_KEYS:
        if key not in messages:
            problems.append(Problem(str(path), 0, f"message '{key}' is missing; the bot needs it"))


def _check_duplicates(intents: tuple[Intent, ...], crisis: CrisisContent | None,
                      problems: list[Problem]) -> None:
    seen: dict[str, Intent] = {}
    crisis_ids = set(crisis.intent_ids.values()) if crisis else set()
    for intent in intents:
        if intent.id in seen:
            problems.append(Problem(intent.path, intent.line, f"intent id '{intent.id}' is already "
                                    f"used in {seen[intent.id].path}:{seen[intent.id].line}"))
        if intent.id in crisis_ids:
            problems.append(Problem(intent.path, intent.line, f"'{intent.id}' is the crisis intent "
                                    "id; crisis replies come from crisis.yaml, pick another id"))
        seen[intent.id] = intent


def _check_references(intents: tuple[Intent, ...], hotlines: dict[str, Hotline],
                      facts: dict[str, Fact], problems: list[Problem]) -> None:
    for intent in intents:
        for rid in intent.resources:
            if rid not in hotlines and rid not in facts:
                problems.append(Problem(intent.path, intent.line, f"intent '{intent.id}' refers to "
                                        f"resource '{rid}', which resources.yaml does not define"))
    defined = {intent.id for intent in intents}
    for required in REQUIRED_INTENTS:
        if required not in defined:
            problems.append(Problem("intents/", 0, f"intent '{required}' is missing; "
                                    "the bot's commands open it"))


