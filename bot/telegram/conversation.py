"""What people write and the commands they type: updates in, engine replies out.

The crisis reply is sent before anything else is awaited; nothing that touches storage or
staff comes first. Group chats get answers only to commands and messages that mention the bot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType, MessageEntityType
from telegram.error import Forbidden
from telegram.ext import CallbackContext, ExtBot

from bot.core.actions import Action, Kind
from bot.core.commands import LANGUAGE, Command
from bot.core.detectors import Level
from bot.core.dialogue import answer_level
from bot.core.language import AUTO, LANGUAGES, Language
from bot.core.replies import Reply
from bot.storage.privacy import pseudonym
from bot.telegram.delivery import send_crisis_reply, send_reply
from bot.telegram.runtime import Runtime
from bot.telegram.staff import display_name

log = logging.getLogger(__name__)
Context = CallbackContext[ExtBot[None], Any, Any, Any]
Callback = Callable[[Update, Context], Coroutine[Any, Any, None]]


def _addressed_text(message: Message, username: str) -> str | None:
    """In a group, the text of a message meant for the bot (it mentions the bot or replies to
    it), with the mention removed; None for every other message."""
    text = message.text or message.caption or ""
    mention = f"@{username}".casefold()
    # parse_entities, not slicing: Telegram counts offsets in UTF-16 units, so an emoji
    # before the mention would shift a plain slice.
    found = (message.parse_entities([MessageEntityType.MENTION]) if message.text
             else message.parse_caption_entities([MessageEntityType.MENTION]))
    for value in found.values():
        if value.casefold() == mention:
            return text.replace(value, "", 1).strip()
    replied = message.reply_to_message
    if replied and replied.from_user and replied.from_user.username == username:
        return text
    return None


class Conversation:
    """The handlers of messages and commands, on one running bot."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def answer(self, update: Update, context: Context, reply: Reply,
                     lang: Language | None = None, level: Level | None = None, asked: bool = True) -> None:
        """Send a reply; in a group, with the suggestion to talk in private. Its question, if it
        asks one, is remembered as the one a typed answer answers (`asked`: not yet remembered)."""
        chat = update.effective_chat
        if chat is None:
            return
        if asked:
            self.asked(update, reply, level)
        if chat.type != ChatType.PRIVATE:
            hint = self.runtime.engine.replies.say("group_hint", lang or self.runtime.lang(update))
            reply = Reply(f"{reply.text}\n\n{hint}", reply.buttons, reply.follow_up)
        await send_reply(context.bot, chat.id, reply)

    def asked(self, update: Update, reply: Reply, level: Level | None = None) -> None:
        person = self.runtime.person(update)
        if person is not None:
            self.runtime.dialogue.sent(self.runtime.engine, person, reply, time.monotonic(), level)

    async def answered(self, update: Update, context: Context, action: Action,
                       typed: Reply | None = None) -> None:
        """The answer to one of the bot's questions, tapped or typed (`typed`: the dialogue's
        reply to it, already remembered). Yes to "are you thinking of suicide?" brings the urgent
        reply and raises the escalation; every answer to a crisis reply is stored; "safe" in a
        private chat brings the offer of one check-in later today."""
        runtime, user, chat = self.runtime, update.effective_user, update.effective_chat
        if chat is None:
            return
        lang = runtime.lang(update)
        if action.kind is Kind.REMIND:
            if user is not None and chat.type == ChatType.PRIVATE:
                user_ref = pseudonym(user.id, runtime.secret)
                reply = await runtime.check_ins.on_button(action, user_ref, chat.id, lang)
                self.asked(update, reply)
                await send_reply(context.bot, chat.id, reply)
            return
        reply = typed or runtime.engine.action(action, lang)
        await self.answer(update, context, reply, lang, answer_level(action), asked=typed is None)
        answer = action.crisis_answer
        if user is None or answer is None:
            return
        user_ref = pseudonym(user.id, runtime.secret)
        await runtime.after_answer(user_ref, answer)
        if action.arg != "safe" or chat.type != ChatType.PRIVATE or await runtime.check_ins.pending(user_ref):
            return
        offer = runtime.check_ins.offer(lang)
        if offer is not None:
            self.asked(update, offer)
            await send_reply(context.bot, chat.id, offer)

    async def say(self, update: Update, context: Context, key: str, lang: Language | None = None) -> None:
        """One of the bot's own sentences, as a reply."""
        sentence = self.runtime.engine.replies.say(key, lang or self.runtime.lang(update))
        await self.answer(update, context, Reply(sentence), lang)

    async def run(self, update: Update, context: Context, action: Action) -> None:
        """What a command or a button asks for: an activity starts a session, anything else is
        the engine's reply."""
        if action.starts_activity:
            await self.start_activity(update, context, action)
        else:
            await self.answer(update, context, self.runtime.engine.action(action, self.runtime.lang(update)))

    async def start_activity(self, update: Update, context: Context, action: Action) -> None:
        """An exercise or the safety plan: private chats only, where what people type stays theirs."""
        chat, runtime = update.effective_chat, self.runtime
        if chat is None:
            return
        lang = runtime.lang(update)
        if chat.type != ChatType.PRIVATE:
            await send_reply(context.bot, chat.id, Reply(runtime.engine.replies.say("group_hint", lang)))
            return
        if await runtime.sessions.start(chat.id, action, lang):
            self.asked(update, Reply(""))  # an exercise started: whatever was asked before is let go
        else:
            await self.answer(update, context, runtime.engine.action(action, lang))

    # Messages

    async def on_text(self, update: Update, context: Context) -> None:
        runtime = self.runtime
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None:
            return
        text = message.text or message.caption
        if text is None:
            return
        if chat.type != ChatType.PRIVATE:
            text = _addressed_text(message, runtime.bot_username)
            if text is None:
                return
        engine = runtime.engine
        user_ref, person = runtime.user_ref(update), runtime.person(update)
        assert user_ref is not None and person is not None  # a message always has a chat
        said = runtime.dialogue.message(engine, person, text, runtime.languages.get(user_ref),
                                        datetime.now(UTC), time.monotonic())
        decision = said.decision
        if decision.crisis:
            # Stopping an exercise awaits nothing, so no paced step can slip in before the reply.
            interrupted = runtime.sessions.interrupt(chat.id)
            # First, before any other await: the person gets the helplines.
            delivered = await send_crisis_reply(context.bot, chat.id, said.reply)
            await runtime.after_crisis(update, decision, user_ref, delivered)
            await runtime.sessions.send_interrupted(chat.id, interrupted)
            return
        # An exercise or the safety plan takes what is typed; otherwise an answer to the bot's
        # question, typed instead of tapped, is taken as the button, before any limit.
        busy = runtime.sessions.takes_text(chat.id)
        if said.answered is not None and not busy and update.edited_message is None:
            await self.answered(update, context, said.answered, said.reply)
            return
        if said.level is not None and not busy:
            await self.answer(update, context, said.reply, decision.lang, said.level, asked=False)
            return
        if not runtime.limiter.allow(user_ref, time.monotonic()):
            if runtime.limiter.first_refusal(user_ref):
                refusal = Reply(engine.replies.say("rate_limited", decision.lang))
                await send_reply(context.bot, chat.id, refusal)
            return
        if busy:
            # An edit changes an earlier message, not the answer to the step now asked; it only
            # needed the crisis check above.
            if update.edited_message is None:
                await runtime.sessions.answer(chat.id, text)
            return
        await self.answer(update, context, said.reply, decision.lang, asked=False)

    async def on_non_text(self, update: Update, context: Context) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        lang = self.runtime.lang(update)
        await send_reply(context.bot, chat.id, Reply(self.runtime.engine.replies.say("non_text", lang)))

    # Commands

    def command(self, command: Command) -> Callback:
        """The handler of one of `bot.core.commands.COMMANDS`: its action, as a button would run it."""
        if command.name == LANGUAGE:
            return self.on_language

        async def run(update: Update, context: Context) -> None:
            await self.run(update, context, command.action)

        return run

    async def on_language(self, update: Update, context: Context) -> None:
        """`/language vi|en|auto` sets the choice; `/language` alone shows it, with a button for each."""
        runtime, user = self.runtime, update.effective_user
        choice = (context.args or [""])[0].casefold()
        if user is not None and (choice in LANGUAGES or choice == AUTO):
            await self.set_language(update, context, choice)
            return
        chosen = runtime.languages.get(pseudonym(user.id, runtime.secret)) if user else None
        choice_menu = runtime.engine.replies.language_choice(runtime.lang(update), chosen)
        await self.answer(update, context, choice_menu)

    async def set_language(self, update: Update, context: Context, choice: str) -> None:
        """A language (`vi`, `en`), or `auto`: no choice, each message's own language."""
        runtime, user = self.runtime, update.effective_user
        if user is None:
            return
        user_ref = pseudonym(user.id, runtime.secret)
        if choice in LANGUAGES:
            lang: Language = "en" if choice == "en" else "vi"
            runtime.languages[user_ref] = lang
            await self.say(update, context, "language_set", lang)
            await runtime.store.set_language(user_ref, lang)
            return
        runtime.languages.pop(user_ref, None)
        await self.say(update, context, "language_auto")
        await runtime.store.clear_language(user_ref)

    async def on_reload(self, update: Update, context: Context) -> None:
        runtime, user = self.runtime, update.effective_user
        if user is None or user.id not in runtime.settings.admin_ids:
            return  # not an admin: no hint that the command exists
        lang = runtime.lang(update)
        problems = await runtime.reload()
        if problems:
            shown = "\n".join(problems[:20])
            more = f"\n(+{len(problems) - 20})" if len(problems) > 20 else ""
            text = f"{runtime.engine.replies.say('reload_failed', lang)}\n{shown}{more}"
        else:
            intents = str(len(runtime.engine.content.intents))
            text = runtime.engine.replies.say("reload_ok", lang, intents=intents)
        await self.answer(update, context, Reply(text))

    async def on_staff_command(self, update: Update, context: Context) -> None:
        """`/escalations`, `/stats`, `/note`: answered to staff only; everyone else gets silence."""
        desk, message, chat = self.runtime.desk, update.effective_message, update.effective_chat
        if not desk.is_staff(update) or message is None or message.text is None or chat is None:
            return
        command = message.text.split()[0].split("@")[0].lstrip("/")
        if command == "escalations":
            answer = await desk.open_list()
        elif command == "stats":
            answer = await desk.stats()
        else:
            answer = await desk.add_note(list(context.args or []), display_name(update.effective_user))
        await send_reply(context.bot, chat.id, Reply(answer))

    # Errors

    async def on_error(self, update: object, context: Context) -> None:
        error = context.error
        if isinstance(error, Forbidden):
            log.info("a person has blocked the bot; nothing to send")
            return
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("error while handling update %s", update_id, exc_info=error)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        try:
            reply = self.runtime.engine.replies.error(self.runtime.lang(update), datetime.now(UTC))
            await asyncio.wait_for(send_reply(context.bot, update.effective_chat.id, reply), 30)
        except Exception:
            log.exception("could not tell the person about the error (update %s)", update_id)
