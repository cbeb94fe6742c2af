"""The crisis replies, one for each level, and for someone worried about another person.

- emergency (already acted, or in the act): the first line is the emergency number and what
  to do now; nothing comes before it, and no exercise is offered.
- urgent: acknowledgement, what the bot is and is not, the number for danger now, the lines
  (those open now first), something to do in the chat, and "are you safe right now?".
- concern: the same care, and a direct question, "are you thinking of harming yourself?",
  with an answer button each for yes, no and "I'd rather not say"; the lines are always there.
- about someone else: spoken to the helper about the other person (what to say, not to leave
  them alone, whom to call), then one question about the helper themself.
Every sentence comes from `intents/crisis.yaml`.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.actions import Action, Kind
from bot.core.detectors import Level
from bot.core.language import Language
from bot.core.replies import Reply, ReplyBuilder, ReplyButton


class CrisisReplies:
    def __init__(self, builder: ReplyBuilder) -> None:
        self.builder = builder

    def _said(self, key: str, lang: Language, **values: str) -> str:
        text = self.builder.content.crisis.replies[key](lang)
        return text.format(**values) if values else text

    def _lines(self, lang: Language, now: datetime) -> list[str]:
        """The support lines, open now first, each with who it is for."""
        open_now, closed = self.builder.hotlines(self.builder.support_lines(), lang, now, detail=True)
        parts = []
        if open_now:
            parts.append(f"{self._said('lines_open', lang)}\n" + "\n".join(open_now))
        if closed:
            parts.append(f"{self._said('lines_closed', lang)}\n" + "\n".join(closed))
        return parts

    def _safe_question(self, lang: Language) -> Reply:
        return Reply(self._said("safe_question", lang),
                     (ReplyButton(self._said("button_safe", lang), Action(Kind.CHECK_IN, "safe")),
                      ReplyButton(self._said("button_need_help", lang), Action(Kind.CHECK_IN, "help"))))

    def reply(self, level: Level, lang: Language, now: datetime, about_other: bool = False,
              topic: str | None = None, across: bool = False) -> Reply:
        """`topic`: what the message is about besides the risk, offered after a "no". `across`:
        raised by what the person said over several messages, which the opening says."""
        if about_other:
            return self._about_other(lang, now)
        number = self.builder.emergency_number()
        lines = self._lines(lang, now)
        if level == "emergency":
            parts = [self._said("emergency_first", lang, number=number), self._said("emergency_steps", lang),
                     *lines, self._said("keep_talking", lang)]
            return Reply("\n\n".join(parts), follow_up=self._safe_question(lang))
        opening = self._said("across_opening" if across else f"{level}_opening", lang)
        danger = f"{self._said('not_emergency', lang)} {self._said('emergency_call', lang, number=number)}"
        if level == "concern":
            parts = [opening, danger, *lines, self._said("keep_talking", lang)]
            return Reply("\n\n".join(parts), self._ask_buttons(lang, topic))
        parts = [opening, danger, *lines, self._said("exercise", lang), self._said("keep_talking", lang)]
        return Reply("\n\n".join(parts), self.builder.buttons(self.builder.content.crisis.buttons, lang),
                     follow_up=self._safe_question(lang))

    def _ask_buttons(self, lang: Language, topic: str | None) -> tuple[ReplyButton, ...]:
        no = Action(Kind.ASK, f"no:{topic}" if topic else "no")
        return (ReplyButton(self._said("button_yes", lang), Action(Kind.ASK, "yes")),
                ReplyButton(self._said("button_no", lang), no),
                ReplyButton(self._said("button_unsaid", lang), Action(Kind.ASK, "unsaid")))

    def ask_again(self, lang: Language, now: datetime, topic_reply: Reply | None = None,
                  topic: str | None = None) -> Reply:
        """The direct question once more, gently, after a message that did not answer it: the
        reply to what the message was about first, when it was about a topic, then the lines."""
        parts = [topic_reply.text] if topic_reply is not None else []
        parts += [self._said("ask_again", lang), *self._lines(lang, now)]
        return Reply("\n\n".join(parts), self._ask_buttons(lang, topic))

    def safe_again(self, level: Level, lang: Language, now: datetime,
                   topic_reply: Reply | None = None) -> Reply:
        """"Are you safe right now?" once more, after a message that did not answer it; after an
        emergency reply, the emergency number still comes first."""
        first = [self._said("emergency_first", lang, number=self.builder.emergency_number())
                 if level == "emergency" else ""]
        parts = [*filter(None, first), *([topic_reply.text] if topic_reply is not None else []),
                 self._said("safe_again", lang), *self._lines(lang, now)]
        return Reply("\n\n".join(parts), self._safe_question(lang).buttons)

    def _about_other(self, lang: Language, now: datetime) -> Reply:
        number = self.builder.emergency_number()
        parts = [self._said("other_opening", lang), self._said("other_guidance", lang),
                 self._said("other_call", lang, number=number), *self._lines(lang, now)]
        # Asked once: "a friend" is sometimes how people speak of themselves, and the helper
        # may be struggling too.
        question = Reply(self._said("helper_question", lang),
                         (ReplyButton(self._said("button_helper_ok", lang), Action(Kind.HELPER, "ok")),
                          ReplyButton(self._said("button_helper_not_ok", lang),
                                      Action(Kind.HELPER, "not_ok"))))
        return Reply("\n\n".join(parts), follow_up=question)

    def answer(self, action: Action, lang: Language, now: datetime) -> Reply:
        """The answers to the direct question (`ask:`) and to the helper's question (`helper:`)."""
        move, topic = action.parts()
        if action.kind is Kind.HELPER:
            if move == "not_ok":
                return self.reply("concern", lang, now)
            after = self.builder.buttons(self.builder.content.crisis.after_safe, lang)
            return Reply(self._said("helper_ok", lang), after)
        if move == "yes":
            return self.reply("urgent", lang, now)
        key = "ask_no" if move == "no" else "ask_unsaid"
        parts = [self._said(key, lang)]
        intent = self.builder.content.intent(topic) if topic else None
        if intent is not None:
            parts.append(intent.reply(lang))
        parts += self._lines(lang, now)
        buttons = intent.buttons if intent is not None else self.builder.content.crisis.after_safe
        return Reply("\n\n".join(parts), self.builder.buttons(buttons, lang))
