"""The loaded content: frozen dataclasses built from `intents/` and `resources.yaml`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Literal

from bot.core.across import AcrossRules
from bot.core.actions import Action
from bot.core.crisis_rules import CrisisRules
from bot.core.detectors import Level
from bot.core.language import Language
from bot.core.normalise import Normaliser

VIETNAM = timezone(timedelta(hours=7), "ICT")  # Vietnam has no daylight saving time
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Cost = Literal["free", "caller-pays", "standard"]
COSTS: tuple[Cost, ...] = ("free", "caller-pays", "standard")


@dataclass(frozen=True, slots=True)
class Localised:
    vi: str
    en: str

    def __call__(self, lang: Language) -> str:
        return self.vi if lang == "vi" else self.en


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    lang: Language
    line: int


@dataclass(frozen=True, slots=True)
class Intent:
    id: str
    title: Localised
    examples: tuple[Example, ...]
    reply: Localised
    resources: tuple[str, ...]
    buttons: tuple[Action, ...]
    menu: str | None
    threshold: int | None
    not_when_negated: bool
    path: str
    line: int
    more: Localised | None = None  # further tips, for "what else?" after the reply


@dataclass(frozen=True, slots=True)
class Hours:
    """Opening hours in Vietnam time; `days` empty means open every day, around the clock."""

    days: tuple[int, ...] = ()
    opens: time = time(0, 0)
    closes: time = time(0, 0)

    @property
    def always(self) -> bool:
        return not self.days

    def is_open(self, now: datetime) -> bool:
        if self.always:
            return True
        local = now.astimezone(VIETNAM)
        return local.weekday() in self.days and self.opens <= local.time() < self.closes


@dataclass(frozen=True, slots=True)
class Hotline:
    id: str
    kind: str
    number: str
    tel: str
    name: Localised
    hours: Hours
    cost: Cost
    serves: Localised
    what_happens: Localised | None
    region: Localised | None
    sources: tuple[str, ...]
    verified: date
    path: str
    line: int


@dataclass(frozen=True, slots=True)
class Fact:
    id: str
    title: Localised
    text: Localised
    link: str | None
    source: str
    path: str
    line: int


@dataclass(frozen=True, slots=True)
class CrisisCase:
    """An example an operator wrote next to a crisis rule or guard; `validate` runs it."""

    text: str
    expect: Level | None
    owner: str
    path: str
    line: int
    # A context's example, where the context silences only some rules: none of them may decide
    # it (another rule may still escalate it). Empty: the example must not escalate at all.
    not_by: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class TrainingExample:
    """A message of the training corpus (`intents/training/`): the learned model's teaching."""

    text: str
    crisis: bool
    category: str
    lang: Language
    path: str
    line: int


@dataclass(frozen=True)
class CrisisContent:
    rules: CrisisRules  # compiled into the rules detector by bot.core.crisis_rules
    intent_ids: dict[Level, str]
    resources: tuple[str, ...]
    replies: dict[str, Localised]
    cases: tuple[CrisisCase, ...]
    buttons: tuple[Action, ...] = ()
    check_in_times: tuple[time, ...] = ()
    after_safe: tuple[Action, ...] = ()  # offered to someone who says they are safe, or better
    model_threshold: float = 0.5  # the learned model raises a message to concern from this score


@dataclass(frozen=True)
class DialogueContent:
    """`intents/dialogue.yaml`: typed answers' phrases by meaning, and the rules across messages."""

    answers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    across: AcrossRules = field(default_factory=AcrossRules)


@dataclass(frozen=True)
class Content:
    intents: tuple[Intent, ...]
    hotlines: dict[str, Hotline]
    facts: dict[str, Fact]
    messages: dict[str, Localised]
    crisis: CrisisContent
    normalise: Normaliser
    do_not_list: tuple[str, ...]
    exercises: dict[str, Exercise]
    safety_plan: SafetyPlan
    training: tuple[TrainingExample, ...] = ()
    dialogue: DialogueContent = field(default_factory=DialogueContent)
    _by_id: dict[str, Intent] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {i.id: i for i in self.intents})

    def intent(self, intent_id: str) -> Intent | None:
        return self._by_id.get(intent_id)


@dataclass(frozen=True, slots=True)
class Choice:
    """A button under an exercise step; `offers` are actions shown under its reply."""

    label: Localised
    reply: Localised
    offers: tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class ExerciseStep:
    """One message of an exercise. `seconds` set: the bot moves on by itself after that long;
    otherwise it waits for an answer, a tap on "next" or one of the `choices`."""

    say: Localised
    seconds: float | None
    button: Localised | None
    ack: Localised | None
    choices: tuple[Choice, ...]


@dataclass(frozen=True, slots=True)
class Exercise:
    id: str
    title: Localised
    intro: Localised
    start_button: Localised | None
    rounds: int
    steps: tuple[ExerciseStep, ...]
    outro: Localised
    offers: tuple[Action, ...]
    path: str
    line: int

    @property
    def length(self) -> int:
        return self.rounds * len(self.steps)

    def step(self, position: int) -> tuple[ExerciseStep, int]:
        """The step at a position counted over all rounds, and its round (from 1)."""
        return self.steps[position % len(self.steps)], position // len(self.steps) + 1


@dataclass(frozen=True, slots=True)
class PlanStep:
    id: str
    heading: Localised
    ask: Localised
    prefill_hotlines: bool


@dataclass(frozen=True, slots=True)
class SafetyPlan:
    title: Localised
    intro: Localised
    steps: tuple[PlanStep, ...]
    heading: Localised
    emergency: Localised
    closing: Localised
    paused: Localised
    stopped: Localised
    gone: Localised
