"""Reading `intents/*.yaml` and `resources.yaml` into `Content` and an `Engine`, reporting every
problem at once.

Two passes: the first reads each file's kind and the words of its examples, crisis phrases
and teencode, which the normaliser and the language guesser are built from; the second
builds everything else with that normaliser, then the checks across files run. Each kind of
content is read by its own module (`intents`, `crisis_rules`, `resources`, `activities`,
`messages`); compiling the crisis rules into a detector is the core's
(`bot.core.crisis_rules`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.content.activities import Reference, check_references, exercise, safety_plan
from bot.content.crisis_rules import read_crisis, vocabulary
from bot.content.dialogue import check_dialogue, read_dialogue
from bot.content.files import content_files, kind_of, open_file
from bot.content.intents import Examples, check_duplicates, intent, read_examples
from bot.content.intents import check_references as check_resources
from bot.content.learning import learn
from bot.content.messages import check_messages, read_messages
from bot.content.problems import ContentError, Problem, Severity, errors_in
from bot.content.resources import read_resources
from bot.content.training import check_training, read_training
from bot.content.yamlio import Node
from bot.core.crisis_rules import compile_rules
from bot.core.engine import Engine
from bot.core.language import LANGUAGES, Language, LanguageGuesser
from bot.core.models import Content, DialogueContent, Exercise, Localised, TrainingExample
from bot.core.normalise import Normaliser, Vocabulary, folded_words, vocabulary_of
from bot.core.replies import EXERCISES
from bot.core.telex import TelexReader

ENGLISH_WORD_MIN = 10  # uses in English content that make a folded word an English word


@dataclass(frozen=True)
class Loaded:
    """An engine ready to answer, and the warnings its content gave (stale verification dates)."""

    engine: Engine
    warnings: tuple[Problem, ...] = ()


@dataclass
class _Raw:
    """Plain values read in the first pass, before the normaliser exists."""

    intents: list[tuple[Node, Examples]] = field(default_factory=list)
    crisis: Node | None = None
    guards: list[Node] = field(default_factory=list)
    teencode: dict[Language, dict[str, str]] = field(default_factory=dict)
    messages: dict[str, Localised] = field(default_factory=dict)
    exercises: list[Node] = field(default_factory=list)
    safety_plan: Node | None = None
    dialogue: Node | None = None
    training: list[TrainingExample] = field(default_factory=list)
    vocab: dict[Language, list[str]] = field(default_factory=lambda: {"vi": [], "en": []})  # folded words
    marked: set[str] = field(default_factory=set)  # folded words Vietnamese writes with diacritics
    spelled: set[str] = field(default_factory=set)  # those words as Vietnamese writes them


def load_engine(intents_dir: Path, resources_path: Path) -> Loaded:
    """The engine for this content; raises ContentError listing every error, not only the first."""
    problems: list[Problem] = []
    raw = _Raw()
    files = content_files(intents_dir)
    if not files:
        problems.append(Problem(str(intents_dir), 0, "no .yaml files found in the intents folder"))
    unreadable: list[Path] = []
    for path in files:
        root = open_file(path, problems, unreadable)
        if root is not None:
            _first_pass(root, raw)
    resources_root = open_file(resources_path, problems, unreadable)
    # With a file unread, whatever it defines looks missing to every check across files: those
    # errors would bury the one that causes them, so they wait until every file reads.
    complete = not unreadable

    for lang, table in raw.teencode.items():
        raw.vocab[lang].extend(word for key in table for word in folded_words(key))
    guesser = LanguageGuesser.from_texts(raw.vocab["vi"], raw.vocab["en"])
    normalise = Normaliser({k: dict(v) for k, v in raw.teencode.items()}, guesser,
                           TelexReader(frozenset(raw.spelled), guesser))

    hotlines, facts, do_not_list = (read_resources(resources_root, problems) if resources_root
                                    else ({}, {}, ()))
    buttons: list[Reference] = []
    intents = tuple(intent(node, parsed, buttons) for node, parsed in raw.intents)
    crisis = (read_crisis(raw.crisis, raw.guards, hotlines if complete else None, buttons)
              if raw.crisis else None)
    if raw.crisis is None and complete:
        problems.append(Problem("intents/", 0, "no crisis rules: add intents/crisis.yaml "
                                "with a `crisis:` section"))
    compiled = (compile_rules(crisis.rules, normalise, frozenset(raw.marked), _english_words(raw))
                if crisis else None)
    problems += [Problem(f.path, f.line, f.message) for f in (compiled[1] if compiled else ())]
    exercises = _exercises(raw.exercises, buttons)
    plan = safety_plan(raw.safety_plan) if raw.safety_plan else None
    if raw.safety_plan is None and complete:
        problems.append(Problem(str(intents_dir), 0, "no safety plan: add safety_plan.yaml with a "
                                "`safety_plan:` section; /safetyplan needs it"))
    dialogue, written = read_dialogue(raw.dialogue) if raw.dialogue else (DialogueContent(), {})
    if raw.dialogue is not None and crisis is not None:
        check_dialogue(dialogue, written, {c.id for c in crisis.rules.concepts}, {i.id for i in intents},
                       normalise, raw.dialogue.path, problems)
    check_duplicates(intents, set(crisis.intent_ids.values()) if crisis else set(), problems)
    if complete:
        check_messages(raw.messages, problems, files[0].parent / "messages.yaml" if files else intents_dir)
        check_resources(intents, hotlines, facts, problems)
        topics = {i.id for i in intents}
        for context in crisis.rules.contexts if crisis else ():
            if context.intent is not None and context.intent not in topics:
                problems.append(Problem(context.path, context.line, f"context '{context.id}' answers with "
                                        f"the topic '{context.intent}', which no intent defines"))
        menus = {i.menu for i in intents if i.menu} | ({EXERCISES} if exercises else set())
        check_references(buttons, {i.id for i in intents}, set(exercises), menus, problems)
    # The corpus is normalised once for the duplicate check and again to train: remember it,
    # and let training take each one out as it goes (held all at once until the engine is
    # built, they left 13 MB of the heap resident).
    normalised = {e.text: normalise(e.text) for e in raw.training}
    problems += check_training(raw.training, lambda text: normalised[text].accented)
    if errors_in(problems) or crisis is None or compiled is None or plan is None:
        raise ContentError(problems)
    content = Content(intents, hotlines, facts, raw.messages, crisis, normalise, do_not_list,
                      exercises, plan, tuple(raw.training), dialogue)
    learned = learn(content, lambda text: normalised.pop(text, None) or normalise(text))
    problems += learned.problems
    opinions = (learned.crisis,) if learned.crisis is not None else ()
    return Loaded(Engine(content, compiled[0], opinions, learned.topics),
                  tuple(p for p in problems if p.severity is Severity.WARNING))


def _english_words(raw: _Raw) -> frozenset[str]:
    """The words English content uses often: "them", "do", "me", not the "chet" of a
    code-switched example."""
    counts = Counter(raw.vocab["en"])
    return frozenset(word for word, n in counts.items() if n >= ENGLISH_WORD_MIN)


def _first_pass(root: Node, raw: _Raw) -> None:
    found = kind_of(root)
    if found is None:
        return
    kind, node = found
    if kind == "intent":
        if (parsed := read_examples(node)) is not None:
            for lang in LANGUAGES:
                raw.vocab[lang].extend(word for _, _, words in parsed[lang] for word in words)
            for text, _, _ in parsed["vi"]:
                _spelled(raw, vocabulary_of(text))
            raw.intents.append((node, parsed))
    elif kind == "crisis":
        if raw.crisis is not None:
            node.problem(f"a second crisis file; crisis rules already come from {raw.crisis.path}")
        raw.crisis = node
        for lang, texts in vocabulary(node).items():
            for text in texts:
                words = vocabulary_of(text)
                raw.vocab[lang].extend(words.folded)
                if lang == "vi":
                    _spelled(raw, words)
    elif kind == "guards":
        raw.guards.extend(node.elements("guards"))
    elif kind == "training":
        examples = read_training(node)
        for example in examples:
            words = vocabulary_of(example.text)
            raw.vocab[example.lang].extend(words.folded)
            if example.lang == "vi":
                _spelled(raw, words)
        raw.training.extend(examples)
    elif kind == "teencode":
        _teencode(node, raw)
    elif kind == "exercise":
        raw.exercises.append(node)
    elif kind == "dialogue":
        if raw.dialogue is not None:
            node.problem(f"a second `dialogue:`; it already comes from {raw.dialogue.path}")
        raw.dialogue = node
    elif kind == "safety_plan":
        if raw.safety_plan is not None:
            node.problem(f"a second safety plan; the plan already comes from {raw.safety_plan.path}")
        raw.safety_plan = node
    else:
        read_messages(node, raw.messages)


def _spelled(raw: _Raw, words: Vocabulary) -> None:
    raw.marked.update(words.marked)
    raw.spelled.update(words.spelled)


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
