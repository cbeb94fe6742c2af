"""Telegram handlers: translate updates into engine calls and engine replies into messages.

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

from bot.core.commands import LANGUAGE, Command
from bot.core.language import AUTO, LANGUAGES, Language
from bot.core.replies import Reply
from bot.storage.privacy import pseudonym
from bot.telegram.delivery import send_crisis_reply, send_reply
from bot.telegram.staff import display_name
from bot.telegram.state import BotState, Context

log = logging.getLogger(__name__)


def _lang(state: BotState, update: Update) -> Language:
    """The person's chosen language, else their Telegram app's language, else Vietnamese."""
    user = update.effective_user
    if user is None:
        return "vi"
    chosen = state.languages.get(pseudonym(user.id, state.secret))
    if chosen is not None:
        return chosen
    return "en" if (user.language_code or "").startswith("en") else "vi"


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


async def on_text(update: Update, context: Context) -> None:
    state = context.bot_data
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    text = message.text or message.caption
    if text is None:
        return
    if chat.type != ChatType.PRIVATE:
        text = _addressed_text(message, state.bot_username)
        if text is None:
            return
    engine = state.engine
    user = update.effective_user
    # No user (an anonymous group admin): the chat stands in, hashed like a person; group ids
    # are negative, so they never meet a user's.
    user_ref = pseudonym(user.id if user else chat.id, state.secret)
    lang = state.languages.get(user_ref)
    response = engine.respond(text, lang)
    decision = response.decision
    if decision.crisis:
        # Stopping an exercise awaits nothing, so no paced step can slip in before the reply.
        interrupted = state.sessions.interrupt(chat.id)
        # First, before any other await: the person gets the helplines.
        delivered = await send_crisis_reply(context.bot, chat.id, response.reply)
        await state.after_crisis(update, decision, user_ref, delivered)
        await state.sessions.send_interrupted(chat.id, interrupted)
        return
    if not state.limiter.allow(user_ref, time.monotonic()):
        if state.limiter.first_refusal(user_ref):
            await send_reply(context.bot, chat.id, Reply(engine.replies.say("rate_limited", decision.lang)))
        return
    if state.sessions.takes_text(chat.id):
        # An edit changes an earlier message, not the answer to the step now asked; it only
        # needed the crisis check above.
        if update.edited_message is None:
            await state.sessions.answer(chat.id, text)
        return
    await _answer(update, context, response.reply, decision.lang)


async def on_non_text(update: Update, context: Context) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    engine = context.bot_data.engine
    lang = _lang(context.bot_data, update)
    await send_reply(context.bot, chat.id, Reply(engine.replies.say("non_text", lang)))


async def _answer(update: Update, context: Context, reply: Reply, lang: Language | None = None) -> None:
    """Send a reply; in a group, with the suggestion to talk in private."""
    chat = update.effective_chat
    if chat is None:
        return
    if chat.type != ChatType.PRIVATE:
        hint = context.bot_data.engine.replies.say("group_hint", lang or _lang(context.bot_data, update))
        reply = Reply(f"{reply.text}\n\n{hint}", reply.buttons, reply.follow_up)
    await send_reply(context.bot, chat.id, reply)


def command_handler(command: Command) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    """The handler of one of `bot.core.commands.COMMANDS`: its action, as a button carrying it would run."""
    if command.name == LANGUAGE:
        return cmd_language

    async def run(update: Update, context: Context) -> None:
        if _is_activity(command.action):
            await _start_activity(update, context, command.action)
        else:
            await _action(update, context, command.action)

    return run


def _is_activity(action: str) -> bool:
    kind = action.partition(":")[0]
    return kind == "exercise" or (kind == "plan" and action != "plan:again")


async def _action(update: Update, context: Context, action: str) -> None:
    await _answer(update, context, context.bot_data.engine.action(action, _lang(context.bot_data, update)))


async def _start_activity(update: Update, context: Context, action: str) -> None:
    """An exercise or the safety plan: private chats only, where what people type stays theirs."""
    chat, state = update.effective_chat, context.bot_data
    if chat is None:
        return
    lang = _lang(state, update)
    if chat.type != ChatType.PRIVATE:
        await send_reply(context.bot, chat.id, Reply(state.engine.replies.say("group_hint", lang)))
        return
    if not await state.sessions.start(chat.id, action, lang):
        await _answer(update, context, state.engine.action(action, lang))


async def cmd_language(update: Update, context: Context) -> None:
    """`/language vi|en|auto` sets the choice; `/language` alone shows it, with a button for each."""
    state, user = context.bot_data, update.effective_user
    choice = (context.args or [""])[0].casefold()
    if user is not None and (choice in LANGUAGES or choice == AUTO):
        await _set_language(update, context, choice)
        return
    chosen = state.languages.get(pseudonym(user.id, state.secret)) if user else None
    await _answer(update, context, state.engine.replies.language_choice(_lang(state, update), chosen))


async def _set_language(update: Update, context: Context, choice: str) -> None:
    """A language (`vi`, `en`), or `auto`: no choice, each message's own language."""
    state, user = context.bot_data, update.effective_user
    if user is None:
        return
    user_ref = pseudonym(user.id, state.secret)
    if choice in LANGUAGES:
        lang: Language = "en" if choice == "en" else "vi"
        state.languages[user_ref] = lang
        await _answer(update, context, Reply(state.engine.replies.say("language_set", lang)))
        await state.store.set_language(user_ref, lang)
        return
    state.languages.pop(user_ref, None)
    await _answer(update, context, Reply(state.engine.replies.say("language_auto", _lang(state, update))))
    await state.store.clear_language(user_ref)


async def cmd_reload(update: Update, context: Context) -> None:
    state, user = context.bot_data, update.effective_user
    if user is None or user.id not in state.settings.admin_ids:
        return  # not an admin: no hint that the command exists
    lang = _lang(state, update)
    problems = await state.reload()
    if problems:
        shown = "\n".join(problems[:20])
        more = f"\n(+{len(problems) - 20})" if len(problems) > 20 else ""
        text = f"{state.engine.replies.say('reload_failed', lang)}\n{shown}{more}"
    else:
        text = state.engine.replies.say("reload_ok", lang, intents=str(len(state.engine.content.intents)))
    await _answer(update, context, Reply(text))


async def _staff_button(update: Update, context: Context, arg: str) -> None:
    desk = context.bot_data.desk
    action, _, number = arg.partition(":")
    if not desk.is_staff(update) or not number.isdigit():
        log.warning("a staff button was pressed by someone who is not staff; ignored")
        return
    await desk.on_button(update, action, int(number))


async def _staff_command(update: Update, context: Context) -> str | None:
    """The staff command's answer, or None for anyone who is not staff (who get silence)."""
    state, message = context.bot_data, update.effective_message
    if not state.desk.is_staff(update) or message is None or message.text is None:
        return None
    command = message.text.split()[0].split("@")[0].lstrip("/")
    if command == "escalations":
        return await state.desk.open_list()
    if command == "stats":
        return await state.desk.stats()
    return await state.desk.add_note(list(context.args or []), display_name(update.effective_user))


async def cmd_staff(update: Update, context: Context) -> None:
    answer = await _staff_command(update, context)
    chat = update.effective_chat
    if answer is not None and chat is not None:
        await send_reply(context.bot, chat.id, Reply(answer))


async def on_button(update: Update, context: Context) -> None:
    query, state = update.callback_query, context.bot_data
    if query is None:
        return
    await query.answer()
    action = query.data or ""
    lang = _lang(state, update)
    kind, _, arg = action.partition(":")
    if kind == "lang" and (arg in LANGUAGES or arg == AUTO):
        await _set_language(update, context, arg)
    elif kind == "forget":
        await _forget(update, context, confirmed=arg == "yes")
    elif kind == "checkin":
        await _check_in_answer(update, context, arg, lang)
    elif kind == "remind":
        await _remind(update, context, arg, lang)
    elif _is_activity(action):
        await _start_activity(update, context, action)
    elif action == "plan:again" and update.effective_chat:
        await state.sessions.resend(update.effective_chat.id, lang)
    elif kind == "step" and update.effective_chat:
        await state.sessions.press(update.effective_chat.id, action, lang)
    elif kind == "esc":
        await _staff_button(update, context, arg)
    else:
        await _answer(update, context, state.engine.action(action, lang))


async def _check_in_answer(update: Update, context: Context, answer: str, lang: Language) -> None:
    """The answer to "are you safe?" (safe/help) or to a later check-in (better/hard). "Safe"
    in a private chat brings the offer of one check-in later today."""
    state, user, chat = context.bot_data, update.effective_user, update.effective_chat
    await _answer(update, context, state.engine.action(f"checkin:{answer}", lang))
    if user is None or chat is None or answer not in ("safe", "help"):
        return
    user_ref = pseudonym(user.id, state.secret)
    await state.after_check_in(user_ref, answer)
    if answer == "safe" and chat.type == ChatType.PRIVATE and not await state.check_ins.pending(user_ref):
        offer = state.check_ins.offer(lang)
        if offer is not None:
            await send_reply(context.bot, chat.id, offer)


async def _remind(update: Update, context: Context, arg: str, lang: Language) -> None:
    state, user, chat = context.bot_data, update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE:
        return
    reply = await state.check_ins.on_button(arg, pseudonym(user.id, state.secret), chat.id, lang)
    await send_reply(context.bot, chat.id, reply)


async def _forget(update: Update, context: Context, confirmed: bool) -> None:
    state, user = context.bot_data, update.effective_user
    lang = _lang(state, update)
    if not confirmed or user is None:
        await _answer(update, context, Reply(state.engine.replies.say("forget_cancelled", lang)))
        return
    user_ref = pseudonym(user.id, state.secret)
    state.languages.pop(user_ref, None)
    if update.effective_chat:
        state.sessions.forget(update.effective_chat.id)
    await state.forget(user_ref)
    await _answer(update, context, Reply(state.engine.replies.say("forget_done", lang)))


async def on_error(update: object, context: Context) -> None:
    error = context.error
    if isinstance(error, Forbidden):
        log.info("a person has blocked the bot; nothing to send")
        return
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        engine = context.bot_data.engine
        reply = engine.replies.error(_lang(context.bot_data, update), datetime.now(UTC))
        await asyncio.wait_for(send_reply(context.bot, update.effective_chat.id, reply), 30)
    except Exception:
        log.exception("could not tell the person about the error (update %s)", update_id)

