"""Guided exercises, the safety plan and opt-in check-ins, end to end through the fake Bot API
server: the person taps or types this, the person receives that.

Expected texts come from the loaded content, so copy edits do not break the tests, but each
assertion still names the message that must arrive. Paced exercises run with a small
`time_scale`; check-ins run on a fake clock that the tests move forward.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import ContentPaths
from bot.core.models import VIETNAM, Content, Localised
from bot.storage.privacy import pseudonym
from tests.fake_telegram import Call, FakeTelegram
from tests.support import USER, Person, Running, buttons, make_settings, shown, text, until

FAST = 0.005  # breathing's 10 paced steps (50 s) take a quarter of a second
# Slow enough that a tap or a message lands inside the step it was meant for (a 4 s step is
# 0.2 s), fast enough that the whole exercise takes 2.5 s.
STOPPABLE = 0.05
EMERGENCY = "115"

Launch = Callable[..., Awaitable[Running]]


def said(text: Localised | None) -> str:
    """A step's Vietnamese text, which the step must have."""
    assert text is not None
    return text("vi")


async def escalated(running: Running, count: int) -> bool:
    return await running.escalations() == count


async def check_in_pending(running: Running) -> bool:
    return await running.store.check_in_pending(pseudonym(USER, running.runtime.secret))


async def no_check_in(running: Running) -> bool:
    return not await check_in_pending(running)


def step_button(call: Call, move: str) -> str:
    """The `step:<serial>:<move>` button under a message."""
    [data] = [b for b in buttons(call) if b.startswith("step:") and b.endswith(f":{move}")]
    return data


def breathing_steps(content: Content) -> list[str]:
    exercise = content.exercises["breathing"]
    steps = []
    for position in range(exercise.length):
        step, round_no = exercise.step(position)
        steps.append(shown(step.say("vi").format(round=round_no, rounds=exercise.rounds)))
    return steps


def message(content: Content, key: str, **values: str) -> str:
    said = content.messages[key]("vi")
    return shown(said.format(**values) if values else said)


def exercise_menu(content: Content) -> list[str]:
    return [*(f"exercise:{e}" for e in content.exercises), "plan:start"]


# Fixtures


@pytest.fixture
async def launch(telegram: FakeTelegram, tmp_path: Path, content_dir: ContentPaths) -> AsyncIterator[Launch]:
    """Start the bot with options for `build_application`; every bot is stopped at the end."""
    started: list[Running] = []

    async def launch(**options: Any) -> Running:
        bot = Running(telegram, make_settings(telegram, tmp_path / "data", content_dir), **options)
        started.append(bot)
        await bot.start()
        return bot

    yield launch
    for bot in started:
        await bot.stop()


@pytest.fixture
async def running(launch: Launch) -> Running:
    return await launch(time_scale=FAST)


@pytest.fixture
def content(running: Running) -> Content:
    return running.runtime.engine.content


async def start_exercise(person: Person, exercise_id: str) -> Call:
    """/exercises, then the exercise's button: returns the introduction."""
    person.says("/exercises")
    menu = await person.receive()
    assert f"exercise:{exercise_id}" in buttons(menu)
    person.taps(f"exercise:{exercise_id}")
    return await person.receive()


# Exercises, start to finish


async def test_breathing_paces_ten_steps_in_order_then_the_outro(
    running: Running, content: Content, person: Person
) -> None:
    breathing = content.exercises["breathing"]
    intro = await start_exercise(person, "breathing")
    assert text(intro) == shown(breathing.intro("vi"))
    person.taps(step_button(intro, "next"))
    steps = await person.receives(10)
    assert [text(c) for c in steps] == breathing_steps(content)
    # Only Stop while the bot paces: nothing to tap that would skip a breath.
    assert all(buttons(c) == [step_button(c, "stop")] for c in steps)
    # Each step waits its seconds (scaled) before the next arrives.
    waits = [breathing.step(n)[0].seconds or 0 for n in range(9)]
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(steps)]
    assert all(gap >= wait * FAST * 0.9 for gap, wait in zip(gaps, waits, strict=True)), gaps
    outro = await person.receive()
    assert text(outro) == shown(breathing.outro("vi"))
    assert buttons(outro) == [str(a) for a in breathing.offers]
    assert running.runtime.sessions.count() == 0


async def test_grounding_takes_typed_answers_and_taps_on_next(
    running: Running, content: Content, person: Person
) -> None:
    grounding = content.exercises["grounding"]
    steps = grounding.steps
    intro = await start_exercise(person, "grounding")
    assert text(intro) == shown(grounding.intro("vi"))
    person.taps(step_button(intro, "next"))
    first = await person.receive()
    assert text(first) == shown(steps[0].say("vi"))
    person.says("cái cốc, cửa sổ, bức tường xanh")
    second = await person.receive()
    assert text(second) == shown(f"{said(steps[0].ack)}\n\n{steps[1].say('vi')}")
    person.taps(step_button(second, "next"))  # a tap moves on without the thank-you
    third = await person.receive()
    assert text(third) == shown(steps[2].say("vi"))
    person.says("tiếng quạt, tiếng xe máy")
    fourth = await person.receive()
    assert text(fourth) == shown(f"{said(steps[2].ack)}\n\n{steps[3].say('vi')}")
    person.taps(step_button(fourth, "next"))
    fifth = await person.receive()
    assert text(fifth) == shown(steps[4].say("vi"))
    person.says("mình đang cố gắng rồi")
    last = await person.receive()
    assert text(last) == shown(f"{said(steps[4].ack)}\n\n{grounding.outro('vi')}")
    assert buttons(last) == [str(a) for a in grounding.offers]
    assert running.runtime.sessions.count() == 0


async def test_feeling_answers_each_chosen_feeling_before_the_next_question(
    running: Running, content: Content, person: Person
) -> None:
    feeling = content.exercises["feeling"]
    which, strength, kind_thing = feeling.steps
    intro = await start_exercise(person, "feeling")
    person.taps(step_button(intro, "next"))
    question = await person.receive()
    assert text(question) == shown(which.say("vi"))
    assert [b for b in buttons(question) if ":c" in b] == [
        step_button(question, f"c{n}") for n in range(len(which.choices))]
    anxious = next(n for n, c in enumerate(which.choices) if c.label("vi") == "Lo lắng")
    person.taps(step_button(question, f"c{anxious}"))
    reply, question = await person.receives(2)
    assert text(reply) == shown(which.choices[anxious].reply("vi"))
    assert buttons(reply) == [str(a) for a in which.choices[anxious].offers]
    assert text(question) == shown(strength.say("vi"))
    person.taps(step_button(question, "c2"))
    reply, question = await person.receives(2)
    assert text(reply) == shown(strength.choices[2].reply("vi"))
    assert text(question) == shown(kind_thing.say("vi"))
    person.taps(step_button(question, "next"))  # "I can't think of one"
    outro = await person.receive()
    assert text(outro) == shown(feeling.outro("vi"))
    assert running.runtime.sessions.count() == 0


# Exercises, stopped half-way


async def test_breathing_stopped_by_the_button_sends_no_further_step(
    launch: Launch, person: Person
) -> None:
    running = await launch(time_scale=STOPPABLE)
    content = running.runtime.engine.content
    intro = await start_exercise(person, "breathing")
    person.taps(step_button(intro, "next"))
    steps = await person.receives(8)
    person.taps(step_button(steps[-1], "stop"))
    stopped = await person.receive()
    assert text(stopped) == message(content, "exercise_stopped")
    assert buttons(stopped) == exercise_menu(content)
    # The last two breaths would have taken 10 s, scaled.
    await person.gets_nothing_more(10 * STOPPABLE + 0.3)
    assert running.runtime.sessions.count() == 0


@pytest.mark.parametrize("word", ["dừng", "stop"])
async def test_breathing_stopped_by_typing_sends_no_further_step(
    launch: Launch, person: Person, word: str
) -> None:
    running = await launch(time_scale=STOPPABLE)
    content = running.runtime.engine.content
    intro = await start_exercise(person, "breathing")
    person.taps(step_button(intro, "next"))
    await person.receives(8)
    person.says(word)
    stopped = await person.receive()
    assert text(stopped) == message(content, "exercise_stopped")
    await person.gets_nothing_more(10 * STOPPABLE + 0.3)


@pytest.mark.parametrize(("exercise_id", "how"), [("grounding", "button"), ("grounding", "dừng"),
                                                  ("feeling", "button"), ("feeling", "stop")])
async def test_an_exercise_stopped_half_way_goes_no_further(
    running: Running, content: Content, person: Person, exercise_id: str, how: str
) -> None:
    intro = await start_exercise(person, exercise_id)
    person.taps(step_button(intro, "next"))
    first = await person.receive()
    person.taps(step_button(first, "next"))
    second = await person.receive()
    assert text(second).endswith(shown(content.exercises[exercise_id].steps[1].say("vi")))
    if how == "button":
        person.taps(step_button(second, "stop"))
    else:
        person.says(how)
    stopped = await person.receive()
    assert text(stopped) == message(content, "exercise_stopped")
    # The button for the next step, tapped now, belongs to an exercise that has ended.
    person.taps(step_button(second, "next"))
    stale = await person.receive()
    assert text(stale) == message(content, "stale_button")
    assert running.runtime.sessions.count() == 0


async def test_an_earlier_exercises_buttons_do_nothing_to_the_next_one(
    running: Running, content: Content, person: Person
) -> None:
    feeling = await start_exercise(person, "feeling")
    person.taps(step_button(feeling, "next"))
    first_question = await person.receive()
    grounding = await start_exercise(person, "grounding")
    # Buttons left over from the feeling exercise, one move after its start: the new session
    # must not take them for its own.
    person.taps(step_button(first_question, "stop"))
    person.taps(step_button(feeling, "stop"))
    await person.gets_nothing_more(0.5)
    person.taps(step_button(grounding, "next"))
    step = await person.receive()
    assert text(step) == shown(content.exercises["grounding"].steps[0].say("vi"))
    assert running.runtime.sessions.takes_text(USER)


# Where exercises start


async def test_an_exercise_starts_from_the_topic_menu(
    running: Running, content: Content, person: Person
) -> None:
    person.says("/start")
    start = await person.receive()
    assert "menu:exercises" in buttons(start)
    person.taps("menu:exercises")
    menu = await person.receive()
    assert buttons(menu) == exercise_menu(content)
    person.taps("exercise:grounding")
    intro = await person.receive()
    assert text(intro) == shown(content.exercises["grounding"].intro("vi"))


async def test_breathing_starts_from_the_reply_about_anxiety(
    running: Running, content: Content, person: Person
) -> None:
    person.says("dạo này mình lo âu quá")
    reply = await person.receive()
    anxiety = content.intent("coping_anxiety")
    assert anxiety is not None and text(reply).startswith(shown(anxiety.reply("vi").split("\n")[0]))
    assert "exercise:breathing" in buttons(reply)
    person.taps("exercise:breathing")
    intro = await person.receive()
    assert text(intro) == shown(content.exercises["breathing"].intro("vi"))
    person.taps(step_button(intro, "next"))
    first = await person.receive()
    assert text(first) == breathing_steps(content)[0]


@pytest.mark.parametrize("action", ["exercise:breathing", "plan:start"])
async def test_the_crisis_reply_offers_breathing_and_the_safety_plan(
    running: Running, content: Content, person: Person, action: str
) -> None:
    person.says("tôi muốn tự tử")
    crisis, _ = await person.receives(2)
    assert EMERGENCY in text(crisis)
    assert buttons(crisis) == ["exercise:breathing", "plan:start"]
    person.taps(action)
    opening = await person.receive()
    expected = (content.exercises["breathing"].intro("vi") if action.startswith("exercise")
                else content.safety_plan.intro("vi"))
    assert text(opening) == shown(expected)


async def test_exercises_command_lists_the_exercises_and_the_plan(
    running: Running, content: Content, person: Person
) -> None:
    person.says("/exercises")
    menu = await person.receive()
    assert buttons(menu) == exercise_menu(content)


async def test_safetyplan_command_starts_the_plan_saying_it_is_not_stored(
    running: Running, content: Content, person: Person
) -> None:
    plan = content.safety_plan
    person.says("/safetyplan")
    intro, first = await person.receives(2)
    assert text(intro) == shown(plan.intro("vi"))
    assert "không lưu" in text(intro)  # "I don't store this plan", before the first question
    assert text(first).startswith(shown(f"1/{len(plan.steps)} · {plan.steps[0].heading('vi')}"))
    assert buttons(first) == [step_button(first, "skip"), step_button(first, "stop")]


# A crisis in the middle


async def test_a_crisis_during_breathing_comes_first_and_ends_the_pacing(
    launch: Launch, person: Person
) -> None:
    running = await launch(time_scale=STOPPABLE)
    intro = await start_exercise(person, "breathing")
    person.taps(step_button(intro, "next"))
    await person.receives(8)
    person.says("tôi muốn tự tử")
    crisis, check_in = await person.receives(2)
    assert EMERGENCY in text(crisis) and "111" in text(crisis)
    assert buttons(check_in) == ["checkin:safe", "checkin:help"]
    await person.gets_nothing_more(10 * STOPPABLE + 0.3)
    await until(lambda: escalated(running, 1))
    assert running.runtime.sessions.count() == 0


async def test_a_crisis_during_the_plan_pauses_it_and_keeps_the_answers(
    running: Running, content: Content, person: Person
) -> None:
    plan = content.safety_plan
    person.says("/safetyplan")
    await person.receives(2)
    person.says("mất ngủ, chỉ muốn nằm một mình")
    await person.receive()
    person.says("nghe nhạc Trịnh, tắm nước ấm")
    third = await person.receive()
    assert text(third).startswith(shown(f"3/{len(plan.steps)} · {plan.steps[2].heading('vi')}"))
    person.says("tôi muốn tự tử")
    crisis, _, paused = await person.receives(3)
    assert EMERGENCY in text(crisis)
    assert text(paused) == shown(plan.paused("vi"))
    assert buttons(paused) == [step_button(paused, "continue"), step_button(paused, "stop")]
    await until(lambda: escalated(running, 1))
    person.taps(step_button(paused, "continue"))
    again = await person.receive()
    assert text(again) == text(third)  # the same question, asked again
    person.says("quán cà phê đầu ngõ")
    final = await skip_to_the_end(person, await person.receive())
    for answer in ("mất ngủ, chỉ muốn nằm một mình", "nghe nhạc Trịnh, tắm nước ấm", "quán cà phê đầu ngõ"):
        assert shown(answer) in text(final)


# The safety plan


async def skip_to_the_end(person: Person, question: Call) -> Call:
    """Skip this question and every one after it; returns the finished plan."""
    while any(b.startswith("step:") for b in buttons(question)):
        person.taps(step_button(question, "skip"))
        question = await person.receive()
    closing = await person.receive()
    assert buttons(closing) == ["plan:again"]
    return question


async def finish_plan(person: Person, answers: dict[str, str], content: Content) -> tuple[Call, Call]:
    """/safetyplan, answering the steps named in `answers` and skipping the rest; returns the
    finished plan and the closing message."""
    plan = content.safety_plan
    person.says("/safetyplan")
    _, question = await person.receives(2)
    for step in plan.steps:
        if step.id in answers:
            person.says(answers[step.id])
        else:
            person.taps(step_button(question, "skip"))
        if step is not plan.steps[-1]:
            question = await person.receive()
    final, closing = await person.receives(2)
    return final, closing


async def test_a_plan_with_skipped_steps_lists_only_what_was_answered(
    running: Running, content: Content, person: Person
) -> None:
    plan = content.safety_plan
    answers = {"warning_signs": "thức trắng, không muốn gặp ai",
               "people_places": "chị Hạnh, công viên Thống Nhất",
               "safer_surroundings": "nhờ mẹ giữ hộ"}
    final, closing = await finish_plan(person, answers, content)
    plan_text = text(final)
    assert plan_text.startswith(shown(plan.heading("vi")))
    for n, step in enumerate(plan.steps, 1):
        heading = shown(f"{n}. {step.heading('vi')}")
        if step.id in answers:
            assert heading in plan_text and shown(answers[step.id]) in plan_text
        elif step.prefill_hotlines:  # skipped, but the checked support lines are always there
            assert heading in plan_text and "111" in plan_text
        else:
            assert shown(step.heading("vi")) not in plan_text
    assert plan_text.endswith(shown(plan.emergency("vi").format(number=EMERGENCY)))
    keep = running.runtime.sessions.keep_minutes
    assert text(closing) == shown(plan.closing("vi").format(minutes=keep))
    assert buttons(closing) == ["plan:again"]


async def test_the_plan_is_sent_again_until_it_is_swept_away(
    running: Running, content: Content, person: Person
) -> None:
    final, _ = await finish_plan(person, {"reasons": "em gái mình, con mèo Mướp"}, content)
    person.taps("plan:again")
    again = await person.receive()
    assert text(again) == text(final)
    assert running.runtime.sessions.sweep(now=time.monotonic() + 10_000) == 1
    person.taps("plan:again")
    gone = await person.receive()
    keep = running.runtime.sessions.keep_minutes
    assert text(gone) == shown(content.safety_plan.gone("vi").format(minutes=keep))
    assert "con mèo Mướp" not in text(gone)


async def test_an_answer_after_the_plan_was_swept_is_an_ordinary_message(
    running: Running, content: Content, person: Person
) -> None:
    person.says("/safetyplan")
    await person.receives(2)
    person.says("hay cáu gắt, bỏ bữa")
    second = await person.receive()
    assert text(second).startswith("2/")
    assert running.runtime.sessions.sweep(now=time.monotonic() + 10_000) == 1
    person.says("mất ngủ quá")
    reply = await person.receive()
    sleep = content.intent("coping_sleep")
    assert sleep is not None and text(reply).startswith(shown(sleep.reply("vi").split("\n")[0]))
    assert not text(reply).startswith("3/")


async def test_editing_an_earlier_answer_does_not_answer_the_current_question(
    running: Running, content: Content, person: Person, telegram: FakeTelegram
) -> None:
    plan = content.safety_plan
    person.says("/safetyplan")
    await person.receives(2)
    first = telegram.send_text("hay thức đến sáng")
    second = await person.receive()
    assert text(second).startswith("2/")
    telegram.edit_text(first["message"]["message_id"], "hay thức đến sáng, đã sửa lại")
    person.says("đi bộ quanh hồ")
    third = await person.receive()
    assert text(third).startswith(shown(f"3/{len(plan.steps)} · {plan.steps[2].heading('vi')}"))
    final = await skip_to_the_end(person, third)
    assert shown("đi bộ quanh hồ") in text(final) and "đã sửa lại" not in text(final)


async def test_nothing_typed_into_the_plan_reaches_the_logs_or_the_database(
    launch: Launch, person: Person, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    running = await launch(time_scale=FAST)
    content = running.runtime.engine.content
    secrets = {"warning_signs": "Bí-mật-Zebra-4711 lúc nửa đêm",
               "ask_for_help": "cô Quyên 0912 345 678",
               "reasons": "chú chó Quokka-9923"}
    final, _ = await finish_plan(person, secrets, content)
    assert all(shown(answer) in text(final) for answer in secrets.values())
    person.says("tôi muốn tự tử")  # the escalation is stored: the database file is written to
    await person.receives(2)
    await until(lambda: escalated(running, 1))
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "sendMessage" in logged  # requests were logged at all
    # Every file the bot keeps: the database, its write-ahead log, the escalation spool.
    stored = b"".join(p.read_bytes() for p in running.settings.data_dir.rglob("*") if p.is_file())
    assert stored
    for typed in [*secrets.values(), "Zebra-4711", "Quokka-9923", "0912 345 678"]:
        assert typed not in logged
        assert typed.encode() not in stored


# Many people, and stopping the bot


async def breathing_together(telegram: FakeTelegram, count: int) -> list[Person]:
    """`count` people (distinct users) each start the breathing exercise at the same time."""
    people = [Person(telegram, 20_000 + n) for n in range(count)]
    for p in people:
        p.says("/exercises")
    for p in people:
        await p.receive()
        p.taps("exercise:breathing")
    intros = [await p.receive() for p in people]
    for p, intro in zip(people, intros, strict=True):
        p.taps(step_button(intro, "next"))
    return people


async def test_thirty_people_breathing_at_once_each_get_every_step_in_order(
    launch: Launch, telegram: FakeTelegram
) -> None:
    running = await launch(time_scale=FAST, flood_limits=False)
    content = running.runtime.engine.content
    people = await breathing_together(telegram, 30)
    expected = [*breathing_steps(content), shown(content.exercises["breathing"].outro("vi"))]
    for p in people:
        calls = await p.receives(len(expected), timeout=20)
        assert [text(c) for c in calls] == expected, p.id
    assert running.runtime.sessions.count() == 0


async def test_stopping_the_bot_while_people_breathe_is_clean(
    launch: Launch, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    # Many at once: with one person, a step rarely fires just as the job queue shuts down.
    running = await launch(time_scale=FAST, flood_limits=False)
    app = running.app
    assert app is not None and app.job_queue is not None
    outro = shown(running.runtime.engine.content.exercises["breathing"].outro("vi"))
    people = await breathing_together(telegram, 30)
    await people[-1].receives(3)
    assert running.runtime.sessions.count() > 0
    await running.stop()
    sent = len(telegram.calls_to("sendMessage"))
    stopped = app.bot_data.runtime
    assert stopped is not None and stopped.sessions.count() == 0
    assert not app.job_queue.scheduler.running
    await asyncio.sleep(50 * FAST + 0.2)  # longer than a whole exercise, scaled
    assert len(telegram.calls_to("sendMessage")) == sent
    assert any(outro not in p.texts() for p in people)  # it was stopped half-way
    problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_text]
    assert not problems


# Check-ins


class FakeClock:
    """The check-ins' idea of now; tests move it. `reads` counts calls, so a test can wait for
    the check-in job to have looked at the clock again."""

    def __init__(self, at: datetime) -> None:
        self.at = at
        self.reads = 0

    def now(self) -> datetime:
        self.reads += 1
        return self.at

    async def moves_to(self, at: datetime) -> None:
        """Set the time, then wait until the check-in job has run at least once after it."""
        self.at = at
        reads = self.reads
        await until(lambda: self.reads >= reads + 2)


# 08:00 in Vietnam: the first check-in time at least two hours away is 12:00 today.
MORNING = datetime(2025, 10, 10, 8, 0, tzinfo=VIETNAM)
NOON = datetime(2025, 10, 10, 12, 0, tzinfo=VIETNAM)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MORNING)


@pytest.fixture
async def checking(launch: Launch, clock: FakeClock) -> Running:
    return await launch(clock=clock.now, check_in_interval=0.05)


async def offered_check_in(person: Person, content: Content) -> Call:
    """A crisis message, then "I'm safe right now": returns the offer of a check-in."""
    person.says("tôi muốn tự tử")
    await person.receives(2)
    person.taps("checkin:safe")
    safe, offer = await person.receives(2)
    assert text(safe) == message(content, "checkin_safe")
    return offer


async def scheduled_check_in(person: Person, content: Content) -> Call:
    """Offered a check-in and tapped yes: returns the confirmation."""
    offer = await offered_check_in(person, content)
    person.taps(buttons(offer)[0])
    return await person.receive()


def check_ins_sent(person: Person, content: Content) -> int:
    return person.texts().count(message(content, "checkin_message"))


async def test_a_check_in_arrives_when_it_is_due_and_leaves_nothing_stored(
    checking: Running, clock: FakeClock, person: Person
) -> None:
    content = checking.runtime.engine.content
    offer = await offered_check_in(person, content)
    when = {"time": "12:00", "day": message(content, "day_today")}
    assert text(offer) == message(content, "checkin_offer", **when)
    assert buttons(offer) == [f"remind:{int(NOON.timestamp())}", "remind:no"]
    person.taps(f"remind:{int(NOON.timestamp())}")
    confirmed = await person.receive()
    assert text(confirmed) == message(content, "checkin_scheduled", **when)
    [cancel] = buttons(confirmed)
    assert cancel.startswith("remind:cancel:")
    assert await check_in_pending(checking)
    await clock.moves_to(NOON - timedelta(minutes=1))
    await person.gets_nothing_more(0)
    await clock.moves_to(NOON + timedelta(seconds=30))
    check_in = await person.receive()
    assert text(check_in) == message(content, "checkin_message")
    assert buttons(check_in) == ["checkin:better", "checkin:hard"]
    await until(lambda: no_check_in(checking))
    await clock.moves_to(NOON + timedelta(hours=1))
    await person.gets_nothing_more(0)  # one check-in, not one per round
    person.taps("checkin:better")
    better = await person.receive()
    assert text(better) == message(content, "checkin_better")


async def test_a_check_in_survives_a_restart(checking: Running, clock: FakeClock, person: Person) -> None:
    content = checking.runtime.engine.content
    await scheduled_check_in(person, content)
    await checking.stop()
    await checking.start()
    await clock.moves_to(NOON + timedelta(minutes=5))
    check_in = await person.receive()
    assert text(check_in) == message(content, "checkin_message")
    await until(lambda: no_check_in(checking))


async def nothing_is_sent(checking: Running, clock: FakeClock, person: Person) -> None:
    """The check-in is gone from the database, and passing its time brings no message."""
    assert not await check_in_pending(checking)
    await clock.moves_to(NOON + timedelta(minutes=5))
    await person.gets_nothing_more(0)


async def test_a_cancelled_check_in_is_never_sent(
    checking: Running, clock: FakeClock, person: Person
) -> None:
    content = checking.runtime.engine.content
    confirmed = await scheduled_check_in(person, content)
    person.taps(buttons(confirmed)[0])
    cancelled = await person.receive()
    assert text(cancelled) == message(content, "checkin_cancelled")
    await nothing_is_sent(checking, clock, person)


async def test_forget_deletes_a_scheduled_check_in(
    checking: Running, clock: FakeClock, person: Person
) -> None:
    content = checking.runtime.engine.content
    await scheduled_check_in(person, content)
    person.says("/forget")
    await person.receive()
    person.taps("forget:yes")
    done = await person.receive()
    assert text(done) == message(content, "forget_done")
    await nothing_is_sent(checking, clock, person)


async def test_only_people_who_said_yes_get_a_check_in(
    checking: Running, clock: FakeClock, telegram: FakeTelegram
) -> None:
    content = checking.runtime.engine.content
    declined, silent, agreed = (Person(telegram, n) for n in (3001, 3002, 3003))
    await offered_check_in(declined, content)
    declined.taps("remind:no")
    assert text(await declined.receive()) == message(content, "checkin_declined")
    await offered_check_in(silent, content)  # never answers the offer
    await scheduled_check_in(agreed, content)
    await clock.moves_to(NOON + timedelta(minutes=5))
    assert text(await agreed.receive()) == message(content, "checkin_message")
    await clock.moves_to(NOON + timedelta(hours=1))
    assert check_ins_sent(declined, content) == 0 and check_ins_sent(silent, content) == 0
    await declined.gets_nothing_more(0)
    await silent.gets_nothing_more(0)


async def test_a_check_in_found_hours_late_is_dropped_unsent(
    checking: Running, clock: FakeClock, person: Person
) -> None:
    content = checking.runtime.engine.content
    await scheduled_check_in(person, content)
    await clock.moves_to(NOON + timedelta(hours=7))
    await until(lambda: no_check_in(checking))
    await person.gets_nothing_more(0)
    assert check_ins_sent(person, content) == 0


async def test_still_finding_it_hard_gets_hotlines_and_something_to_do(
    checking: Running, clock: FakeClock, person: Person
) -> None:
    content = checking.runtime.engine.content
    await scheduled_check_in(person, content)
    await clock.moves_to(NOON + timedelta(minutes=1))
    await person.receive()
    person.taps("checkin:hard")
    hard = await person.receive()
    assert text(hard).startswith(message(content, "checkin_hard"))
    assert "111" in text(hard) and EMERGENCY in text(hard)
    assert buttons(hard) == ["exercise:breathing", "plan:start"]
