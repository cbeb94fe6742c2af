"""Button taps: one handler for each kind of action (`bot.core.actions.Kind`).

`Buttons.handlers` pairs each kind with its handler, registered as python-telegram-bot
`CallbackQueryHandler`s whose pattern reads the callback data as an `Action`. Whatever no
pattern takes (a topic, a menu, the lines, a stale or forged button) gets the engine's reply
for it, which for anything unknown is the fallback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import Update

from bot.core.actions import PLAN_AGAIN, Action, Kind
from bot.core.language import AUTO, LANGUAGES
from bot.storage.privacy import pseudonym
from bot.telegram.conversation import Callback, Context, Conversation

log = logging.getLogger(__name__)


def of_kind(kind: Kind) -> Callable[[object], bool]:
    """A `CallbackQueryHandler` pattern: the callback data is an action of this kind."""

    def matches(data: object) -> bool:
        action = Action.read(data) if isinstance(data, str) else None
        return action is not None and action.kind is kind

    return matches


async def _tapped(update: Update) -> Action | None:
    """Tell Telegram the tap was seen (the spinner stops), and read what it asks for."""
    query = update.callback_query
    if query is None:
        return None
    await query.answer()
    return Action.read(query.data or "")


class Buttons:
    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.runtime = conversation.runtime

    def handlers(self) -> list[tuple[Kind | None, Callback]]:
        """Each kind with its handler; None: everything else, tried last."""
        return [(Kind.LANGUAGE, self.on_language), (Kind.FORGET, self.on_forget),
                (Kind.CHECK_IN, self.on_answer), (Kind.REMIND, self.on_answer),
                (Kind.EXERCISE, self.on_activity), (Kind.PLAN, self.on_activity),
                (Kind.STEP, self.on_step), (Kind.STAFF, self.on_staff), (Kind.ASK, self.on_answer),
                (Kind.HELPER, self.on_answer),
                (None, self.on_reply)]

    async def on_reply(self, update: Update, context: Context) -> None:
        action = await _tapped(update)
        engine, lang = self.runtime.engine, self.runtime.lang(update)
        reply = engine.action(action, lang) if action else engine.replies.fallback(lang)
        await self.conversation.answer(update, context, reply)

    async def on_language(self, update: Update, context: Context) -> None:
        action = await _tapped(update)
        if action is not None and (action.arg in LANGUAGES or action.arg == AUTO):
            await self.conversation.set_language(update, context, action.arg)
        else:
            await self.conversation.answer(update, context,
                                           self.runtime.engine.replies.fallback(self.runtime.lang(update)))

    async def on_forget(self, update: Update, context: Context) -> None:
        action = await _tapped(update)
        runtime, user, chat = self.runtime, update.effective_user, update.effective_chat
        lang = runtime.lang(update)  # before the choice is forgotten
        if action is None or action.arg != "yes" or user is None:
            await self.conversation.say(update, context, "forget_cancelled", lang)
            return
        await runtime.forget(pseudonym(user.id, runtime.secret), chat.id if chat else None,
                             runtime.person(update))
        await self.conversation.say(update, context, "forget_done", lang)

    async def on_answer(self, update: Update, context: Context) -> None:
        """The answer to one of the bot's questions ("are you thinking of suicide?", "are you
        safe?", a check-in, the offer of one), as `Conversation.answered` takes it typed too."""
        action = await _tapped(update)
        if action is not None:
            await self.conversation.answered(update, context, action)

    async def on_activity(self, update: Update, context: Context) -> None:
        """Starting an exercise or the safety plan, or having the finished plan sent again."""
        action = await _tapped(update)
        chat = update.effective_chat
        if action == PLAN_AGAIN:
            if chat is not None:
                await self.runtime.sessions.resend(chat.id, self.runtime.lang(update))
        elif action is not None:
            await self.conversation.run(update, context, action)

    async def on_step(self, update: Update, context: Context) -> None:
        action = await _tapped(update)
        chat = update.effective_chat
        if action is not None and chat is not None:
            await self.runtime.sessions.press(chat.id, action, self.runtime.lang(update))

    async def on_staff(self, update: Update, context: Context) -> None:
        action = await _tapped(update)
        desk = self.runtime.desk
        move, number = action.parts() if action else ("", "")
        if not desk.is_staff(update) or not number.isdigit():
            log.warning("a staff button was pressed by someone who is not staff; ignored")
            return
        await desk.on_button(update, move, int(number))
