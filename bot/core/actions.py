"""What a button or a command asks the bot to do, read and written in this one place.

An action travels as text: Telegram's callback data (at most 64 bytes), the terminal chat's
numbered buttons, the button references written in content. `Action.read` reads it and
`str(action)` writes it, so no other module splits or joins those strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """Each kind of action, and what its argument is."""

    START = "start"  # the greeting with the topic menu
    INTENT = "intent"  # a topic's id
    MENU = "menu"  # a menu group, or none for the menu of groups
    HOTLINES = "hotlines"
    PRIVACY = "privacy"
    FORGET = "forget"  # none: the question; yes / no: the answer
    LANGUAGE = "lang"  # vi / en / auto
    CHECK_IN = "checkin"  # safe / help (the crisis reply's question), better / hard (a check-in)
    REMIND = "remind"  # <due, as a Unix time> / no: the offer; cancel:<id>: taking it back
    EXERCISE = "exercise"  # an exercise's id
    PLAN = "plan"  # start / again: the safety plan
    STEP = "step"  # <serial>:<move> inside an exercise or the plan
    STAFF = "esc"  # <ack|resolve|real|false>:<escalation id>, staff only
    ASK = "ask"  # the answer to "are you thinking of harming yourself?": yes / no[:<topic>] / unsaid
    HELPER = "helper"  # the answer of someone worried about another person: ok / not_ok


@dataclass(frozen=True, slots=True)
class Action:
    kind: Kind
    arg: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.arg}" if self.arg else str(self.kind)

    @classmethod
    def read(cls, data: str) -> Action | None:
        """The action written in `data`; None for anything that is not one (a forged or stale
        button from another version of the bot)."""
        kind, _, arg = data.partition(":")
        try:
            return cls(Kind(kind), arg)
        except ValueError:
            return None

    @classmethod
    def step(cls, serial: int, move: str) -> Action:
        return cls(Kind.STEP, f"{serial}:{move}")

    def step_move(self) -> tuple[int, str] | None:
        """A step's (serial, move); None for anything else, or a step written wrong."""
        serial, _, move = self.arg.partition(":")
        if self.kind is not Kind.STEP or not serial.isdigit() or not move:
            return None
        return int(serial), move

    def parts(self) -> tuple[str, str]:
        """The argument split once more: `cancel:12` → ("cancel", "12")."""
        first, _, rest = self.arg.partition(":")
        return first, rest

    @property
    def crisis_answer(self) -> str | None:
        """What the escalation log keeps of an answer to a crisis reply's question (one of
        `bot.storage.records.CHECK_IN_ANSWERS`), or None when the action answers none."""
        if self.kind is Kind.CHECK_IN and self.arg in ("safe", "help"):
            return "needs_help" if self.arg == "help" else "safe"
        if self.kind is Kind.ASK:
            return _ASKED.get(self.parts()[0])
        return None

    @property
    def starts_activity(self) -> bool:
        """An exercise or the safety plan, which run as a session rather than one reply."""
        return self.kind is Kind.EXERCISE or self == PLAN_START


_ASKED = {"yes": "thinking", "no": "not_thinking", "unsaid": "unsaid"}
PLAN_START = Action(Kind.PLAN, "start")
PLAN_AGAIN = Action(Kind.PLAN, "again")
MENU = Action(Kind.MENU)
