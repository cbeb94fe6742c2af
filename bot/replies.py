"""Building replies from content: plain text plus buttons, in the person's language.

Replies are plain text; the Telegram layer escapes them for HTML and the terminal prints them
as they are. Hotlines are always shown with their hours, whether they are open now (Vietnam
time), and whether calling costs the caller, because a teenager without phone credit can still
reach the free lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.content import Content, Fact, Hotline, Intent
from bot.crisis import Level
from bot.language import Language

# The one reply text in code: used only when content itself cannot produce a reply.
LAST_RESORT = (
    "Xin lỗi, mình đang gặp lỗi. Nếu bạn đang gặp nguy hiểm, hãy gọi ngay 115 (cấp cứu) "
    "hoặc 113 (công an). Trẻ em và người gọi về một trẻ em: 111 (miễn phí, 24/7).\n"
    "Sorry, something went wrong on my side. If you are in danger, call 115 (ambulance) or "
    "113 (police) now. Children, or anyone calling about a child: 111 (free, 24/7)."
)
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
    action: str


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

    def _msg(self, key: str, lang: Language, **values: str) -> str:
        text = self.content.messages[key](lang)
        return text.format(**values) if values else text

    def hours(self, hotline: Hotline, lang: Language) -> str:
        if hotline.hours.always:
            return self._msg("hours_always", lang)
        names = [n.strip() for n in self._msg("day_names", lang).split(",")]
        days = ", ".join("-".join(names[d] if d < len(names) else str(d) for d in run)
                         for run in _runs(hotline.hours.days))
        return self._msg("hours_days", lang, days=days,
                         open=hotline.hours.opens.strftime("%H:%M"),
                         close=hotline.hours.closes.strftime("%H:%M"))

    def hotline(self, hotline: Hotline, lang: Language, now: datetime, detail: bool = False) -> str:
        status = "open_now" if hotline.hours.is_open(now) else "closed_now"
        facts = [self.hours(hotline, lang), self._msg(COST_KEYS[hotline.cost], lang)]
        if not hotline.hours.always:
            facts.append(self._msg(status, lang))
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
        """Open lines first, closed ones after: someone at 2 a.m. must see what answers now."""
        found = [self.content.hotlines[i] for i in ids if i in self.content.hotlines]
        open_now = [self.hotline(h, lang, now, detail) for h in found if h.hours.is_open(now)]
        closed = [self.hotline(h, lang, now, detail) for h in found if not h.hours.is_open(now)]
        return open_now, closed

    def citation(self, fact: Fact, lang: Language) -> str:
        """Where a reply's facts come from; the reply itself states them in context."""
        text = f"📰 {fact.title(lang)}, {fact.source}"
        return f"{text}\n{fact.link}" if fact.link else text

    def intent(self, intent: Intent, lang: Language, now: datetime) -> Reply:
        parts = [intent.reply(lang)]
        parts.extend(self.citation(self.content.facts[r], lang) for r in intent.resources
                     if r in self.content.facts)
        open_now, closed = self.hotlines(intent.resources, lang, now)
        if open_now or closed:
            parts.append("\n".join(open_now + closed))
        return Reply("\n\n".join(parts), self.intent_buttons(intent.buttons, lang))

    def intent_buttons(self, ids: tuple[str, ...], lang: Language) -> tuple[ReplyButton, ...]:
        intents = (self.content.intent(i) for i in ids)
        return tuple(ReplyButton(i.title(lang), f"intent:{i.id}") for i in intents if i)

    def menu_groups(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.menu for i in self.content.intents if i.menu))

    def menu(self, lang: Language, group: str | None = None) -> Reply:
        if group is None:
            buttons = tuple(ReplyButton(self._group_label(g, lang), f"menu:{g}")
                            for g in self.menu_groups())
        else:
            buttons = self.intent_buttons(
                tuple(i.id for i in self.content.intents if i.menu == group), lang)
        return Reply(self._msg("menu_title", lang), buttons)

    def _group_label(self, group: str, lang: Language) -> str:
        key = f"menu_{group}"
        return self._msg(key, lang) if key in self.content.messages else group

    def fallback(self, lang: Language) -> Reply:
        return Reply(self._msg("fallback", lang), self.menu(lang).buttons)

    def hotline_list(self, lang: Language, now: datetime) -> Reply:
        ids = tuple(self.content.hotlines)
        open_now, closed = self.hotlines(ids, lang, now)
        parts = [self._msg("hotlines_heading", lang), "\n".join(open_now)]
        if closed:
            parts += [self._msg("more_hotlines", lang), "\n".join(closed)]
        return Reply("\n\n".join(parts))

    def crisis(self, level: Level, lang: Language, now: datetime, about_other: bool) -> Reply:
        crisis = self.content.crisis
        said = {k: v(lang) for k, v in crisis.replies.items()}
        emergency = [self.content.hotlines[i] for i in crisis.resources
                     if i in self.content.hotlines and self.content.hotlines[i].kind == "emergency"]
        support = tuple(i for i in crisis.resources
                        if i in self.content.hotlines and self.content.hotlines[i] not in emergency)
        open_now, closed = self.hotlines(support, lang, now, detail=True)
        number = emergency[0].number if emergency else "115"
        parts = []
        if about_other:
            parts.append(said["other_opening"])
            helper = self.content.intent("help_someone_else")
            if helper:
                parts.append(helper.reply(lang))
        else:
            parts.append(said[f"{level}_opening"])
        parts.append(f"{said['not_emergency']} {said['emergency_call'].format(number=number)}")
        if open_now:
            parts.append(f"{said['lines_open']}\n" + "\n".join(open_now))
        if closed:
            parts.append(f"{said['lines_closed']}\n" + "\n".join(closed))
        if not about_other:
            parts.append(said["exercise"])
        parts.append(said["keep_talking"])
        # Asked even when the message was about someone else: "a friend" is sometimes how
        # people speak of themselves, and a misread must still reach the person writing.
        check_in = Reply(said["safe_question"],
                         (ReplyButton(said["button_safe"], "checkin:safe"),
                          ReplyButton(said["button_need_help"], "checkin:help")))
        return Reply("\n\n".join(p for p in parts if p), follow_up=check_in)

    def checkin(self, answer: str, lang: Language, now: datetime) -> Reply:
        """The answer to the crisis check-in buttons: "safe" or "help"."""
        if answer != "help":
            return Reply(self._msg("checkin_safe", lang), self.menu(lang).buttons)
        crisis = self.content.crisis
        open_now, closed = self.hotlines(crisis.resources, lang, now, detail=True)
        return Reply("\n\n".join([self._msg("checkin_help", lang), "\n".join(open_now + closed)]))

    def error(self, lang: Language, now: datetime) -> Reply:
        """Shown when matching failed: still carries the always-open emergency numbers."""
        always = tuple(h.id for h in self.content.hotlines.values()
                       if h.hours.always and h.cost == "free")
        open_now, _ = self.hotlines(always, lang, now)
        return Reply(self._msg("error", lang) + "\n\n" + "\n".join(open_now))
