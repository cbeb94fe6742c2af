"""A terminal conversation on the same engine, so anyone can try the bot without Telegram.

The commands are Telegram's own (`bot.core.commands`). Exercises and the safety plan run here too:
a paced step waits for real while what is typed is still read, so `dừng` stops it, a crisis
message interrupts it exactly as on Telegram, and Ctrl-C stops it. Crisis messages are logged
as escalations marked as coming from the terminal (`bot.cli.terminal_log`), unless told not to.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol, TextIO

from bot.cli.terminal_log import TerminalLog
from bot.config import session_timeout_minutes
from bot.core.actions import MENU, PLAN_AGAIN, Action, Kind
from bot.core.commands import COMMANDS, LANGUAGE, argument, command
from bot.core.detectors import Level
from bot.core.dialogue import Dialogue, answer_level
from bot.core.engine import Engine
from bot.core.guide import KEEP_MINUTES, Session, Turn
from bot.core.language import AUTO, LANGUAGES, Language
from bot.core.memory import Memory
from bot.core.replies import Reply

INTRO = ("Terminal chat with the wellbeing bot (the same engine as on Telegram).\n"
         "Type a message; a number picks a button; {commands}; /quit to leave.\n"
         "If you are in danger, call 115.")
LOGGED = ("Crisis messages typed here are logged as escalations from the terminal in {where}; "
          "see them with `python -m bot escalations list`.")
QUIT = ("/quit", "/exit")
PERSON = "terminal"  # the one person of a terminal chat, in the memory of the last minutes


class Inbox(Protocol):
    def next(self, timeout: float | None) -> str | None:
        """The next line typed; None when `timeout` seconds pass first. EOFError once input has
        ended and nothing is being paced (a paced exercise runs to its end first)."""


def piped_lines(fd: int) -> Callable[[str], str]:
    """Lines of a pipe or a file, read with `os.read`. Through `sys.stdin` the reading thread
    would hold the buffered reader's lock, and an interpreter that exits while it waits there
    aborts ("could not acquire lock ... at interpreter shutdown"); `os.read` holds no lock."""
    pending = bytearray()

    def read(_prompt: str) -> str:
        while b"\n" not in pending:
            chunk = os.read(fd, 4096)
            if not chunk:
                if not pending:
                    raise EOFError
                last = pending.decode("utf-8", errors="replace")
                pending.clear()
                return last
            pending.extend(chunk)
        line, _, rest = bytes(pending).partition(b"\n")
        pending[:] = rest
        return line.decode("utf-8", errors="replace")

    return read


class TypedLines:
    """Lines typed at the terminal, read by a thread so that a paced step can wait for them:
    with `input` at a terminal (line editing), from the file descriptor otherwise."""

    def __init__(self, read: Callable[[str], str] | None = None) -> None:
        if read is None:
            read = input if sys.stdin.isatty() else piped_lines(sys.stdin.fileno())
        # The prompt is printed by the chat when it waits: typing ahead is read all the same.
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._ended = False
        threading.Thread(target=self._read, args=(read,), daemon=True, name="terminal-input").start()

    def _read(self, read: Callable[[str], str]) -> None:
        while True:
            try:
                self._lines.put(read(""))
            except (EOFError, KeyboardInterrupt, OSError):
                self._lines.put(None)
                return

    def next(self, timeout: float | None) -> str | None:
        if self._ended:
            if timeout is None:
                raise EOFError
            time.sleep(timeout)
            return None
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            return None
        if line is None:
            self._ended = True
            return self.next(timeout)
        return line


def render(reply: Reply, first: int = 1) -> str:
    lines = []
    number = first - 1
    for message in reply.messages():
        lines.append(message.text)
        for button in message.buttons:
            number += 1
            lines.append(f"  [{number}] {button.label}")
    return "\n".join(lines)


@dataclass
class _Chat:
    engine: Engine
    say: Callable[[str], None]
    clock: Callable[[], float]
    escalations: TerminalLog | None
    dialogue: Dialogue
    lang: Language | None = None
    detected: Language = "vi"
    session: Session | None = None
    serials: int = 0
    buttons: list[Action] = field(default_factory=list)
    due: tuple[float, int] | None = None  # when the paced step of the session with this serial is over

    @property
    def current(self) -> Language:
        return self.lang or self.detected

    def wait(self) -> float | None:
        """How long the next line may be waited for: until the paced step is due, or for ever."""
        if self.due is None or self.session is None or self.session.serial != self.due[1]:
            self.due = None
            return None
        return max(0.0, self.due[0] - self.clock())

    def show(self, reply: Reply | None, asked: bool = True, level: Level | None = None) -> None:
        """Print a reply with its numbered buttons; its question, if any, is the one a typed
        answer answers (`asked`: not yet remembered by the dialogue)."""
        if reply is None:
            return
        if asked:
            self.dialogue.sent(self.engine, PERSON, reply, self.clock(), level)
        self.buttons = [b.action for m in reply.messages() for b in m.buttons]
        self.say(render(reply) + "\n")

    def play(self, turn: Turn | None, asked: bool = True) -> None:
        """Show a turn; a paced step's wait becomes a deadline, so typing is read meanwhile."""
        if turn is None:
            return
        self.session = turn.session
        self.show(turn.reply, asked)
        if turn.wait is not None and turn.session is not None:
            self.due = (self.clock() + turn.wait, turn.session.serial)

    def tick(self) -> None:
        if self.session is not None and self.due is not None:
            self.play(self.engine.guide.tick(self.session, self.due[1]))

    def stop(self) -> bool:
        """Ctrl-C: ends a paced exercise; False when nothing was being paced (then it quits)."""
        if self.session is None or self.wait() is None:
            return False
        self.play(self.engine.guide.stop(self.session))
        return True

    def act(self, action: Action) -> None:
        guide = self.engine.guide
        step = action.step_move()
        if step is not None and self.session is not None:
            self.play(guide.press(self.session, *step))
        elif action == PLAN_AGAIN:
            self.show(guide.resend(self.session, self.current, KEEP_MINUTES))
        elif action.kind is Kind.LANGUAGE:
            self.choose_language(action.arg)
        elif action.kind is Kind.FORGET and action.arg:
            self.forget(action.arg == "yes")
        elif (turn := guide.start(action, self.current, self.serials)) is not None:
            self.serials += 1000
            self.play(turn)
        else:
            self.answered(action, self.engine.action(action, self.current), asked=True)

    def answered(self, action: Action, reply: Reply, asked: bool) -> None:
        self.show(reply, asked, answer_level(action))
        if action.crisis_answer is not None and self.escalations is not None:
            self.escalations.answer(action.crisis_answer)

    def choose_language(self, choice: str) -> None:
        replies = self.engine.replies
        if choice in LANGUAGES:
            self.lang = "en" if choice == "en" else "vi"
            self.show(Reply(replies.say("language_set", self.lang)))
        elif choice == AUTO:
            self.lang = None
            self.show(Reply(replies.say("language_auto", self.current)))
        else:
            self.show(replies.language_choice(self.current, self.lang))

    def forget(self, confirmed: bool) -> None:
        if not confirmed:
            self.show(Reply(self.engine.replies.say("forget_cancelled", self.current)))
            return
        lang = self.current
        self.lang, self.session, self.due = None, None, None
        self.dialogue.forget(PERSON)
        if self.escalations is not None:
            self.escalations.forget()
        self.show(Reply(self.engine.replies.say("forget_done", lang)))

    def message(self, text: str) -> None:
        said = self.dialogue.message(self.engine, PERSON, text, self.lang, datetime.now(UTC), self.clock())
        self.detected = said.decision.lang
        session = self.session
        if said.decision.crisis:
            interrupted = self.engine.guide.interrupt(session) if session else None
            self.show(said.reply, asked=False)  # the crisis reply first, as on Telegram
            self.play(interrupted, asked=False)
            if self.escalations is not None:
                self.escalations.record(said.decision)
        elif session is not None and not (session.paused or session.finished):
            self.play(self.engine.guide.answer(session, text))
        elif said.answered is not None:
            self.answered(said.answered, said.reply, asked=False)
        else:
            self.show(said.reply, asked=False)

    def line(self, text: str) -> None:
        typed = command(text)
        if text.isdigit() and 1 <= int(text) <= len(self.buttons):
            self.act(self.buttons[int(text) - 1])
        elif typed is not None and typed.name == LANGUAGE:
            self.choose_language(argument(text).casefold())
        elif typed is not None:
            self.act(typed.action)
        elif text.split()[0] == "/menu":
            self.act(MENU)
        else:
            self.message(text)


def run_chat(engine: Engine, inbox: Inbox | None = None, out: TextIO | None = None,
             escalations: TerminalLog | None = None, clock: Callable[[], float] = time.monotonic) -> int:
    def say(text: str, end: str = "\n") -> None:
        print(text, file=out, end=end, flush=True)

    chat = _Chat(engine, say, clock, escalations, Dialogue(Memory(session_timeout_minutes() * 60.0)))
    names = " ".join(f"/{c.name}" for c in COMMANDS)
    say(INTRO.format(commands=names))
    if escalations is not None:
        say(LOGGED.format(where=escalations.where))
    say("")
    lines = inbox or TypedLines()
    try:
        while True:
            wait = chat.wait()
            if wait is None:
                say("> ", end="")  # nothing is being paced: the chat waits for the person
            try:
                text = lines.next(wait)
            except KeyboardInterrupt:
                if chat.stop():
                    continue
                raise EOFError from None
            if text is None:
                chat.tick()
            elif text.strip() in QUIT:
                return 0
            elif text.strip():
                chat.line(text.strip())
    except EOFError:
        say("")
        return 0
    finally:
        if escalations is not None:
            escalations.close()
