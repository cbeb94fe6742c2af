"""A conversation rather than one message at a time: the engine, with the person's last minutes.

For each message, in this order:
1. The engine decides the message alone (`Engine.respond`): the crisis check comes first, always,
   so an answer, a re-asked question or a rule across messages can only come after it and can
   never delay or replace a crisis reply.
2. A crisis message may be raised further by a rule across messages (never lowered).
3. If the bot's last reply asked a question (`bot.core.answers.Question`), a typed answer is
   taken as the button it stands for: "ừ" to "are you thinking of suicide?" is the "yes" button.
4. A rule across messages (`bot.core.across`) may raise a message the engine left ordinary; its
   reply says why the bot is asking ("từ những gì bạn kể nãy giờ...").
5. A person who leaves the direct question unanswered is asked once more, gently, with the lines.
6. "Còn cách nào khác không?" after a topic's reply gives that topic's further tips.
The terminal chat, `python -m bot converse` and the Telegram handlers all go through
`Dialogue.message`, so they cannot disagree. Memory is `bot.core.memory`: no text is kept.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.across import AcrossRule
from bot.core.actions import Action, Kind
from bot.core.answers import Question
from bot.core.detectors import LEVELS, Finding, Level, Signal
from bot.core.engine import Decision, Engine, Response
from bot.core.language import Language
from bot.core.memory import Memory, Recent
from bot.core.normalise import Token
from bot.core.phrases import Hit
from bot.core.replies import Reply

DETECTOR = "conversation"
GRAVE: tuple[Level, ...] = ("urgent", "emergency")
ASKED_YES = Action(Kind.ASK, "yes")
# "I'd rather not say" keeps the concern it answers: the lines stay, and so does the level.
ASKED_UNSAID = Action(Kind.ASK, "unsaid")


@dataclass(frozen=True)
class Said:
    """The bot's answer to one message in its conversation."""

    response: Response
    level: Level | None  # the crisis level the bot answered at; None for an ordinary reply
    answered: Action | None = None  # the button a typed answer stood for
    across: AcrossRule | None = None  # the rule across messages that raised it

    @property
    def reply(self) -> Reply:
        return self.response.reply

    @property
    def decision(self) -> Decision:
        return self.response.decision


class Dialogue:
    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    def message(self, engine: Engine, person: Hashable, text: str, lang: Language | None,
                now: datetime, clock: float) -> Said:
        recent = self.memory.recall(person, clock)
        response = engine.respond(text, lang, now)
        cues = _cues(engine, response.decision)
        asked_again, recent.asked_again = recent.asked_again, False
        said = self._read(engine, recent, response, cues, asked_again, now)
        self.memory.note(recent, cues)
        self._asked(engine, recent, said)
        return said

    def sent(self, engine: Engine, person: Hashable, reply: Reply, clock: float,
             level: Level | None = None) -> None:
        """A reply the bot sent outside `message` (a button's, a command's), at `level` when it
        is a crisis reply: its question, if it asks one, is now the one being answered."""
        recent = self.memory.recall(person, clock)
        self.memory.ask(recent, Question.of(reply, engine.fold_label))
        recent.asked_again, recent.asked_at = False, level if _asked_again_if_unanswered(recent) else None

    def forget(self, person: Hashable) -> None:
        self.memory.forget(person)

    def _read(self, engine: Engine, recent: Recent, response: Response, cues: frozenset[str],
              asked_again: bool, now: datetime) -> Said:
        decision = response.decision
        if decision.failed:
            return Said(response, None)
        rule = engine.content.dialogue.across.judge(recent.cues, cues)
        # A rule across messages raises what the conversation has not reached yet: a person
        # already answered at urgent is asked "are you safe?" again, not given a second alarm,
        # and is asked every time ("bye" after "mình đã chuẩn bị xong" may be the last message).
        again = None
        if rule is not None and not _graver(rule.level, recent.reached):
            again, rule = (rule if recent.reached in GRAVE else None), None
        question, lang = recent.question, decision.lang
        message = decision.normalised
        meaning, rest = engine.answers.split(message) if message else (None, ())
        action = question.action_for(meaning, message.folded) if question and message else None
        if decision.crisis:
            if (action is not None and _heard_only_as_concern(decision) and answer_level(action) is None
                    and not _crisis_alone(engine, rest, lang)):
                # The person's own answer to the bot's question outweighs a second opinion on
                # its words, and a rule across messages would ask what was just answered: "ko
                # đâu, mk chỉ mệt thôi" reads, folded, like "painless" to the model. What follows
                # the answer is still read on its own ("thôi, chắc đây là lần cuối tau nhắn").
                plain = replace(decision, crisis=False, level=None, finding=None, intent=None)
                return Said(Response(plain, engine.action(action, lang, now)), None, action)
            kept = decision.level == "concern" and not decision.about_other and (
                recent.reached in GRAVE or action == ASKED_YES)
            level = "urgent" if kept else decision.level
            if rule is not None and not decision.about_other and _graver(rule.level, level):
                return self._raised(engine, decision, rule, now)
            return self._kept(engine, decision, now) if kept else Said(response, decision.level)
        if action is not None:
            reply = engine.action(action, lang, now)
            return Said(Response(decision, reply), answer_level(action), action)
        if rule is not None:
            return self._raised(engine, decision, rule, now)
        if again is not None and recent.reached is not None:
            # After an emergency reply, 115 still comes first.
            topic = response.reply if decision.intent is not None else None
            reply = engine.crisis_replies.safe_again(recent.reached, decision.lang, now, topic)
            return Said(Response(decision, reply), recent.reached, across=again)
        if question is not None and recent.asked_at is not None and not asked_again:
            return self._ask_again(engine, recent, question, response, now)
        if meaning == "more" and recent.topic is not None:
            return Said(Response(decision, engine.replies.more(recent.topic, lang)), None)
        if decision.intent is None and not cues.isdisjoint(engine.content.dialogue.across.feelings):
            return Said(Response(decision, engine.replies.fallback(lang, feeling=True)), None)
        return Said(response, None)

    def _ask_again(self, engine: Engine, recent: Recent, question: Question, response: Response,
                   now: datetime) -> Said:
        """A crisis reply's question left unanswered: asked once more, at the level it was asked
        at, after the reply to what the message was about when it was about a topic."""
        decision, level = response.decision, recent.asked_at
        assert level is not None
        recent.asked_again = True
        topic = response.reply if decision.intent is not None else None
        if question.kind is Kind.ASK:
            no = next((a for a in question.actions if a.parts()[0] == "no"), None)
            reply = engine.crisis_replies.ask_again(decision.lang, now, topic, no.parts()[1] if no else None)
        else:
            reply = engine.crisis_replies.safe_again(level, decision.lang, now, topic)
        return Said(Response(decision, reply), level)

    def _kept(self, engine: Engine, decision: Decision, now: datetime) -> Said:
        """A passive wish after the conversation reached urgent is read as part of it, at urgent:
        "muốn ngủ một giấc không dậy" after asking how many pills it takes is not a new, milder
        worry; nor is "có, mình thấy mình là gánh nặng" a yes to "are you thinking of suicide?".
        (Emergency is for acts, so it is not carried over.)"""
        assert decision.finding is not None and decision.finding.signal is not None
        signal = replace(decision.finding.signal, level="urgent")
        kept = replace(decision, level="urgent", finding=replace(decision.finding, signal=signal),
                       intent=engine.content.crisis.intent_ids["urgent"])
        return Said(Response(kept, engine.crisis_replies.reply("urgent", decision.lang, now)), "urgent")

    def _raised(self, engine: Engine, decision: Decision, rule: AcrossRule, now: datetime) -> Said:
        signal = Signal(rule.level, rule.id, "", False, False, False)
        finding = Finding(DETECTOR, signal, (f"across messages: rule {rule.id}",))
        raised = replace(decision, crisis=True, level=rule.level, finding=finding,
                         intent=engine.content.crisis.intent_ids[rule.level], score=100.0)
        reply = engine.crisis_replies.reply(rule.level, decision.lang, now, across=True)
        return Said(Response(raised, reply), rule.level, across=rule)

    def _asked(self, engine: Engine, recent: Recent, said: Said) -> None:
        """What the reply asked, if anything, for the next message to answer."""
        self.memory.ask(recent, Question.of(said.reply, engine.fold_label))
        if said.level is not None and _graver(said.level, recent.reached):
            recent.reached = said.level
        if not _asked_again_if_unanswered(recent):
            recent.asked_at = None
        elif said.level is not None:
            recent.asked_at = said.level
        decision = said.decision
        if said.answered is None and said.level is None and decision.intent is not None:
            recent.topic = decision.intent
        elif said.level is not None:
            recent.topic = None


def answer_level(action: Action) -> Level | None:
    """The crisis level of the reply to an answer: "yes, I am thinking of it" brings the urgent
    reply; "I'd rather not say" stays at concern, with the lines; and a helper who is not okay
    themself is asked directly, as at concern."""
    if action == ASKED_YES:
        return "urgent"
    return "concern" if action in (Action(Kind.HELPER, "not_ok"), ASKED_UNSAID) else None


def _crisis_alone(engine: Engine, words: tuple[Token, ...], lang: Language) -> bool:
    """Whether the words after an answer are a crisis read alone: the decision only, no reply."""
    return bool(words) and engine.decide(" ".join(t.text for t in words), lang).crisis


def _heard_only_as_concern(decision: Decision) -> bool:
    """Escalated at concern by a second opinion alone, no rule of the message's own."""
    return decision.level == "concern" and decision.check is not None and decision.check.signal is None


def _asked_again_if_unanswered(recent: Recent) -> bool:
    """Only a crisis reply's question is asked again; a check-in offer left aside is let go."""
    return recent.question is not None and recent.question.kind in (Kind.ASK, Kind.CHECK_IN)


def _graver(level: Level, than: Level | None) -> bool:
    return than is None or LEVELS.index(level) < LEVELS.index(than)


def _cues(engine: Engine, decision: Decision) -> frozenset[str]:
    """What one message leaves for the rules across messages, by the engine's own reading of it:
    nothing of its words where a context said what they were (homework, the news, a past told
    as past)."""
    check, across, message = decision.check, engine.content.dialogue.across, decision.normalised
    level = decision.level if decision.crisis else None
    if check is None or message is None or check.contexts or check.topic is not None:
        return across.cues_of((), level)
    topic = decision.intent if not decision.crisis else None
    held = (c.phrase.owner for c in check.concepts if _as_written(c, message.tokens))
    return across.cues_of(held, level, topic)


def _as_written(hit: Hit, tokens: tuple[Token, ...]) -> bool:
    """Whether the words typed with diacritics are the concept's own: folded, "mưa" (rain) is
    "mua" (buy), which a single rule survives (it needs more words) but a cue would carry on."""
    typed = tokens[hit.start:hit.end]
    return len(typed) == len(hit.phrase.words) and all(
        not t.strict or t.text == w.text for t, w in zip(typed, hit.phrase.words, strict=True))
