"""Reading guided exercises (`exercise:` files) and the safety plan (`safety_plan:`).

Buttons in content are written as references (`coping_sleep`, `exercise:breathing`,
`safety_plan`, `menu:coping`) and stored as the actions the bot runs when one is tapped.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.content.fields import open_item, optional_localised, required_localised
from bot.content.problems import Problem
from bot.content.yamlio import Node
from bot.core.actions import PLAN_START, Action, Kind
from bot.core.models import Choice, Exercise, ExerciseStep, PlanStep, SafetyPlan

EXERCISE_FIELDS = {"id", "title", "intro", "start_button", "rounds", "steps", "outro", "offer"}
STEP_FIELDS = {"say", "seconds", "button", "ack", "choices"}
CHOICE_FIELDS = {"label", "reply", "offer"}
PLAN_FIELDS = {"title", "intro", "steps", "heading", "emergency", "closing", "paused", "stopped", "gone"}
PLAN_STEP_FIELDS = {"id", "heading", "ask", "prefill"}
MAX_ROUNDS = 20
MAX_SECONDS = 120
# Telegram shows at most a few rows of buttons comfortably on a phone.
MAX_CHOICES = 10
PLAN_PLACEHOLDERS = {"emergency": "{number}", "closing": "{minutes}", "gone": "{minutes}"}


@dataclass(frozen=True, slots=True)
class Reference:
    """A button written in content, kept with its place so a wrong one can be reported."""

    action: Action
    written: str
    path: str
    line: int


def action_for(ref: str) -> Action:
    if ref == "safety_plan":
        return PLAN_START
    action = Action.read(ref)
    if action is not None and action.kind in (Kind.EXERCISE, Kind.MENU) and action.arg:
        return action
    return Action(Kind.INTENT, ref)  # a topic's id; checked against the topics afterwards


def references(node: Node | None, what: str, found: list[Reference]) -> tuple[Action, ...]:
    if node is None:
        return ()
    refs = [Reference(action_for(item.text(what)), item.text(what), item.path, item.line)
            for item in node.elements(what)]
    found.extend(refs)
    return tuple(r.action for r in refs)


def check_references(found: list[Reference], intents: set[str], exercises: set[str],
                     menus: set[str], problems: list[Problem]) -> None:
    targets = {Kind.INTENT: intents, Kind.EXERCISE: exercises, Kind.MENU: menus}
    for ref in found:
        if ref.action.kind in targets and ref.action.arg not in targets[ref.action.kind]:
            problems.append(Problem(ref.path, ref.line, f"button '{ref.written}' leads nowhere; write an "
                                    "intent id, exercise:<id>, menu:<group> or safety_plan"))


def exercise(node: Node, found: list[Reference]) -> Exercise | None:
    exercise_id = open_item(node, EXERCISE_FIELDS, "exercise")
    if exercise_id is None:
        return None
    what = f"exercise '{exercise_id}'"
    rounds_node = node.get("rounds")
    rounds = (rounds_node.integer("rounds", 1, MAX_ROUNDS) if rounds_node else 1) or 1
    steps_node = node.require("steps", what)
    steps = tuple(s for s in (_step(n, what, found) for n in (steps_node.elements("steps") if steps_node
                                                              else ())) if s is not None)
    if steps_node and not steps:
        steps_node.problem(f"{what} has no steps; add at least one `- say:`")
    return Exercise(
        id=exercise_id, title=required_localised(node, "title", what),
        intro=required_localised(node, "intro", what),
        start_button=optional_localised(node, "start_button", what), rounds=rounds, steps=steps,
        outro=required_localised(node, "outro", what),
        offers=references(node.get("offer"), "offer", found), path=node.path, line=node.line)


def _step(node: Node, what: str, found: list[Reference]) -> ExerciseStep | None:
    if not node.expect_map(f"a step of {what}"):
        return None
    node.allow_keys(STEP_FIELDS, f"a step of {what}")
    seconds_node = node.get("seconds")
    seconds = seconds_node.integer("seconds", 1, MAX_SECONDS) if seconds_node else None
    choices_node = node.get("choices")
    choices = tuple(c for c in (_choice(n, what, found) for n in (choices_node.elements("choices")
                                                                  if choices_node else ())) if c)
    if seconds is not None and choices:
        node.problem("a timed step (`seconds`) cannot have `choices`: the bot moves on before "
                     "anyone could tap one; remove one of them", node.key_line("seconds"))
    if len(choices) > MAX_CHOICES:
        node.problem(f"{len(choices)} choices is too many for a phone screen; keep at most {MAX_CHOICES}")
    say = required_localised(node, "say", f"a step of {what}")
    for lang in ("vi", "en"):
        try:
            say(lang).format(round=1, rounds=1)
        except (KeyError, IndexError, ValueError):
            node.problem(f"the step's {lang} text has braces the bot cannot fill; only {{round}} and "
                         "{rounds} are filled in", node.key_line("say"))
    return ExerciseStep(
        say=say,
        seconds=float(seconds) if seconds is not None else None,
        button=optional_localised(node, "button", "the step"),
        ack=optional_localised(node, "ack", "the step"), choices=choices)


def _choice(node: Node, what: str, found: list[Reference]) -> Choice | None:
    if not node.expect_map(f"a choice in {what}"):
        return None
    node.allow_keys(CHOICE_FIELDS, f"a choice in {what}")
    return Choice(label=required_localised(node, "label", "the choice"),
                  reply=required_localised(node, "reply", "the choice"),
                  offers=references(node.get("offer"), "offer", found))


def safety_plan(node: Node) -> SafetyPlan | None:
    if not node.expect_map("the safety plan"):
        return None
    node.allow_keys(PLAN_FIELDS, "the safety plan")
    what = "the safety plan"
    steps_node = node.require("steps", what)
    steps: list[PlanStep] = []
    for step_node in steps_node.elements("steps") if steps_node else ():
        step = _plan_step(step_node)
        if step is not None:
            if any(s.id == step.id for s in steps):
                step_node.problem(f"safety plan step id '{step.id}' is used twice")
            steps.append(step)
    texts = {key: required_localised(node, key, what)
             for key in ("title", "intro", "heading", "emergency", "closing", "paused", "stopped", "gone")}
    for key, placeholder in PLAN_PLACEHOLDERS.items():
        if any(placeholder not in texts[key](lang) for lang in ("vi", "en")):
            node.problem(f"the safety plan's `{key}` must contain {placeholder} in both languages "
                         "(the bot fills it in)", node.key_line(key))
    return SafetyPlan(steps=tuple(steps), **texts)


def _plan_step(node: Node) -> PlanStep | None:
    step_id = open_item(node, PLAN_STEP_FIELDS, "safety plan step")
    if step_id is None:
        return None
    prefill = node.get("prefill")
    if prefill is not None and prefill.text("prefill") != "hotlines":
        prefill.problem("prefill can only be `hotlines` (the support lines from resources.yaml)")
    what = f"safety plan step '{step_id}'"
    return PlanStep(step_id, required_localised(node, "heading", what),
                    required_localised(node, "ask", what), prefill is not None)
