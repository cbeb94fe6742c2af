"""Typed answers to the bot's own questions, read as the buttons would be.

A question is what the last reply asked with its buttons: "are you thinking of suicide?" (yes /
no / rather not say), "are you safe right now?", the check-in offer, the helper's "and you?".
`Question.of` reads it from the reply, so a question is whatever the content's buttons are and
no list of questions is kept here. `AnswerReader` reads what people type back ("ừ", "ko đâu",
"chắc là có", "idk") as one of a few meanings, and the question says which button that meaning
stands for: "ổn" is yes to "are you safe?" and no to "are you thinking of suicide?".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.core.actions import Action, Kind
from bot.core.normalise import Normalised, Token
from bot.core.phrases import Phrase, compile_phrase
from bot.core.replies import Reply

Meaning = Literal["yes", "no", "unsure", "fine", "help", "more", "hedged_yes"]
MEANINGS: tuple[Meaning, ...] = ("yes", "no", "unsure", "fine", "help", "more")  # written in dialogue.yaml
# Not written: "không biết nữa, chắc có", unsure and then yes. Each question reads it as the
# answer of the two that brings more help.
HEDGED_YES: Meaning = "hedged_yes"
SHORT = 4  # words: a message this short may be answers in a row, or start with a two-word one
# Not meanings: the words around an answer ("hmm…", "thật ra", "ạ", "nha") that are not part of it.
OPENERS, PARTICLES = "openers", "particles"
Words = tuple[Token, ...]

# For each kind of question, the button each meaning stands for, by the button's argument (a
# check-in time is any number). Not sure whether one is safe, or whether one is okay, is read
# as the answer that brings help: recall before everything.
_BUTTONS: dict[Kind, dict[Meaning, str]] = {
    Kind.ASK: {"yes": "yes", "help": "yes", "no": "no", "fine": "no", "unsure": "unsaid",
               "hedged_yes": "yes"},
    Kind.CHECK_IN: {"yes": "safe", "fine": "safe", "no": "help", "help": "help", "unsure": "help",
                    "hedged_yes": "help"},
    Kind.HELPER: {"yes": "ok", "fine": "ok", "no": "not_ok", "help": "not_ok", "unsure": "not_ok",
                  "hedged_yes": "not_ok"},
    Kind.REMIND: {"yes": "#", "fine": "#", "no": "no", "hedged_yes": "#"},
}


def _argument(action: Action) -> str:
    return "#" if action.arg.isdigit() else action.arg.partition(":")[0]


@dataclass(frozen=True, slots=True)
class Question:
    """The buttons of the bot's last question, and what typing each meaning or a button's own
    label stands for."""

    kind: Kind
    actions: tuple[Action, ...]
    labels: tuple[tuple[str, Action], ...] = ()  # each button's label, folded

    @classmethod
    def of(cls, reply: Reply, fold: Callable[[str], str]) -> Question | None:
        """The last question among the reply's messages; None when it asks nothing."""
        for message in reversed(reply.messages()):
            actions = tuple(b.action for b in message.buttons if b.action.kind in _BUTTONS)
            if actions:
                labels = tuple((fold(b.label), b.action) for b in message.buttons)
                return cls(actions[0].kind, actions, labels)
        return None

    def action_for(self, meaning: Meaning | None, folded: str) -> Action | None:
        """The button a typed answer stands for: its label typed out, or its meaning."""
        by_label = next((a for label, a in self.labels if label and label == folded), None)
        if by_label is not None:
            return by_label
        wanted = _BUTTONS[self.kind].get(meaning) if meaning else None
        return next((a for a in self.actions if _argument(a) == wanted), None) if wanted else None


def _longest_first(phrases: Iterable[tuple[str, ...]]) -> list[tuple[str, ...]]:
    return sorted(filter(None, phrases), key=len, reverse=True)


class AnswerReader:
    """What a short reply means, by the phrases of `intents/dialogue.yaml` (teencode written out):
    the whole message, or its first clause, or a phrase of two words or more that starts a very
    short one. A word typed with diacritics must be the phrase's own, as in the crisis rules:
    folded, "cô đơn quá" (so lonely) starts with "có" (yes)."""

    def __init__(self, phrases: Mapping[str, Sequence[str]],
                 normalise: Callable[[str], Normalised]) -> None:
        def folded(text: str) -> tuple[str, ...]:
            return _folded(normalise(text).tokens)

        self._meanings: dict[tuple[str, ...], list[tuple[Phrase, Meaning]]] = {}
        for meaning in MEANINGS:
            for text in phrases.get(meaning, ()):
                phrase = compile_phrase(text, meaning, normalise)
                if phrase.words:
                    key = tuple(w.folded for w in phrase.words)
                    self._meanings.setdefault(key, []).append((phrase, meaning))
        # Longest first, so that "thật ra thì" goes before "thật ra".
        self._openers = _longest_first(map(folded, phrases.get(OPENERS, ())))
        self._particles = _longest_first(map(folded, phrases.get(PARTICLES, ())))
        self._longest = max((len(w) for w in self._meanings), default=0)

    def read(self, message: Normalised) -> Meaning | None:
        return self.split(message)[0]

    def split(self, message: Normalised) -> tuple[Meaning | None, Words]:
        """The answer, and the words after it that are not part of it ("ko đâu" and "mk chỉ
        mệt thôi"), for the detectors to read as a message of their own."""
        tokens = message.tokens
        if not tokens:
            return None, ()
        clauses: dict[int, list[Token]] = {}
        for t in tokens:
            clauses.setdefault(t.clause, []).append(t)
        parts = [tuple(c) for c in clauses.values()]
        # The whole message, its first clause, or the one after an opener alone ("hmm… có").
        candidates = [(tokens, len(tokens)), (parts[0], len(parts[0]))]
        if len(parts) > 1 and self._trimmed(parts[0]) == ():
            candidates.append((parts[1], len(parts[0]) + len(parts[1])))
        for candidate, end in candidates:
            for form in (candidate, self._trimmed(candidate)):
                if (meaning := self._meaning(form)) is not None:
                    return self._hedged(meaning, parts, tokens[end:])
        trimmed = self._trimmed(tokens)
        if len(trimmed) > SHORT:
            return None, ()
        if (meaning := self._all_one(trimmed)) is not None:
            return meaning, ()
        # One word is too little to go on at the start of more: "co" begins "cô đơn" too.
        for n in range(min(len(trimmed), self._longest), 1, -1):
            if (meaning := self._meaning(trimmed[:n])) is not None:
                return meaning, ()
        return None, ()

    def _hedged(self, meaning: Meaning, parts: list[Words], rest: Words) -> tuple[Meaning, Words]:
        """Unsure, then yes in the next clause ("không biết nữa, chắc có"), is a hedged yes."""
        if meaning != "unsure" or len(parts) < 2:
            return meaning, rest
        later = self._meaning(parts[1]) or self._meaning(self._trimmed(parts[1]))
        return (HEDGED_YES, rest[len(parts[1]):]) if later == "yes" else (meaning, rest)

    def _all_one(self, words: Words) -> Meaning | None:
        """Answers of one meaning one after another ("yeah kinda", "ừ ừ, có"), longest first."""
        found: set[Meaning] = set()
        at = 0
        while at < len(words):
            step = next(((n, m) for n in range(min(len(words) - at, self._longest), 0, -1)
                         if (m := self._meaning(words[at:at + n])) is not None), None)
            if step is None:
                return None
            found.add(step[1])
            at += step[0]
        return found.pop() if len(found) == 1 else None

    def _meaning(self, typed: Words) -> Meaning | None:
        for phrase, meaning in self._meanings.get(_folded(typed), ()):
            if all(w.matches(t) for w, t in zip(phrase.words, typed, strict=True)):
                return meaning
        return None

    def _trimmed(self, words: Words) -> Words:
        """Without the openers before it and the particles after it."""
        changed = True
        while changed and words:
            changed = False
            for opener in self._openers:
                if _folded(words[:len(opener)]) == opener:
                    words, changed = words[len(opener):], True
                    break
            for particle in self._particles:
                if len(words) > len(particle) and _folded(words[-len(particle):]) == particle:
                    words, changed = words[:-len(particle)], True
                    break
        return words


def _folded(words: Words) -> tuple[str, ...]:
    return tuple(t.folded for t in words)
