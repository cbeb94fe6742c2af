"""Crisis detectors, what they find, and the one policy that combines their findings.

The policy: **the rules decide.** The crisis rules (`bot.core.crisis`) are written and checked
by people, with examples and look-alikes for each; whatever they find stands. Another
detector, such as a learned model, may only *raise* a message the rules leave silent, and
then only to `concern` (the reply that asks directly): it never lowers a rule's level and
never silences a rule's hit, so a second opinion can add recall but cannot take any away.
Where the rules did see crisis words and a guard or a context said what they are ("nóng
muốn chết", homework on suicide prevention, a past told as past), the rules have spoken too:
a second opinion is not asked to overrule a decision written and tested by people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from bot.core.normalise import Normalised

Level = Literal["emergency", "urgent", "concern"]
# Most severe first. emergency: already acted or in the act (115 first, nothing before it);
# urgent: intention, plan, means, farewells, self-harm; concern: passive wishes, burden,
# hopelessness, and whatever only a second opinion raised (the reply asks directly).
LEVELS: tuple[Level, ...] = ("emergency", "urgent", "concern")


@dataclass(frozen=True, slots=True)
class Signal:
    """The decisive crisis finding for one message."""

    level: Level
    rule: str
    phrase: str
    fuzzy: bool
    negated: bool
    about_other: bool


@dataclass(frozen=True, slots=True)
class Finding:
    """What one detector made of one message: `signal` is None when it saw no risk;
    `evidence` says in words what it went on (`python -m bot try` prints it)."""

    detector: str
    signal: Signal | None
    evidence: tuple[str, ...] = ()


class Detector(Protocol):
    """Anything that reads a normalised message for risk. Pure, and never raises."""

    @property
    def name(self) -> str: ...

    def check(self, message: Normalised) -> Finding: ...


def combine(rules: Finding, others: Sequence[Finding], explained: bool = False) -> Finding:
    """The decisive finding: the rules' when they found anything; otherwise, unless a guard or a
    context `explained` the crisis words there, the first other detector that raised the
    message, at `concern`; otherwise the rules' silence."""
    if rules.signal is not None or explained:
        return rules
    for finding in others:
        if finding.signal is not None:
            return replace(finding, signal=replace(finding.signal, level="concern", negated=False))
    return rules
