"""The terminal chat: the same engine and the same commands as Telegram, exercises paced while
typing is still read, and its crisis messages in the escalation log, marked as its own."""

from __future__ import annotations

import asyncio
import io
import os
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.cli.chat import piped_lines, run_chat
from bot.cli.terminal_log import TerminalLog
from bot.core.actions import Action, Kind
from bot.core.commands import COMMANDS, Command
from bot.core.engine import Engine
from bot.storage.factory import open_store


@dataclass(frozen=True)
class Pause:
    """Nothing typed for this many seconds."""

    seconds: float


class CtrlC:
    """Ctrl-C pressed."""


@dataclass
class Script:
    """What a person types, on a clock of its own: each line is typed as soon as the chat reads
    (typing ahead), a `Pause` lets time pass first. The chat's waits are recorded."""

    entries: deque[str | Pause | CtrlC]
    now: float = 0.0
    waits: list[float] = field(default_factory=list)

    @classmethod
    def of(cls, *entries: str | Pause | CtrlC) -> Script:
        return cls(deque(entries))

    def clock(self) -> float:
        return self.now

    def next(self, timeout: float | None) -> str | None:
        if timeout is not None:
            self.waits.append(timeout)
        head = self.entries[0] if self.entries else None
        if isinstance(head, Pause):
            if timeout is not None and timeout < head.seconds:
                self.now += timeout
                self.entries[0] = Pause(head.seconds - timeout)
                return None
            self.now += head.seconds
            self.entries.popleft()
            return self.next(None if timeout is None else timeout - head.seconds)
        if isinstance(head, CtrlC):
            self.entries.popleft()
            raise KeyboardInterrupt
        if head is not None:
            return str(self.entries.popleft())
        if timeout is None:
            raise EOFError
        self.now += timeout
        return None


def chat(engine: Engine, *entries: str | Pause | CtrlC, log: TerminalLog | None = None) -> tuple[str, Script]:
    script = Script.of(*entries)
    out = io.StringIO()
    assert run_chat(engine, script, out, escalations=log, clock=script.clock) == 0
    return out.getvalue(), script


def test_breathing_is_paced_with_real_waits(engine: Engine) -> None:
    text, script = chat(engine, "/exercises", "1", "1")
    breathing = engine.content.exercises["breathing"]
    assert script.waits == [4.0, 6.0] * breathing.rounds
    assert breathing.outro.vi in text


@pytest.mark.parametrize("stop", ["dừng", "thôi", "stop", "Dung"])
def test_typing_stop_during_a_paced_breath_stops_at_once(engine: Engine, stop: str) -> None:
    text, script = chat(engine, "/language vi", "/exercises", "1", "1", Pause(11.0), stop, "mất ngủ")
    breathing = engine.content.exercises["breathing"]
    stopped = engine.content.messages["exercise_stopped"].vi
    assert stopped in text and breathing.outro.vi not in text
    assert script.now == pytest.approx(11.0)  # stopped mid-way through the second round
    # The word stopped the exercise; it was not answered as a message afterwards, and the next
    # message is answered as usual.
    assert text.count(stopped) == 1
    sleep = engine.content.intent("coping_sleep")
    assert sleep is not None and sleep.reply.vi.split("\n")[0] in text[text.index(stopped):]


def test_other_words_during_a_paced_step_get_one_note_and_the_pacing_goes_on(engine: Engine) -> None:
    text, script = chat(engine, "/language vi", "/exercises", "1", "1", Pause(1.0), "ok", "ừ")
    breathing = engine.content.exercises["breathing"]
    assert text.count(engine.content.messages["exercise_busy"].vi) == 1
    assert breathing.outro.vi in text
    assert script.now == pytest.approx(sum([4.0, 6.0] * breathing.rounds))  # the pace was kept


def test_a_crisis_message_during_a_paced_step_gets_the_crisis_reply_and_ends_it(engine: Engine) -> None:
    text, script = chat(engine, "/language vi", "/exercises", "1", "1", Pause(2.0), "mình muốn chết")
    assert "115 (cấp cứu" in text
    assert engine.content.exercises["breathing"].outro.vi not in text
    assert script.now == pytest.approx(2.0)


def test_ctrl_c_during_a_paced_step_stops_the_exercise(engine: Engine) -> None:
    text, _ = chat(engine, "/exercises", "1", "1", Pause(1.0), CtrlC(), "xin chào")
    assert engine.content.messages["exercise_stopped"].vi in text
    assert engine.content.exercises["breathing"].outro.vi not in text
    greeting = engine.content.intent("greeting")
    assert greeting is not None and greeting.reply.vi.split("\n")[0] in text  # the chat goes on


def test_ctrl_c_with_nothing_paced_leaves_the_chat(engine: Engine) -> None:
    text, _ = chat(engine, CtrlC(), "xin chào")
    greeting = engine.content.intent("greeting")
    assert greeting is not None and greeting.reply.vi.split("\n")[0] not in text


def test_a_crisis_in_the_plan_gets_the_crisis_reply_then_the_pause(engine: Engine) -> None:
    text, _ = chat(engine, "/language vi", "/safetyplan", "mất ngủ", "mình muốn chết", "1", "nghe nhạc")
    plan = engine.content.safety_plan
    crisis_at = text.index("115 (cấp cứu")
    assert text.index(plan.steps[1].ask.vi) < crisis_at < text.index(plan.paused.vi)
    # "1" pressed Continue: the same question again, and the next answer goes into the plan.
    assert text.count(plan.steps[1].ask.vi) == 2
    assert plan.steps[2].ask.vi in text[text.rindex(plan.steps[1].ask.vi):]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_every_telegram_command_works_in_the_terminal(engine: Engine, command: Command) -> None:
    name = command.name
    text, _ = chat(engine, "/language vi", f"/{name}")
    answer = text[text.index(engine.content.messages["language_set"].vi):]
    assert engine.content.messages["fallback"].vi not in answer


def test_privacy_and_forget_answer_as_on_telegram(engine: Engine) -> None:
    text, _ = chat(engine, "/language vi", "/privacy", "/forget", "2")
    messages = engine.content.messages
    assert messages["privacy"].vi.split("\n")[0] in text
    assert messages["forget_confirm"].vi in text and messages["forget_cancelled"].vi in text


def test_language_alone_shows_the_choice_with_a_button_each(engine: Engine) -> None:
    messages = engine.content.messages
    text, _ = chat(engine, "/language", "3", "/language en", "/language", "i can't sleep")
    assert messages["language_current_auto"].vi in text
    assert "[1] Tiếng Việt" in text and "[2] English" in text and "[3] Theo từng tin nhắn" in text
    assert messages["language_current_en"].en in text  # after /language en, asked again
    assert "[3] Detect from each message" in text


def test_help_lists_every_command(engine: Engine) -> None:
    text, _ = chat(engine, "/language en", "/help")
    for command in COMMANDS:
        assert f"/{command.name} · {engine.content.messages[command.description_key].en}" in text


def escalations(log: TerminalLog) -> list[tuple[str, str, str]]:
    async def read() -> list[tuple[str, str, str]]:
        store = await open_store(log.config)
        try:
            return [(e.source, e.level, e.trigger_rule) for e in await store.escalations()]
        finally:
            await store.close()

    return asyncio.run(read())


def test_crisis_messages_are_logged_as_from_the_terminal(engine: Engine, tmp_path: Path) -> None:
    log = TerminalLog(tmp_path / "data", "test-secret", store_excerpts=False)
    text, _ = chat(engine, "mất ngủ", "mình muốn tự tử", log=log)
    assert "python -m bot escalations list" in text.splitlines()[3]  # said before the first message
    assert text.index("115 (cấp cứu") > 0
    assert escalations(log) == [("terminal", "urgent", "suicide_intent")]


def test_a_chat_without_a_crisis_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    log = TerminalLog(tmp_path / "data", "test-secret", store_excerpts=False)
    chat(engine, "mất ngủ", "/hotlines", log=log)
    assert not (tmp_path / "data").exists()


def test_forget_in_the_terminal_deletes_what_it_logged(engine: Engine, tmp_path: Path) -> None:
    log = TerminalLog(tmp_path / "data", "test-secret", store_excerpts=False)
    text, _ = chat(engine, "/language vi", "mình muốn tự tử", "/forget", "1", log=log)
    assert engine.content.messages["forget_done"].vi in text
    assert escalations(log) == []


def test_an_answer_typed_in_the_terminal_is_the_button(engine: Engine) -> None:
    out, _ = chat(engine, "em chẳng muốn tỉnh dậy nữa", "ừ", "mình an toàn")
    urgent = engine.action(Action(Kind.ASK, "yes"), "vi").text
    assert urgent.splitlines()[0] in out
    assert engine.replies.say("checkin_safe", "vi") in out


def test_piped_lines_are_read_without_the_stdin_lock() -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, "mất ngủ\nmột dòng cuối".encode())
    os.close(write_end)
    read = piped_lines(read_end)
    assert [read(""), read("")] == ["mất ngủ", "một dòng cuối"]
    with pytest.raises(EOFError):
        read("")
    os.close(read_end)
