"""What the bot remembers of a conversation: per person, in the process only, for minutes.

For each person: the question the bot last asked (its buttons), the cues of the last few
messages (`bot.core.across`), and the topic of the last topic reply. No text is kept: the
cues are names of concepts, so what the detectors need of the past is there and what the
person wrote is not. Nothing here is written to disk, the database, a log or the content cache;
a person is dropped after `timeout` seconds without a message, on /forget, and on restart.
Bounded: `max_messages` cues per person, `max_people` people, the least recently heard from
dropped first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

from bot.core.answers import Question
from bot.core.detectors import Level

MAX_PEOPLE = 100_000
MAX_MESSAGES = 8


@dataclass(slots=True)
class Recent:
    """One person's last minutes."""

    heard: float  # when they last wrote (monotonic seconds)
    question: Question | None = None
    asked_at: Level | None = None  # the level of the reply that asked it
    asked_again: bool = False  # the question was asked once more, after a reply that answered nothing
    cues: tuple[frozenset[str], ...] = ()  # of their last messages, oldest first
    topic: str | None = None  # of the last topic reply, for "more"
    reached: Level | None = None  # the gravest crisis level answered within the window
    more_given: bool = False

    def remember(self, cues: frozenset[str], limit: int) -> None:
        self.cues = (*self.cues, cues)[-limit:]


class Memory:
    def __init__(self, timeout: float, max_people: int = MAX_PEOPLE,
                 max_messages: int = MAX_MESSAGES) -> None:
        self.timeout = timeout
        self.max_people = max_people
        self.max_messages = max_messages
        self._people: OrderedDict[Hashable, Recent] = OrderedDict()
        # Cue sets and questions repeat (most messages have no cues, the rest a handful of
        # kinds; every concern reply asks the same question): one copy of each.
        self._shared: dict[frozenset[str], frozenset[str]] = {}
        self._questions: dict[Question, Question] = {}

    def __len__(self) -> int:
        return len(self._people)

    def recall(self, person: Hashable, now: float) -> Recent:
        """The person's last minutes, empty when they are new or were silent past the timeout."""
        recent = self._people.get(person)
        if recent is None or now - recent.heard > self.timeout:
            recent = Recent(now)
            self._people[person] = recent
        recent.heard = now
        self._people.move_to_end(person)
        self._drop_old(now)
        return recent

    def note(self, recent: Recent, cues: frozenset[str]) -> None:
        recent.remember(self._shared.setdefault(cues, cues), self.max_messages)

    def ask(self, recent: Recent, question: Question | None) -> None:
        recent.question = None if question is None else self._questions.setdefault(question, question)

    def forget(self, person: Hashable) -> None:
        self._people.pop(person, None)

    def _drop_old(self, now: float) -> None:
        people = self._people
        while len(people) > self.max_people:
            people.popitem(last=False)
        while people:
            oldest = next(iter(people.values()))
            if now - oldest.heard <= self.timeout:
                break
            people.popitem(last=False)
