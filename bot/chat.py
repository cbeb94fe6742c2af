"""A terminal conversation on the same engine, so anyone can try the bot without Telegram.

Exercises and the safety plan run here too: a paced step waits for real (Ctrl-C stops the
exercise), and a crisis message interrupts them exactly as on Telegram.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from bot.engine import Engine
from bot.guide import KEEP_MINUTES, Session, Turn, parse_step_action
from bot.language import LANGUAGES, Language
from bot.replies import Reply

COMMANDS = {"/hotlines": "hotlines", "/tips": "menu:coping", "/campaign": "menu:campaign",
            "/menu": "menu", "/help": "intent:help", "/start": "intent:greeting",
            "/exercises": "menu:exercises", "/safetyplan": "plan:start"}
INTRO = ("Terminal chat with the wellbeing bot (the same engine as on Telegram).\n"
         "Type a message; a number picks a button; /hotlines /tips /exercises /safetyplan\n"
         "/campaign /menu /help; /language vi|en; /quit to leave. If you are in danger, call 115.\n")


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
    sleep: Callable[[float], None]
    lang: Language | None = None
    detected: Language = "vi"
    session: Session | None = None
    serials: int = 0
    buttons: list[str] = field(default_factory=list)

    def show(self, reply: Reply | None) -> None:
        if reply is None:
            return
        self.buttons = [b.action for m in reply.messages() for b in m.buttons]
        self.say(render(reply) + "\n")

    def play(self, turn: Turn | None) -> None:
        """Show a turn, then run its paced steps until the exercise waits for the person."""
        while turn is not None:
            session = self.session = turn.session
            self.show(turn.reply)
            if turn.wait is None or session is None:
                return
            try:
                self.sleep(turn.wait)
            except KeyboardInterrupt:
                turn = self.engine.guide.stop(session)
                continue
            turn = self.engine.guide.tick(session, session.serial)

    def act(self, action: str, current: Language) -> None:
        guide = self.engine.guide
        step = parse_step_action(action)
        if step is not None and self.session is not None:
            self.play(guide.press(self.session, *step))
        elif action == "plan:again":
            self.show(guide.resend(self.session, current, KEEP_MINUTES))
        elif (turn := guide.start(action, current, self.serials)) is not None:
            self.serials += 1000
            self.play(turn)
        else:
            self.show(self.engine.action(action, current))

    def message(self, text: str) -> None:
        response = self.engine.respond(text, self.lang)
        self.detected = response.decision.lang
        session = self.session
        if response.decision.crisis:
            interrupted = self.engine.guide.interrupt(session) if session else None
            self.show(response.reply)  # the crisis reply first, as on Telegram
            self.play(interrupted)
        elif session is None or session.paused or session.finished:
            self.show(response.reply)
        else:
            self.play(self.engine.guide.answer(session, text))


def run_chat(engine: Engine, read: Callable[[str], str] = input, out: TextIO | None = None,
             sleep: Callable[[float], None] = time.sleep) -> int:
    def say(text: str) -> None:
        print(text, file=out, flush=True)

    chat = _Chat(engine, say, sleep)
    say(INTRO)
    while True:
        try:
            text = read("> ").strip()
        except (EOFError, KeyboardInterrupt):
            say("")
            return 0
        if not text:
            continue
        if text in ("/quit", "/exit"):
            return 0
        current: Language = chat.lang or chat.detected
        if text.startswith("/language"):
            choice = text.removeprefix("/language").strip()
            chat.lang = next((code for code in LANGUAGES if code == choice), None)
            say(f"(language: {chat.lang or 'detected from each message'})")
            continue
        if text.isdigit() and 1 <= int(text) <= len(chat.buttons):
            chat.act(chat.buttons[int(text) - 1], current)
        elif text.split()[0] in COMMANDS:
            chat.act(COMMANDS[text.split()[0]], current)
        else:
            chat.message(text)
