"""`intents/dialogue.yaml` into `DialogueContent`: the phrases of typed answers, by meaning, and
the cues and rules of risk across messages (`bot.core.across`), checked as written.

Checks that need other files run in the loader's second pass: every cue's concepts must be
concepts of `intents/crisis.yaml`, and no answer phrase may mean two things once normalised.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.content.fields import ID_PATTERN, open_item, per_language
from bot.content.problems import Problem
from bot.content.yamlio import Node
from bot.core.across import AcrossRule, AcrossRules, Cue
from bot.core.answers import MEANINGS, OPENERS, PARTICLES
from bot.core.detectors import LEVELS
from bot.core.models import DialogueContent
from bot.core.normalise import Normalised

DIALOGUE_FIELDS = {"answers", "cues", "rules", "feelings"}
CUE_FIELDS = {"concepts", "levels", "topics"}
RULE_FIELDS = {"id", "level", "steps"}


Lines = dict[str, int]  # where each cue ("cue:<id>") and answer ("answer:<text>") is written


def read_dialogue(node: Node) -> tuple[DialogueContent, Lines]:
    node.allow_keys(DIALOGUE_FIELDS, "dialogue")
    lines: Lines = {}
    answers: dict[str, tuple[str, ...]] = {}
    answers_node = node.get("answers")
    if answers_node is not None and answers_node.expect_map("answers"):
        answers_node.allow_keys({*MEANINGS, OPENERS, PARTICLES}, "answers")
        for meaning, phrases in answers_node.items():
            texts = per_language(phrases, f"answers ({meaning})")
            answers[meaning] = tuple(text for lang in texts for text, _ in texts[lang])
            lines.update((f"answer:{text}", line) for lang in texts for text, line in texts[lang])
    cues = _cues(node.get("cues"), lines)
    cue_ids = {c.id for c in cues}
    rules = _rules(node.get("rules"), cue_ids)
    feelings_node = node.get("feelings")
    feelings = frozenset(feelings_node.text_list("feelings")) if feelings_node else frozenset()
    for unknown in sorted(feelings - cue_ids):
        assert feelings_node is not None
        feelings_node.problem(f"`feelings` names the cue '{unknown}', which `cues:` does not define; "
                              f"write one of {', '.join(sorted(cue_ids))}")
    return DialogueContent(answers, AcrossRules(tuple(cues), tuple(rules), feelings)), lines


def _cues(node: Node | None, lines: Lines) -> list[Cue]:
    if node is None or not node.expect_map("cues"):
        return []
    cues = []
    for cue_id, cue in node.items():
        if not ID_PATTERN.match(cue_id):
            cue.problem(f"cue '{cue_id}' must be lower-case letters, digits and _ (like despair)")
        if not cue.expect_map(f"cue '{cue_id}'"):
            continue
        cue.allow_keys(CUE_FIELDS, f"cue '{cue_id}'")
        concepts = cue.get("concepts")
        levels = cue.get("levels")
        topics = cue.get("topics")
        names = frozenset(concepts.text_list(f"the concepts of cue '{cue_id}'")) if concepts else frozenset()
        answered = frozenset(topics.text_list(f"the topics of cue '{cue_id}'")) if topics else frozenset()
        written = levels.text_list(f"the levels of cue '{cue_id}'") if levels else []
        for level in written:
            if level not in LEVELS:
                cue.problem(f"cue '{cue_id}' has the level '{level}'; write one of {', '.join(LEVELS)}")
        if not names and not written and not answered:
            cue.problem(f"cue '{cue_id}' names no concepts, levels or topics; add `concepts: [...]`")
        lines[f"cue:{cue_id}"] = cue.line
        cues.append(Cue(cue_id, names, frozenset(w for w in written if w in LEVELS), answered))
    return cues


def _rules(node: Node | None, cue_ids: set[str]) -> list[AcrossRule]:
    if node is None:
        return []
    rules = []
    for item in node.elements("rules"):
        rule_id = open_item(item, RULE_FIELDS, "rule across messages")
        if rule_id is None:
            continue
        level_node = item.require("level", f"rule '{rule_id}'")
        level = level_node.text("the level") if level_node else ""
        if level_node and level not in LEVELS:
            level_node.problem(f"rule '{rule_id}' has the level '{level}'; write one of {', '.join(LEVELS)}")
        steps_node = item.require("steps", f"rule '{rule_id}'")
        steps = []
        for step in steps_node.elements(f"the steps of rule '{rule_id}'") if steps_node else ():
            choices = frozenset(c.strip() for c in step.text("a step").split("|") if c.strip())
            for unknown in sorted(choices - cue_ids):
                step.problem(f"rule '{rule_id}' names the cue '{unknown}', which `cues:` does not "
                             f"define; write one of {', '.join(sorted(cue_ids))}")
            steps.append(choices)
        if steps_node and len(steps) < 2:
            steps_node.problem(f"rule '{rule_id}' has {len(steps)} step(s); a rule across messages "
                               "needs at least two (one message alone is the crisis rules' to decide)")
        if level in LEVELS and len(steps) >= 2:
            rules.append(AcrossRule(rule_id, level, tuple(steps)))
    return rules


def check_dialogue(dialogue: DialogueContent, lines: Lines, concepts: set[str], topics: set[str],
                   normalise: Callable[[str], Normalised], path: str, problems: list[Problem]) -> None:
    """Across files: cues name concepts of the crisis rules and topics of the intents; no answer
    phrase means two things."""
    for cue in dialogue.across.cues:
        for unknown in sorted(cue.concepts - concepts):
            problems.append(Problem(path, lines.get(f"cue:{cue.id}", 0),
                                    f"cue '{cue.id}' names the concept '{unknown}', which "
                                    "intents/crisis.yaml does not define; add it there or remove it"))
        for unknown in sorted(cue.topics - topics):
            problems.append(Problem(path, lines.get(f"cue:{cue.id}", 0),
                                    f"cue '{cue.id}' names the topic '{unknown}', which no intent "
                                    f"defines; write one of {', '.join(sorted(topics))}"))
    meaning_of: dict[tuple[str, ...], str] = {}
    for meaning, phrases in dialogue.answers.items():
        if meaning in (OPENERS, PARTICLES):
            continue
        for text in phrases:
            words = tuple(t.folded for t in normalise(text).tokens)
            other = meaning_of.setdefault(words, meaning)
            if other != meaning:
                problems.append(Problem(path, lines.get(f"answer:{text}", 0),
                                        f"the answer '{text}' is under both `{other}` and "
                                        f"`{meaning}` once normalised; keep it under one"))
