"""The guided exercises and the safety plan as a pure state machine (bot/core/guide.py)."""

from __future__ import annotations

import pytest

from bot.core.actions import Action
from bot.core.engine import Engine
from bot.core.guide import MAX_ANSWER_CHARS, Guide, Turn
from bot.core.language import Language
from bot.core.replies import Reply
from tests.support import act

MAX_TELEGRAM_TEXT = 4096


def moves(reply: Reply | None) -> list[str]:
    """The step moves offered by a reply's buttons, e.g. ["next", "stop"]."""
    found = []
    for message in reply.messages() if reply else []:
        for button in message.buttons:
            parsed = button.action.step_move()
            if parsed:
                found.append(parsed[1])
    return found


def press(guide: Guide, turn: Turn, move: str) -> Turn:
    assert turn.session is not None
    return guide.press(turn.session, turn.session.serial, move)


def texts(turn: Turn) -> list[str]:
    return [m.text for m in turn.reply.messages()] if turn.reply else []


def start(engine: Engine, action: str, lang: Language = "vi") -> Turn:
    turn = engine.guide.start(act(action), lang, serial=500)
    assert turn is not None
    return turn


def test_breathing_is_paced_round_by_round_then_ends(engine: Engine) -> None:
    guide, breathing = engine.guide, engine.content.exercises["breathing"]
    turn = start(engine, "exercise:breathing")
    assert turn.reply is not None and turn.reply.text == breathing.intro.vi
    assert moves(turn.reply) == ["next", "stop"] and turn.wait is None
    turn = press(guide, turn, "next")
    waits, said = [], []
    while turn.session is not None:
        assert turn.wait is not None and moves(turn.reply) == ["stop"]
        waits.append(turn.wait)
        said.extend(texts(turn))
        turn = guide.tick(turn.session, turn.session.serial)
    assert waits == [4.0, 6.0] * breathing.rounds
    assert said[0].startswith(breathing.steps[0].say.vi.format(round=1, rounds=5)[:10])
    assert f"{breathing.rounds}/{breathing.rounds}" in said[-2]
    assert turn.reply is not None and turn.reply.text == breathing.outro.vi
    assert {str(b.action) for b in turn.reply.buttons} >= {"exercise:grounding", "intent:hotlines"}


def test_a_stale_button_or_timer_changes_nothing(engine: Engine) -> None:
    guide = engine.guide
    first = press(guide, start(engine, "exercise:breathing"), "next")
    assert first.session is not None
    old_serial = first.session.serial
    moved = guide.tick(first.session, old_serial)
    assert moved.session is not None
    for late in (guide.tick(moved.session, old_serial), guide.press(moved.session, old_serial, "stop")):
        assert late == Turn(None, moved.session)


def test_talking_during_a_paced_step_is_noted_once_and_does_not_move_it(engine: Engine) -> None:
    guide = engine.guide
    turn = press(guide, start(engine, "exercise:breathing"), "next")
    assert turn.session is not None
    noted = guide.answer(turn.session, "ok")
    assert noted.reply is not None and noted.reply.text == engine.content.messages["exercise_busy"].vi
    assert noted.session is not None and noted.session.position == turn.session.position
    assert guide.answer(noted.session, "ok nha").reply is None


@pytest.mark.parametrize("typed", ["dừng", "dung lai", "STOP", "thôi", "Cancel"])
def test_a_stop_word_alone_stops_any_activity(engine: Engine, typed: str) -> None:
    for action in ("exercise:grounding", "exercise:breathing", "plan:start"):
        turn = start(engine, action)
        assert turn.session is not None
        stopped = engine.guide.answer(turn.session, typed)
        assert stopped.session is None and stopped.reply is not None


def test_stopping_offers_the_exercises_again(engine: Engine) -> None:
    stopped = press(engine.guide, start(engine, "exercise:feeling", "en"), "stop")
    assert stopped.session is None and stopped.reply is not None
    assert stopped.reply.text == engine.content.messages["exercise_stopped"].en
    assert "exercise:breathing" in {str(b.action) for b in stopped.reply.buttons}


def test_grounding_takes_typed_answers_with_a_thank_you(engine: Engine) -> None:
    guide, grounding = engine.guide, engine.content.exercises["grounding"]
    turn = press(guide, start(engine, "exercise:grounding"), "next")
    assert texts(turn) == [grounding.steps[0].say.vi]
    # A sentence that merely contains a stop word is an answer, not "stop".
    turn = guide.answer(turn.session, "cái bàn, cửa sổ, thôi miên, cây, đèn")  # type: ignore[arg-type]
    ack = grounding.steps[0].ack
    assert ack is not None
    assert texts(turn) == [f"{ack.vi}\n\n{grounding.steps[1].say.vi}"]
    for _ in grounding.steps[1:]:
        turn = press(guide, turn, "next")
    assert turn.session is None and turn.reply is not None and turn.reply.text == grounding.outro.vi


def test_a_choice_is_answered_before_the_next_step(engine: Engine) -> None:
    guide, feeling = engine.guide, engine.content.exercises["feeling"]
    turn = press(guide, start(engine, "exercise:feeling", "en"), "next")
    first = feeling.steps[0]
    assert moves(turn.reply)[: len(first.choices)] == [f"c{n}" for n in range(len(first.choices))]
    chosen = press(guide, turn, "c1")
    assert texts(chosen) == [first.choices[1].reply.en, feeling.steps[1].say.en]
    assert chosen.reply is not None
    assert [b.action for b in chosen.reply.buttons] == list(first.choices[1].offers)
    assert chosen.reply.buttons  # the shipped "anxious" choice offers somewhere to go next


def test_typing_a_choice_label_without_diacritics_picks_it(engine: Engine) -> None:
    guide, feeling = engine.guide, engine.content.exercises["feeling"]
    turn = press(guide, start(engine, "exercise:feeling"), "next")
    label = feeling.steps[0].choices[0].label.vi
    typed = engine.content.normalise(label).folded
    assert typed != label.casefold()  # the label has diacritics; the person typed without
    chosen = guide.answer(turn.session, typed)  # type: ignore[arg-type]
    assert texts(chosen)[0] == feeling.steps[0].choices[0].reply.vi


def test_a_choice_out_of_range_is_ignored(engine: Engine) -> None:
    turn = press(engine.guide, start(engine, "exercise:feeling"), "next")
    assert press(engine.guide, turn, "c99") == Turn(None, turn.session)


def plan_answers(engine: Engine, answers: dict[str, str], lang: Language = "vi") -> Turn:
    """Walk the safety plan, answering the steps named in `answers` and skipping the rest."""
    guide = engine.guide
    turn = start(engine, "plan:start", lang)
    for step in engine.content.safety_plan.steps:
        assert turn.session is not None
        if step.id in answers:
            turn = guide.answer(turn.session, answers[step.id])
        else:
            turn = press(guide, turn, "skip")
    return turn


def test_the_plan_asks_every_step_with_skip_and_stop(engine: Engine) -> None:
    plan = engine.content.safety_plan
    turn = start(engine, "plan:start")
    intro, question = texts(turn)
    assert intro == plan.intro.vi
    assert plan.steps[0].heading.vi in question and plan.steps[0].ask.vi in question
    assert moves(turn.reply) == ["skip", "stop"]


def test_the_finished_plan_holds_answers_and_leaves_out_skipped_steps(engine: Engine) -> None:
    plan = engine.content.safety_plan
    headings = {s.id: s.heading.vi for s in plan.steps}
    turn = plan_answers(engine, {"warning_signs": "mất ngủ, thu mình", "reasons": "con mèo Mướp"})
    assert turn.session is not None and turn.session.finished
    final, closing = texts(turn)
    assert final.startswith(plan.heading.vi)
    assert f"{headings['warning_signs']}\nmất ngủ, thu mình" in final
    assert "con mèo Mướp" in final
    assert headings["calm_alone"] not in final and headings["ask_for_help"] not in final
    # The professionals step always carries the verified support lines, even when skipped.
    assert headings["professionals"] in final and "111" in final
    assert final.endswith(plan.emergency.vi.format(number="115"))
    assert closing == plan.closing.vi.format(minutes=30)
    assert turn.reply is not None and turn.reply.follow_up is not None
    assert [str(b.action) for b in turn.reply.follow_up.buttons] == ["plan:again"]


def test_a_finished_plan_can_be_sent_again_until_it_is_gone(engine: Engine) -> None:
    guide = engine.guide
    turn = plan_answers(engine, {"reasons": "em gái"}, "en")
    assert guide.resend(turn.session, "en", 30).text == guide.plan_text(turn.session)  # type: ignore[arg-type]
    assert guide.resend(None, "en", 30).text == engine.content.safety_plan.gone.en.format(minutes=30)


def test_long_answers_are_cut(engine: Engine) -> None:
    turn = plan_answers(engine, {"warning_signs": "x" * 5000})
    assert turn.session is not None
    assert [len(text) for _, text in turn.session.answers] == [MAX_ANSWER_CHARS]


def test_a_crisis_ends_an_exercise_and_pauses_the_plan(engine: Engine) -> None:
    guide = engine.guide
    exercise = press(guide, start(engine, "exercise:breathing"), "next")
    assert exercise.session is not None
    assert guide.interrupt(exercise.session) == Turn(None, None)

    turn = guide.answer(start(engine, "plan:start").session, "khi mình thức trắng")  # type: ignore[arg-type]
    assert turn.session is not None
    paused = guide.interrupt(turn.session)
    assert paused.session is not None and paused.session.paused
    assert paused.reply is not None and paused.reply.text == engine.content.safety_plan.paused.vi
    assert moves(paused.reply) == ["continue", "stop"]
    # While paused, what the person types is theirs, not an answer to the plan.
    assert guide.answer(paused.session, "mình ổn hơn rồi") == Turn(None, paused.session)
    resumed = press(guide, paused, "continue")
    assert resumed.session is not None and resumed.session.position == 1
    assert engine.content.safety_plan.steps[1].ask.vi in texts(resumed)[0]
    assert resumed.session.answers == (("warning_signs", "khi mình thức trắng"),)


def test_unknown_starts_and_malformed_buttons_are_refused(engine: Engine) -> None:
    assert engine.guide.start(act("exercise:juggling"), "vi", 1) is None
    assert engine.guide.start(act("intent:greeting"), "vi", 1) is None
    for data in ("step", "step:abc:next", "step:12:", "intent:help"):
        assert act(data).step_move() is None
    assert act("step:12:c3").step_move() == (12, "c3")
    assert Action.read("nonsense:1") is None


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_shipped_exercise_runs_to_the_end_in_both_languages(engine: Engine, lang: Language) -> None:
    guide = engine.guide
    for exercise_id in engine.content.exercises:
        turn = start(engine, f"exercise:{exercise_id}", lang)
        said = texts(turn)
        for _ in range(100):
            session = turn.session
            if session is None:
                break
            turn = guide.tick(session, session.serial) if turn.wait else press(guide, turn, "next")
            said.extend(texts(turn))
        assert turn.session is None, f"{exercise_id} did not end"
        for text in said:
            assert text.strip() and len(text) <= MAX_TELEGRAM_TEXT and "{" not in text



def test_a_crisis_after_the_plan_is_finished_keeps_the_plan(engine: Engine) -> None:
    finished = plan_answers(engine, {"reasons": "bà ngoại"})
    assert finished.session is not None
    kept = engine.guide.interrupt(finished.session)
    assert kept == Turn(None, finished.session)
    assert "bà ngoại" in engine.guide.resend(kept.session, "vi", 30).text


def test_the_pacing_note_is_given_again_at_the_next_step(engine: Engine) -> None:
    guide = engine.guide
    turn = press(guide, start(engine, "exercise:breathing"), "next")
    noted = guide.answer(turn.session, "ok")  # type: ignore[arg-type]
    assert noted.session is not None
    next_step = guide.tick(noted.session, noted.session.serial)
    again = guide.answer(next_step.session, "ok")  # type: ignore[arg-type]
    assert again.reply is not None and again.reply.text == engine.content.messages["exercise_busy"].vi
