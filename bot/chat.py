"""A terminal conversation on the same engine, so anyone can try the bot without Telegram."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from bot.engine import Engine
from bot.language import LANGUAGES, Language
from bot.replies import Reply

COMMANDS = {"/hotlines": "hotlines", "/tips": "menu:coping", "/campaign": "menu:campaign",
            "/menu": "menu", "/help": "intent:help", "/start": "intent:greeting"}
INTRO = ("Terminal chat with the wellbeing bot (the same engine as on Telegram).\n"
         "Type a message; a number picks a button; /hotlines /tips /campaign /menu /help;\n"
         "/language vi|en; /quit to leave. If you are in danger, call 115.\n")


def render(reply: Reply) -> str:
    lines = []
    number = 0
    for message in reply.messages():
        lines.append(message.text)
        for button in message.buttons:
            number += 1
            lines.append(f"  [{number}] {button.label}")
    return "\n".join(lines)


def run_chat(engine: Engine, read: Callable[[str], str] = input, out: TextIO | None = None) -> int:
    def say(text: str) -> None:
        print(text, file=out, flush=True)

    say(INTRO)
    lang: Language | None = None
    last: Reply | None = None
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
        current: Language = lang or "vi"
        if text.startswith("/language"):
            choice = text.removeprefix("/language").strip()
            lang = next((code for code in LANGUAGES if code == choice), None)
            say(f"(language: {lang or 'detected from each message'})")
            continue
        buttons = [b for message in last.messages() for b in message.buttons] if last else []
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            last = engine.action(buttons[int(text) - 1].action, current)
        elif text.split()[0] in COMMANDS:
            last = engine.action(COMMANDS[text.split()[0]], current)
        else:
            response = engine.respond(text, lang)
            last = response.reply
            if lang is None:
                current = response.decision.lang
        say(render(last) + "\n")
