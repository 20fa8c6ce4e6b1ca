"""Telegram updates read as :class:`Incoming`, or as what the channel does instead.

Private chats: every text and every button press goes to the Assistant. Groups: only
commands, messages that mention the bot or reply to it, and button presses; the rest is
none of the bot's business. Everything that is not text (stickers, photos, voice, edits)
goes to the Assistant too in a private chat, as ``Incoming.unsupported``, so it is counted
by the rate limit and answered with a short note; in a group it gets silence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from telegram import Message, MessageEntity, Update, User
from telegram.constants import ChatType

from bot.messages import Incoming

CHANNEL = "telegram"
_SPACES = re.compile(r"[ \t]{2,}")

Kind = Literal["incoming", "ignore"]


@dataclass(frozen=True, slots=True)
class Reading:
    """What an update means to the channel: an Incoming, a note to send, or nothing."""

    kind: Kind
    incoming: Incoming | None = None
    chat_id: int | None = None
    user: User | None = None


IGNORE = Reading("ignore")


def read_update(update: Update, bot: User) -> Reading:
    if update.callback_query is not None:
        return _read_press(update, bot)
    if update.message is not None:
        return _read_message(update, update.message, bot)
    edited = update.edited_message
    if edited is not None and _is_private(edited) and edited.from_user is not None:
        return _unsupported(update, edited, edited.from_user, "edit")
    return IGNORE  # channel posts, member updates, polls …: nothing to answer


def _read_message(update: Update, message: Message, bot: User) -> Reading:
    user = message.from_user
    if user is None or user.is_bot:
        return IGNORE
    private = _is_private(message)
    if message.text is None:
        return _unsupported(update, message, user, "media") if private else IGNORE
    text = message.text
    if not private:
        addressed = _addressed_text(message, bot)
        if addressed is None:
            return IGNORE
        text = addressed
    incoming = Incoming(
        channel=CHANNEL,
        user_id=str(user.id),
        chat_id=str(message.chat_id),
        event_id=str(update.update_id),
        text=text,
        locale=user.language_code,
        private=private,
        display_name=user.first_name,
        extras={"message_id": message.message_id, "username": user.username},
    )
    return Reading("incoming", incoming, chat_id=message.chat_id, user=user)


def _read_press(update: Update, bot: User) -> Reading:
    query = update.callback_query
    assert query is not None
    message = query.message
    chat_id = message.chat.id if message is not None else query.from_user.id
    private = message is None or message.chat.type == ChatType.PRIVATE
    incoming = Incoming(
        channel=CHANNEL,
        user_id=str(query.from_user.id),
        chat_id=str(chat_id),
        event_id=str(update.update_id),
        action=query.data or "",  # a press without data: an unknown button, and counted
        locale=query.from_user.language_code,
        private=private,
        display_name=query.from_user.first_name,
        extras={
            "callback_query_id": query.id,
            "message_id": message.message_id if message is not None else None,
            "username": query.from_user.username,
        },
    )
    return Reading("incoming", incoming, chat_id=chat_id, user=query.from_user)


def _unsupported(
    update: Update, message: Message, user: User, what: Literal["media", "edit"]
) -> Reading:
    incoming = Incoming(
        channel=CHANNEL,
        user_id=str(user.id),
        chat_id=str(message.chat_id),
        event_id=str(update.update_id),
        locale=user.language_code,
        display_name=user.first_name,
        unsupported=what,
    )
    return Reading("incoming", incoming, chat_id=message.chat_id, user=user)


def _is_private(message: Message) -> bool:
    return message.chat.type == ChatType.PRIVATE


def _addressed_text(message: Message, bot: User) -> str | None:
    """The text meant for the bot in a group (the mention taken out), or None."""
    text = message.text or ""
    if text.startswith("/"):
        name = text.split(maxsplit=1)[0]
        _, _, target = name.partition("@")
        return text if not target or _is_bot_name(target, bot) else None
    mentions = [
        entity
        for entity, value in message.parse_entities(
            [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
        ).items()
        if (entity.type == MessageEntity.MENTION and _is_bot_name(value[1:], bot))
        or (entity.user is not None and entity.user.id == bot.id)
    ]
    if mentions:
        return _without(message, mentions)
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return text
    return None


def _is_bot_name(name: str, bot: User) -> bool:
    return bool(bot.username) and name.casefold() == (bot.username or "").casefold()


def _without(message: Message, entities: list[MessageEntity]) -> str:
    """The text with the mentions cut out (offsets count UTF-16 units, like Telegram)."""
    encoded = (message.text or "").encode("utf-16-le")
    for entity in sorted(entities, key=lambda e: e.offset, reverse=True):
        start, end = entity.offset * 2, (entity.offset + entity.length) * 2
        encoded = encoded[:start] + encoded[end:]
    text = _SPACES.sub(" ", encoded.decode("utf-16-le"))
    return text.strip().lstrip(",:;").strip()
