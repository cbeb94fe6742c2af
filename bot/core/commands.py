"""The commands people can type, declared once.

Telegram's command menu, the handlers registered for them, the terminal chat, the list `/help`
shows (`{commands}` in a topic's reply) and the check that content describes each of them all
read this tuple, so a command cannot exist in one place and be missing from another. Each
command names the action it runs: the same actions the buttons carry (`bot.core.engine.Engine.action`,
and `plan:start` for an activity), except `language`, whose argument and stored choice only
the front ends hold.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.actions import PLAN_START, Action, Kind

LANGUAGE = "language"  # the one command whose action needs the front end's state


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # typed as /name
    action: Action

    @property
    def description_key(self) -> str:
        """The key in `messages.yaml` of its one-line description (Telegram's menu, /help)."""
        return f"command_{self.name}"


COMMANDS: tuple[Command, ...] = (
    Command("start", Action(Kind.START)),
    Command("help", Action(Kind.INTENT, "help")),
    Command("hotlines", Action(Kind.HOTLINES)),
    Command("tips", Action(Kind.MENU, "coping")),
    Command("exercises", Action(Kind.MENU, "exercises")),
    Command("safetyplan", PLAN_START),
    Command("campaign", Action(Kind.INTENT, "campaign_info")),
    Command(LANGUAGE, Action(Kind.LANGUAGE)),
    Command("privacy", Action(Kind.PRIVACY)),
    Command("forget", Action(Kind.FORGET)),
)


def command(text: str) -> Command | None:
    """The command a message starts with (`/hotlines`, `/language en`, `/help@mybot`), if any."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    if not first.startswith("/"):
        return None
    name = first[1:].split("@", 1)[0].casefold()
    return next((c for c in COMMANDS if c.name == name), None)


def argument(text: str) -> str:
    """What follows the command: `/language en` → "en"."""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def intent_ids() -> tuple[str, ...]:
    """The topics the commands open: content must define them."""
    return tuple(c.action.arg for c in COMMANDS if c.action.kind is Kind.INTENT)
