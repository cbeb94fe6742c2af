"""Building replies from content: plain text plus buttons, in the person's language.

Replies are plain text; the Telegram layer escapes them for HTML and the terminal prints them
as they are. Hotlines are always shown with their hours, whether they are open now (Vietnam
time), and whether calling costs the caller, because a teenager without phone credit can still
reach the free lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.actions import PLAN_START, Action, Kind
from bot.core.commands import COMMANDS
from bot.core.language import Language
from bot.core.models import Content, Fact, Hotline, Intent

# The one reply text in code: used only when content itself cannot produce a reply.
LAST_RESORT = (
    "Xin lỗi, mình đang gặp lỗi. Nếu bạn đang gặp nguy hiểm, hãy gọi ngay 115 (cấp cứu) "
    "hoặc 113 (công an). Trẻ em và người gọi về một trẻ em: 111 (miễn phí, 24/7).\n"
    "Sorry, something went wrong on my side. If you are in danger, call 115 (ambulance) or "
    "113 (police) now. Children, or anyone calling about a child: 111 (free, 24/7)."
)
EXERCISES = "exercises"  # the menu group of exercises and the safety plan
COMMAND_LIST = "{commands}"  # in a topic's reply, where the list of commands goes
COST_KEYS = {"free": "cost_free", "caller-pays": "cost_caller_pays", "standard": "cost_standard"}


def _runs(days: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Consecutive days as (first, last) and lone days as (day,): Wed-Sun reads better than five."""
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return [span for r in runs for span in ([(r[0], r[-1])] if len(r) > 2 else [(d,) for d in r])]


@dataclass(frozen=True, slots=True)
class ReplyButton:
    label: str
    action: Action


@dataclass(frozen=True, slots=True)
class Reply:
    """Text and buttons; `follow_up` is a second message sent right after (the crisis check-in)."""

    text: str
    buttons: tuple[ReplyButton, ...] = ()
    follow_up: Reply | None = None

    def messages(self) -> list[Reply]:
        return [self, *(self.follow_up.messages() if self.follow_up else [])]


@dataclass(frozen=True)
class ReplyBuilder:
    content: Content

    def say(self, key: str, lang: Language, **values: str) -> str:
        """One of the bot's own sentences (messages.yaml), with its {placeholders} filled."""
        text = self.content.messages[key](lang)
        return text.format(**values) if values else text

    def hours(self, hotline: Hotline, lang: Language) -> str:
        if hotline.hours.always:
            return self.say("hours_always", lang)
        names = [n.strip() for n in self.say("day_names", lang).split(",")]
        days = ", ".join("-".join(names[d] if d < len(names) else str(d) for d in run)
                         for run in _runs(hotline.hours.days))
        return self.say("hours_days", lang, days=days,
                         open=hotline.hours.opens.strftime("%H:%M"),
                         close=hotline.hours.closes.strftime("%H:%M"))

    def hotline(self, hotline: Hotline, lang: Language, now: datetime | None,
                detail: bool = False) -> str:
        """One line's number, name, hours and cost; with `now`, whether it is open now."""
        facts = [self.hours(hotline, lang), self.say(COST_KEYS[hotline.cost], lang)]
        if now is not None and not hotline.hours.always:
            facts.append(self.say("open_now" if hotline.hours.is_open(now) else "closed_now", lang))
        line = f"📞 {hotline.number} · {hotline.name(lang)} ({'; '.join(facts)})"
        about = hotline.serves(lang)
        if hotline.region:
            about = f"{hotline.region(lang)}: {about}"
        lines = [line, f"   {about}"]
        if detail and hotline.what_happens:
            lines.append(f"   {hotline.what_happens(lang)}")
        return "\n".join(lines)

    def hotlines(self, ids: tuple[str, ...], lang: Language, now: datetime,
                 detail: bool = False) -> tuple[list[str], list[str]]:
        """Open lines first, closed ones after: someone at 2 a.m. must see what answers now.
        When none of the lines asked for is open, the crisis reply's support lines that are
        open now come first, so that no list of lines holds only closed ones."""
        found = [self.content.hotlines[i] for i in ids if i in self.content.hotlines]
        if found and not any(h.hours.is_open(now) for h in found):
            found = [h for h in self._crisis_lines() if h.kind != "emergency" and h not in found] + found
        open_now = [self.hotline(h, lang, now, detail) for h in found if h.hours.is_open(now)]
        closed = [self.hotline(h, lang, now, detail) for h in found if not h.hours.is_open(now)]
        return open_now, closed

    def citation(self, fact: Fact, lang: Language) -> str:
        """Where a reply's facts come from; the reply itself states them in context."""
        text = f"📰 {fact.title(lang)}, {fact.source}"
        return f"{text}\n{fact.link}" if fact.link else text

    def intent(self, intent: Intent, lang: Language, now: datetime) -> Reply:
        parts = [intent.reply(lang).replace(COMMAND_LIST, self.command_list(lang))]
        parts.extend(self.citation(self.content.facts[r], lang) for r in intent.resources
                     if r in self.content.facts)
        open_now, closed = self.hotlines(intent.resources, lang, now)
        if open_now or closed:
            parts.append("\n".join(open_now + closed))
        return Reply("\n\n".join(parts), self.buttons(intent.buttons, lang))

    def also(self, reply: Reply, intent_id: str, lang: Language) -> Reply:
        """A topic's reply, offering a second topic the message was also about, first among
        its buttons."""
        intent = self.content.intent(intent_id)
        action = Action(Kind.INTENT, intent_id)
        if intent is None or any(b.action == action for b in reply.buttons):
            return reply
        title = intent.title(lang)
        line = self.say("also_topic", lang, topic=title.casefold())
        return Reply(f"{reply.text}\n\n{line}", (ReplyButton(title, action), *reply.buttons), reply.follow_up)

    def more(self, intent_id: str, lang: Language) -> Reply:
        """"What else?" after a topic's reply: its further tips, or the menu when it has none."""
        intent = self.content.intent(intent_id)
        if intent is None or intent.more is None:
            return Reply(self.say("more_none", lang), self.menu(lang).buttons)
        return Reply(intent.more(lang), self.buttons(intent.buttons, lang))

    def buttons(self, actions: tuple[Action, ...], lang: Language) -> tuple[ReplyButton, ...]:
        """Buttons for actions (a topic, an exercise, the safety plan, a menu group), labelled
        from content; an action that names nothing is left out."""
        labelled = ((self.label(action, lang), action) for action in actions)
        return tuple(ReplyButton(label, action) for label, action in labelled if label)

    def label(self, action: Action, lang: Language) -> str | None:
        if action.kind is Kind.INTENT:
            intent = self.content.intent(action.arg)
            return intent.title(lang) if intent else None
        if action.kind is Kind.EXERCISE:
            exercise = self.content.exercises.get(action.arg)
            return exercise.title(lang) if exercise else None
        if action == PLAN_START:
            return self.content.safety_plan.title(lang)
        if action.kind is Kind.MENU:
            return self._group_label(action.arg, lang)
        return None

    def menu_groups(self) -> tuple[str, ...]:
        groups = dict.fromkeys(i.menu for i in self.content.intents if i.menu)
        return (*groups, EXERCISES) if self.content.exercises else tuple(groups)

    def menu(self, lang: Language, group: str | None = None) -> Reply:
        if group is None:
            actions = tuple(Action(Kind.MENU, g) for g in self.menu_groups())
        elif group == EXERCISES:
            actions = (*(Action(Kind.EXERCISE, e) for e in self.content.exercises), PLAN_START)
        else:
            actions = tuple(Action(Kind.INTENT, i.id) for i in self.content.intents if i.menu == group)
        return Reply(self.say("menu_title", lang), self.buttons(actions, lang))

    def _group_label(self, group: str, lang: Language) -> str:
        key = f"menu_{group}"
        return self.say(key, lang) if key in self.content.messages else group

    def command_list(self, lang: Language) -> str:
        return "\n".join(f"/{c.name} · {self.say(c.description_key, lang)}" for c in COMMANDS)

    def start(self, lang: Language) -> Reply:
        return Reply(self.say("start", lang), self.menu(lang).buttons)

    def forget_confirm(self, lang: Language) -> Reply:
        return Reply(self.say("forget_confirm", lang),
                     (ReplyButton(self.say("button_forget_yes", lang), Action(Kind.FORGET, "yes")),
                      ReplyButton(self.say("button_forget_no", lang), Action(Kind.FORGET, "no"))))

    def language_choice(self, lang: Language, chosen: Language | None) -> Reply:
        """`/language` alone: the choice in force and a button for each, detection among them."""
        current = self.say(f"language_current_{chosen or 'auto'}", lang)
        return Reply(f"{self.say('language_prompt', lang)}\n{current}",
                     tuple(ReplyButton(self.say(f"button_{code}", lang), Action(Kind.LANGUAGE, code))
                           for code in ("vi", "en", "auto")))

    def fallback(self, lang: Language, feeling: bool = False) -> Reply:
        """`feeling`: the message sounded sad or heavy, which is said before anything else."""
        text = self.say("fallback", lang)
        if feeling:
            text = f"{self.say('fallback_feeling', lang)}\n\n{text}"
        return Reply(text, self.menu(lang).buttons)

    def hotline_list(self, lang: Language, now: datetime) -> Reply:
        ids = tuple(self.content.hotlines)
        open_now, closed = self.hotlines(ids, lang, now)
        parts = [self.say("hotlines_heading", lang), "\n".join(open_now)]
        if closed:
            parts += [self.say("more_hotlines", lang), "\n".join(closed)]
        return Reply("\n\n".join(parts))

    def _crisis_lines(self) -> list[Hotline]:
        return [self.content.hotlines[i] for i in self.content.crisis.resources if i in self.content.hotlines]

    def emergency_number(self) -> str:
        return next((h.number for h in self._crisis_lines() if h.kind == "emergency"), "115")

    def support_lines(self) -> tuple[str, ...]:
        """The crisis reply's lines that are not the emergency number: people to talk to."""
        return tuple(h.id for h in self._crisis_lines() if h.kind != "emergency")

    def checkin(self, answer: str, lang: Language, now: datetime) -> Reply:
        """Answers to "are you safe?" (`safe`, `help`) and to a later check-in (`better`, `hard`)."""
        if answer in ("safe", "better"):
            key = "checkin_safe" if answer == "safe" else "checkin_better"
            return Reply(self.say(key, lang), self.buttons(self.content.crisis.after_safe, lang))
        crisis = self.content.crisis
        open_now, closed = self.hotlines(crisis.resources, lang, now, detail=True)
        if answer == "hard":
            return Reply("\n\n".join([self.say("checkin_hard", lang), "\n".join(open_now + closed)]),
                         self.buttons(crisis.buttons, lang))
        return Reply("\n\n".join([self.say("checkin_help", lang), "\n".join(open_now + closed)]))

    def error(self, lang: Language, now: datetime) -> Reply:
        """Shown when matching failed: still carries the always-open emergency numbers."""
        always = tuple(h.id for h in self.content.hotlines.values()
                       if h.hours.always and h.cost == "free")
        open_now, _ = self.hotlines(always, lang, now)
        return Reply(self.say("error", lang) + "\n\n" + "\n".join(open_now))
