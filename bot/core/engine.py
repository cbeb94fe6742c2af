"""The pure engine: one message in, one decision and reply out. No I/O here.

normalise → detect crisis → match intent → build reply. The CLI, the terminal chat, the
Telegram handlers and the benchmarks all call `Engine.respond`, so they cannot disagree. The
engine is handed its detectors (`bot.content.loader.load_engine` compiles the rules); how
their findings combine is `bot.core.detectors.combine`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.core.actions import Action, Kind
from bot.core.answers import AnswerReader
from bot.core.crisis import CrisisCheck, CrisisDetector
from bot.core.crisis_replies import CrisisReplies
from bot.core.detectors import Detector, Finding, Level, combine
from bot.core.guide import Guide
from bot.core.language import Language
from bot.core.matcher import Candidate, IntentMatcher
from bot.core.models import Content
from bot.core.normalise import Normalised
from bot.core.replies import LAST_RESORT, Reply, ReplyBuilder
from bot.core.topic_model import TopicGuess, TopicModel

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    """Why the engine answered as it did; `intent` is None for the fallback."""

    text: str
    lang: Language
    intent: str | None
    crisis: bool
    level: Level | None
    score: float
    about_other: bool = False
    normalised: Normalised | None = None
    check: CrisisCheck | None = None  # everything the rules saw
    finding: Finding | None = None  # the decisive finding, of whichever detector spoke
    candidates: tuple[Candidate, ...] = ()
    failed: bool = False
    opinions: tuple[Finding, ...] = ()  # what each second opinion made of it, heard or not
    guess: TopicGuess | None = None  # the topic classifier's, when the matcher found no topic
    also: str | None = None  # a second topic the message is about, offered with a button

    @property
    def detector(self) -> str | None:
        """Which detectors saw risk in an escalated message: "rules", "model" or "both"."""
        if not self.crisis or self.check is None:
            return None
        rules = self.check.signal is not None
        others = any(o.signal is not None for o in self.opinions)
        if rules and others:
            return "both"
        return "rules" if rules else next((o.detector for o in self.opinions if o.signal), None)

    @property
    def rule(self) -> str | None:
        return self.finding.signal.rule if self.finding and self.finding.signal else None

    @property
    def softened(self) -> bool:
        """Crisis words were there, and guards or contexts said they were not a crisis
        ("nóng muốn chết"): the reply keeps the door open."""
        return not self.crisis and self.check is not None and bool(self.check.suppressed)

    @property
    def phrase(self) -> str | None:
        return self.finding.signal.phrase if self.finding and self.finding.signal else None


@dataclass(frozen=True)
class Response:
    decision: Decision
    reply: Reply


@dataclass(frozen=True, repr=False)
class Engine:
    content: Content
    rules: CrisisDetector
    second_opinions: tuple[Detector, ...] = ()
    topics: TopicModel | None = None  # the learned topic classifier, where the matcher finds nothing
    matcher: IntentMatcher = field(init=False, repr=False)
    replies: ReplyBuilder = field(init=False, repr=False)
    crisis_replies: CrisisReplies = field(init=False, repr=False)
    guide: Guide = field(init=False, repr=False)
    answers: AnswerReader = field(init=False, repr=False)
    _labels: dict[str, str] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        negations = self.rules.negation_words()
        object.__setattr__(self, "matcher", IntentMatcher(self.content.intents,
                                                          self.content.normalise, negations))
        object.__setattr__(self, "replies", ReplyBuilder(self.content))
        object.__setattr__(self, "crisis_replies", CrisisReplies(self.replies))
        object.__setattr__(self, "guide", Guide(self.content, self.replies))
        answers = AnswerReader(self.content.dialogue.answers, self.content.normalise)
        object.__setattr__(self, "answers", answers)

    def fold_label(self, label: str) -> str:
        """A button's label as typed answers are compared with it: without diacritics, teencode
        written out. Labels come from content, so each is normalised once, not on every reply."""
        folded = self._labels.get(label)
        if folded is None:
            folded = self._labels[label] = self.content.normalise(label).folded
        return folded

    def __repr__(self) -> str:
        return f"Engine({len(self.content.intents)} intents)"

    def decide(self, text: str, lang: Language | None = None) -> Decision:
        message = self.content.normalise(text)
        language = lang or message.lang
        check = self.rules.inspect(message)
        opinions = tuple(d.check(message) for d in self.second_opinions)
        finding = combine(check.finding(), opinions, explained=bool(check.suppressed))
        if finding.signal is not None:
            signal = finding.signal
            intent = ("help_someone_else" if signal.about_other
                      else self.content.crisis.intent_ids[signal.level])
            # A concern reply asks directly; after a "no" it offers the topic the message is about.
            ranked = tuple(self.matcher.rank(message)) if signal.level == "concern" else ()
            return Decision(text, language, intent, True, signal.level, 100.0, signal.about_other,
                            message, check, finding, ranked, opinions=opinions)
        if check.topic is not None:
            # The words were there, but a context said what they are: suicide as a subject,
            # a past told as past. Its topic answers, with the lines.
            return Decision(text, language, check.topic, False, None, 100.0, normalised=message,
                            check=check, finding=finding, opinions=opinions)
        candidates = tuple(self.matcher.rank(message))
        chosen = next((c for c in candidates if c.score >= self.matcher.threshold_for(c.intent)), None)
        if chosen is not None:
            also = next((c.intent for c in candidates if c is not chosen
                         and c.score >= self.matcher.threshold_for(c.intent)), None)
            return Decision(text, language, chosen.intent, False, None, chosen.score, normalised=message,
                            check=check, finding=finding, candidates=candidates, opinions=opinions,
                            also=also)
        # No example is close enough: the classifier may know the topic from its words.
        best = candidates[0].intent if candidates else None
        guess = self.topics.guess(message, best) if self.topics is not None else None
        if guess is not None and guess.heard:
            return Decision(text, language, guess.intent, False, None, round(100 * guess.probability, 1),
                            normalised=message, check=check, finding=finding, candidates=candidates,
                            opinions=opinions, guess=guess)
        return Decision(text, language, None, False, None, candidates[0].score if candidates else 0.0,
                        normalised=message, check=check, finding=finding, candidates=candidates,
                        opinions=opinions, guess=guess)

    def respond(self, text: str, lang: Language | None = None,
                now: datetime | None = None) -> Response:
        """Never raises: on any internal error the reply still carries the emergency numbers."""
        now = now or datetime.now(UTC)
        try:
            decision = self.decide(text, lang)
            return Response(decision, self.reply_for(decision, now))
        except Exception:
            log.exception("engine failed on a message; sending the fail-safe reply")
            language: Language = lang or "vi"
            failed = Decision(text, language, None, False, None, 0.0, failed=True)
            try:
                return Response(failed, self.replies.error(language, now))
            except Exception:
                log.exception("fail-safe reply failed too; sending the last-resort text")
                return Response(failed, Reply(LAST_RESORT))

    def reply_for(self, decision: Decision, now: datetime) -> Reply:
        if decision.crisis and decision.level is not None:
            fits = next((c.intent for c in decision.candidates
                         if c.score >= self.matcher.threshold_for(c.intent)), None)
            return self.crisis_replies.reply(decision.level, decision.lang, now, decision.about_other, fits)
        intent = self.content.intent(decision.intent) if decision.intent else None
        reply = (self.replies.intent(intent, decision.lang, now) if intent is not None
                 else self.replies.fallback(decision.lang))
        if intent is not None and decision.also is not None:
            reply = self.replies.also(reply, decision.also, decision.lang)
        if decision.softened:
            reply = Reply(f"{reply.text}\n\n{self.replies.say('door_open', decision.lang)}", reply.buttons,
                          reply.follow_up)
        return reply

    def action(self, action: Action, lang: Language, now: datetime | None = None) -> Reply:
        """What a button or command asks for, when it is a reply of the engine's own (a topic, a
        menu, the lines, an answer to "are you safe?", the greeting, privacy, the question
        before deleting). Anything else gets the fallback rather than an error."""
        now = now or datetime.now(UTC)
        match action.kind:
            case Kind.START:
                return self.replies.start(lang)
            case Kind.PRIVACY:
                return Reply(self.replies.say("privacy", lang))
            case Kind.FORGET if not action.arg:
                return self.replies.forget_confirm(lang)
            case Kind.INTENT:
                return self.intent_reply(action.arg, lang, now)
            case Kind.MENU:
                return self.replies.menu(lang, action.arg or None)
            case Kind.CHECK_IN:
                return self.replies.checkin(action.arg, lang, now)
            case Kind.HOTLINES:
                return self.replies.hotline_list(lang, now)
            case Kind.ASK | Kind.HELPER:
                return self.crisis_replies.answer(action, lang, now)
        return self.replies.fallback(lang)

    def intent_reply(self, intent_id: str, lang: Language, now: datetime | None = None) -> Reply:
        intent = self.content.intent(intent_id)
        if intent is None:
            return self.replies.fallback(lang)
        return self.replies.intent(intent, lang, now or datetime.now(UTC))
