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
from telegram.constants import ChatType

from bot.core.actions import PLAN_AGAIN, Action, Kind
from bot.core.language import AUTO, LANGUAGES
from bot.storage.privacy import pseudonym
from bot.telegram.conversation import Callback, Context, Conversation
from bot.telegram.delivery import send_reply

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
                (Kind.CHECK_IN, self.on_check_in), (Kind.REMIND, self.on_remind),
                (Kind.EXERCISE, self.on_activity), (Kind.PLAN, self.on_activity),
                (Kind.STEP, self.on_step), (Kind.STAFF, self.on_staff), (Kind.ASK, self.on_ask),
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
        await runtime.forget(pseudonym(user.id, runtime.secret), chat.id if chat else None)
        await self.conversation.say(update, context, "forget_done", lang)

    async def on_check_in(self, update: Update, context: Context) -> None:
        """The answer to "are you safe?" (safe/help) or to a later check-in (better/hard). "Safe"
        in a private chat brings the offer of one check-in later today."""
        action = await _tapped(update)
        if action is None:
            return
        runtime, user, chat = self.runtime, update.effective_user, update.effective_chat
        lang = runtime.lang(update)
        await self.conversation.answer(update, context, runtime.engine.action(action, lang))
        answer = action.crisis_answer
        if user is None or chat is None or answer is None:
            return
        user_ref = pseudonym(user.id, runtime.secret)
        await runtime.after_answer(user_ref, answer)
        if action.arg != "safe" or chat.type != ChatType.PRIVATE or await runtime.check_ins.pending(user_ref):
            return
        offer = runtime.check_ins.offer(lang)
        if offer is not None:
            await send_reply(context.bot, chat.id, offer)

    async def on_ask(self, update: Update, context: Context) -> None:
        """The answer to the direct question of a concern reply: yes brings the urgent reply and
        raises the escalation; no and "rather not say" are stored, and the lines stay."""
        action = await _tapped(update)
        runtime, user = self.runtime, update.effective_user
        if action is None:
            return
        await self.conversation.answer(update, context, runtime.engine.action(action, runtime.lang(update)))
        if user is not None and action.crisis_answer is not None:
            await runtime.after_answer(pseudonym(user.id, runtime.secret), action.crisis_answer)

    async def on_remind(self, update: Update, context: Context) -> None:
        action = await _tapped(update)
        runtime, user, chat = self.runtime, update.effective_user, update.effective_chat
        if action is None or user is None or chat is None or chat.type != ChatType.PRIVATE:
            return
        reply = await runtime.check_ins.on_button(action, pseudonym(user.id, runtime.secret), chat.id,
                                                  runtime.lang(update))
        await send_reply(context.bot, chat.id, reply)

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
