"""The terminal chat runs exercises and the safety plan on the same engine as Telegram."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

from bot.chat import run_chat
from bot.engine import Engine


def script(*lines: str) -> Callable[[str], str]:
    feed: Iterator[str] = iter(lines)

    def read(_: str) -> str:
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    return read


def test_breathing_is_paced_with_real_waits(engine: Engine) -> None:
    waits: list[float] = []
    out = io.StringIO()
    run_chat(engine, script("/exercises", "1", "1"), out, sleep=waits.append)
    breathing = engine.content.exercises["breathing"]
    assert waits == [4.0, 6.0] * breathing.rounds
    assert breathing.outro.vi in out.getvalue()


def test_ctrl_c_during_a_paced_step_stops_the_exercise(engine: Engine) -> None:
    def interrupt(_: float) -> None:
        raise KeyboardInterrupt

    out = io.StringIO()
    run_chat(engine, script("/exercises", "1", "1"), out, sleep=interrupt)
    text = out.getvalue()
    assert engine.content.messages["exercise_stopped"].vi in text
    assert engine.content.exercises["breathing"].outro.vi not in text


def test_a_crisis_in_the_plan_gets_the_crisis_reply_then_the_pause(engine: Engine) -> None:
    out = io.StringIO()
    run_chat(engine, script("/language vi", "/safetyplan", "mất ngủ", "mình muốn chết", "1", "nghe nhạc"),
             out)
    text = out.getvalue()
    plan = engine.content.safety_plan
    crisis_at = text.index("115 (cấp cứu")
    assert text.index(plan.steps[1].ask.vi) < crisis_at < text.index(plan.paused.vi)
    # "1" pressed Continue: the same question again, and the next answer goes into the plan.
    assert text.count(plan.steps[1].ask.vi) == 2
    assert plan.steps[2].ask.vi in text[text.rindex(plan.steps[1].ask.vi):]
