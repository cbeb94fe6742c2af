"""Checks that need the whole engine: every example and crisis case is run, not just parsed."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

from bot.content.problems import Problem, Severity
from bot.core.engine import Engine
from bot.core.models import Content

STALE_AFTER = timedelta(days=180)
# Safe messaging: a reply never promises that feelings will pass. To someone for whom they have
# not, it says they are failing, or that the bot is not listening.
PROMISES = ("sẽ dịu", "sẽ qua thôi", "rồi sẽ qua", "sẽ ổn thôi", "rồi sẽ ổn", "mọi chuyện sẽ ổn",
            "sẽ tốt hơn thôi", "sẽ hết buồn", "will pass", "will ease", "will get better",
            "will be okay", "will be ok", "will be fine", "will be alright", "it gets better",
            "will feel better")


def check_engine(engine: Engine, today: date) -> list[Problem]:
    content = engine.content
    return [
        *_examples(engine),
        *_crisis_cases(engine),
        *_guards_against_phrases(engine),
        *_hotlines(content, today),
        *_banned_numbers(content),
        *_promises(content),
        *(Problem(c.path, c.line, f"concept '{c.id}' is named by no rule or context; use it in a "
                  "`when` or remove it", Severity.WARNING) for c in content.crisis.rules.unused_concepts()),
    ]


def _examples(engine: Engine) -> list[Problem]:
    problems = []
    owner_of: dict[str, str] = {}
    for intent in engine.content.intents:
        for example in intent.examples:
            key = engine.content.normalise(example.text).folded
            if key in owner_of and owner_of[key] != intent.id:
                problems.append(Problem(intent.path, example.line, f"example '{example.text}' is "
                                        f"also an example of '{owner_of[key]}'; keep it in one"))
            owner_of.setdefault(key, intent.id)
            decision = engine.decide(example.text, example.lang)
            if decision.crisis:
                problems.append(Problem(intent.path, example.line, f"example '{example.text}' "
                                        f"contains a crisis phrase (rule '{decision.rule}'); "
                                        "crisis detection runs first, so remove it from this intent"))
            elif decision.intent != intent.id:
                got = decision.intent or "the fallback"
                problems.append(Problem(intent.path, example.line, f"example '{example.text}' "
                                        f"matches {got} (score {decision.score:.0f}) instead of "
                                        f"'{intent.id}'; reword it or move it"))
    return problems


def _crisis_cases(engine: Engine) -> list[Problem]:
    """Each example is run by the rules alone: the learned model is trained on these very
    examples, so its agreement would prove nothing."""
    rules_alone = replace(engine, second_opinions=())
    problems = []
    for case in engine.content.crisis.cases:
        decision = rules_alone.decide(case.text)
        if case.not_by:
            if decision.crisis and decision.rule in case.not_by:
                problems.append(Problem(case.path, case.line, f"'{case.text}' must not be decided by "
                                        f"rule '{decision.rule}' ({case.owner} silences it) but is; "
                                        f"check the context's `when` and `unless`"))
        elif case.expect is None and decision.crisis:
            problems.append(Problem(case.path, case.line, f"'{case.text}' must not escalate but "
                                    f"rule '{decision.rule}' fired; add a guard or a context, or "
                                    "narrow the phrase or combination"))
        elif case.expect is not None and not decision.crisis:
            problems.append(Problem(case.path, case.line, f"'{case.text}' must escalate "
                                    f"({case.owner}) but does not; add a phrase or a `when` "
                                    "combination that covers it"))
        elif case.expect is not None and decision.level != case.expect and not decision.about_other:
            problems.append(Problem(case.path, case.line, f"'{case.text}' must be {case.expect} but "
                                    f"is {decision.level} (rule '{decision.rule}'); check negations, "
                                    "the rules' levels and which rule fires first"))
    return problems


def _guards_against_phrases(engine: Engine) -> list[Problem]:
    detector = engine.rules
    crisis_forms = {" ".join(w.folded for w in p.words): p for p in detector.phrases.phrases}
    problems = []
    for guard in detector.guards.phrases:
        form = " ".join(w.folded for w in guard.words)
        if form in crisis_forms:
            problems.append(Problem("intents/hyperbole.yaml", guard.line, f"guard '{guard.source}' "
                                    f"is the crisis phrase '{crisis_forms[form].source}' itself and "
                                    "would silence it; make the guard longer than the phrase"))
    return problems


def _hotlines(content: Content, today: date) -> list[Problem]:
    problems = []
    for hotline in content.hotlines.values():
        if today - hotline.verified > STALE_AFTER:
            problems.append(Problem(hotline.path, hotline.line, f"hotline '{hotline.id}' was "
                                    f"verified on {hotline.verified}, over 180 days ago; call it "
                                    "and update `verified`", Severity.WARNING))
    return problems


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _activity_texts(content: Content) -> list[tuple[str, int, str]]:
    """Everything exercises and the safety plan say, one text per file."""
    texts = []
    for exercise in content.exercises.values():
        parts = [exercise.intro, exercise.outro, *(s.say for s in exercise.steps),
                 *(s.ack for s in exercise.steps if s.ack),
                 *(c.reply for s in exercise.steps for c in s.choices)]
        texts.append((exercise.path, exercise.line, " ".join(f"{p.vi} {p.en}" for p in parts)))
    plan = content.safety_plan
    parts = [plan.intro, plan.closing, plan.paused, plan.stopped, plan.gone, plan.emergency,
             *(s.ask for s in plan.steps)]
    texts.append(("intents/safety_plan.yaml", 0, " ".join(f"{p.vi} {p.en}" for p in parts)))
    return texts


def _said(content: Content) -> list[tuple[str, int, str]]:
    """Every text the bot can show, in both languages, with where it is written."""
    texts = [(i.path, i.line, i.reply.vi + " " + i.reply.en) for i in content.intents]
    texts += [("resources.yaml", f.line, f.text.vi + " " + f.text.en) for f in content.facts.values()]
    texts += [("intents/messages.yaml", 0, m.vi + " " + m.en) for m in content.messages.values()]
    texts += [("intents/crisis.yaml", 0, r.vi + " " + r.en) for r in content.crisis.replies.values()]
    return texts + _activity_texts(content)


def _promises(content: Content) -> list[Problem]:
    problems = []
    for path, line, text in _said(content):
        found = next((p for p in PROMISES if p in text.casefold()), None)
        if found:
            problems.append(Problem(path, line, f"a reply promises that feelings will pass (\"{found}\"); "
                                    "say what may help instead, without a promise"))
    return problems


def _banned_numbers(content: Content) -> list[Problem]:
    banned = {_digits(n): n for n in content.do_not_list if len(_digits(n)) >= 3}
    problems = []
    for path, line, text in _said(content):
        runs = {_digits(m) for m in re.findall(r"\+?\d[\d .-]{1,16}\d", text)}
        for digits, number in banned.items():
            if digits in runs:
                problems.append(Problem(path, line, f"{number} is on the do_not_list in "
                                        "resources.yaml and must never be shown"))
    return problems
