"""The fake server's world: users, chats, the messages in them, and the updates waiting.

What people do (``send_text``, ``press_button``...) becomes updates queued for ``getUpdates``;
what the bot sends is kept as messages in their chats, so that a later button press or edit
finds the message it belongs to, as on Telegram.
"""

from __future__ import annotations

import bisect
import copy
import time
from typing import Any

from tests.fake_telegram.wire import ApiError, Signal, inline_markup, utf16_len

DEFAULT_BOT_USER: dict[str, Any] = {
    "id": 999000,
    "is_bot": True,
    "first_name": "Wellbeing",
    "username": "wellbeing_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


class World:
    def __init__(self, bot_user: dict[str, Any] | None = None) -> None:
        self.bot_user: dict[str, Any] = bot_user or dict(DEFAULT_BOT_USER)
        self._updates_signal = Signal()
        self._pending: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._next_callback_id = 1
        self._next_file_id = 1
        self._message_counters: dict[int, int] = {}
        self._messages: dict[int, dict[int, dict[str, Any]]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._commands: dict[tuple[str, str], list[Any]] = {}
        self._webhook_url = ""

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates queued but not yet confirmed by a ``getUpdates`` offset."""
        return list(self._pending)

    # What people do

    def send_text(
        self,
        text: str,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Lan",
        username: str | None = None,
        language_code: str | None = "vi",
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Queue a text message from a user (a negative ``chat_id`` makes it a group chat)."""
        user = self._remember_user(user_id, first_name, username, language_code)
        chat = self._remember_chat(user, chat_id, chat_type)
        message = self._user_message(user, chat, text=text, entities=self._entities(text, entities))
        return self.queue_update({"message": message})

    def edit_text(
        self,
        message_id: int,
        text: str,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
    ) -> dict[str, Any]:
        """Queue an ``edited_message`` update: a user edited one of their messages."""
        user = self._known_user(user_id)
        chat = self._remember_chat(user, chat_id, chat_type)
        original = self._messages.get(chat["id"], {}).get(message_id)
        now = int(time.time())
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": original["date"] if original else now,
            "edit_date": now,
            "chat": chat,
            "from": user,
            "text": text,
        }
        entities = self._entities(text, None)
        if entities:
            message["entities"] = entities
        self._messages.setdefault(chat["id"], {})[message_id] = message
        return self.queue_update({"edited_message": copy.deepcopy(message)})

    def send_sticker(self, user_id: int = 1001, chat_id: int | None = None) -> dict[str, Any]:
        """Queue a sticker message from a user."""
        file_id, unique_id = self._new_file_id("sticker")
        sticker = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "🙂",
        }
        return self._queue_user_media(user_id, chat_id, sticker=sticker)

    def send_photo(
        self, user_id: int = 1001, chat_id: int | None = None, caption: str | None = None
    ) -> dict[str, Any]:
        """Queue a photo message from a user."""
        photo = [self._photo_size(90, 90), self._photo_size(1280, 960)]
        if caption is None:
            return self._queue_user_media(user_id, chat_id, photo=photo)
        return self._queue_user_media(user_id, chat_id, photo=photo, caption=caption)

    def send_voice(self, user_id: int = 1001, chat_id: int | None = None) -> dict[str, Any]:
        """Queue a voice message from a user."""
        file_id, unique_id = self._new_file_id("voice")
        voice = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "duration": 3,
            "mime_type": "audio/ogg",
            "file_size": 12345,
        }
        return self._queue_user_media(user_id, chat_id, voice=voice)

    def press_button(
        self,
        data: str,
        user_id: int = 1001,
        message_id: int | None = None,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """Queue a ``callback_query``: the user pressed an inline button on a bot message.

        The message is the bot's last message in the chat, or ``message_id``; the button data
        is not checked against its keyboard, so stale or forged presses can be simulated too.
        """
        user = self._known_user(user_id)
        target_chat = user_id if chat_id is None else chat_id
        messages = self._messages.get(target_chat, {})
        if message_id is None:
            bot_ids = [mid for mid, msg in messages.items() if self._is_from_bot(msg)]
            if not bot_ids:
                raise LookupError(f"the bot has not sent any message to chat {target_chat}")
            message_id = max(bot_ids)
        if message_id not in messages:
            raise LookupError(f"no message {message_id} in chat {target_chat}")
        query_id = str(self._next_callback_id)
        self._next_callback_id += 1
        callback_query = {
            "id": query_id,
            "from": user,
            "message": copy.deepcopy(messages[message_id]),
            "chat_instance": f"chat-instance-{target_chat}",
            "data": data,
        }
        return self.queue_update({"callback_query": callback_query})

    def queue_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update; ``update_id`` is assigned when missing."""
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        bisect.insort(self._pending, update, key=lambda queued: int(queued["update_id"]))
        self._updates_signal.notify()
        return update

    # Helpers

    def _chat_id(self, params: dict[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id in self._chats:
            return dict(self._chats[chat_id])
        if chat_id > 0:
            first_name = self._users.get(chat_id, {}).get("first_name", "User")
            return {"id": chat_id, "type": "private", "first_name": first_name}
        return {"id": chat_id, "type": "group", "title": "Test group"}

    def _bot_sender(self) -> dict[str, Any]:
        sender = {"id": self.bot_user["id"], "is_bot": True, "first_name": self.bot_user["first_name"]}
        if self.bot_user.get("username"):
            sender["username"] = self.bot_user["username"]
        return sender

    def _is_from_bot(self, message: dict[str, Any]) -> bool:
        return bool(message.get("from", {}).get("id") == self.bot_user["id"])

    def _next_message_id(self, chat_id: int) -> int:
        self._message_counters[chat_id] = self._message_counters.get(chat_id, 0) + 1
        return self._message_counters[chat_id]

    def _bot_message(self, chat_id: int, params: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self._bot_sender(),
            **content,
        }
        if isinstance(params.get("caption"), str):
            message["caption"] = params["caption"]
        markup = inline_markup(params.get("reply_markup"))
        if markup is not None:
            message["reply_markup"] = markup
        self._messages.setdefault(chat_id, {})[message["message_id"]] = message
        return copy.deepcopy(message)

    def _bot_message_to_edit(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        message_id = params.get("message_id")
        message = self._messages.get(chat_id, {}).get(message_id) if isinstance(message_id, int) else None
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not self._is_from_bot(message):
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    @staticmethod
    def _apply_markup(message: dict[str, Any], params: dict[str, Any]) -> None:
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        markup = inline_markup(params.get("reply_markup"))
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup

    def _remember_user(
        self, user_id: int, first_name: str, username: str | None, language_code: str | None
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        self._users[user_id] = user
        return dict(user)

    def _known_user(self, user_id: int) -> dict[str, Any]:
        if user_id in self._users:
            return dict(self._users[user_id])
        return self._remember_user(user_id, "Lan", None, "vi")

    def _remember_chat(self, user: dict[str, Any], chat_id: int | None, chat_type: str) -> dict[str, Any]:
        target = user["id"] if chat_id is None else chat_id
        if chat_type == "private" and target < 0:
            chat_type = "group"
        chat: dict[str, Any] = {"id": target, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = user["first_name"]
            if "username" in user:
                chat["username"] = user["username"]
        else:
            chat["title"] = "Test group"
        self._chats[target] = chat
        return dict(chat)

    def _user_message(self, user: dict[str, Any], chat: dict[str, Any], **content: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
        }
        message.update({key: value for key, value in content.items() if value is not None})
        self._messages.setdefault(chat["id"], {})[message["message_id"]] = message
        return copy.deepcopy(message)

    def _queue_user_media(self, user_id: int, chat_id: int | None, **content: Any) -> dict[str, Any]:
        user = self._known_user(user_id)
        chat_type = "private" if chat_id is None or chat_id > 0 else "group"
        chat = self._remember_chat(user, chat_id, chat_type)
        return self.queue_update({"message": self._user_message(user, chat, **content)})

    @staticmethod
    def _entities(text: str, entities: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        # PTB's CommandHandler only reacts to messages with a bot_command entity at offset 0.
        if entities is not None or not text.startswith("/"):
            return entities
        command = text.split(maxsplit=1)[0]
        return [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]

    def _new_file_id(self, kind: str) -> tuple[str, str]:
        number = self._next_file_id
        self._next_file_id += 1
        return f"fake-{kind}-file-{number}", f"fake-{kind}-{number}"

    def _photo_size(self, width: int, height: int) -> dict[str, Any]:
        file_id, unique_id = self._new_file_id("photo")
        return {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "width": width,
            "height": height,
            "file_size": width * height // 10,
        }
