"""Replies turned into Bot API calls: messages, documents, edits of a pressed message.

The same sender serves answers to members, the staff group and the outbox, so a reply looks
the same however it is sent. Rate limits are the bot's business (PTB's AIORateLimiter):
a 429 is waited out and retried there, never dropped here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.channels.telegram_render import CAPTION_LIMIT, html_chunks, keyboard
from bot.messages import Reply

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_CHAT_NUMBER = re.compile(r"-?[0-9]{1,20}")
"""ASCII digits only: ``str.isdigit`` also takes "²", which ``int`` then refuses."""


def chat_ref(chat_id: str | int) -> str | int:
    """Numeric chat ids as numbers, ``@channel`` names as they are."""
    text = str(chat_id)
    return int(text) if _CHAT_NUMBER.fullmatch(text) else text


def not_modified(error: BadRequest) -> bool:
    return "message is not modified" in error.message.lower()


class TelegramSender:
    """Sends :class:`Reply` s with one bot; also the outbox's sender for Telegram."""

    def __init__(self, bot: Bot, *, owns_bot: bool = False) -> None:
        self.bot = bot
        self.owns_bot = owns_bot  # the outbox's own bot: connected on first use, closed here

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> list[str]:
        """Every reply as new messages; the ids of the messages sent, for later edits."""
        if self.owns_bot:
            await self.bot.initialize()  # once; later calls return at once
        return [str(message.message_id) for message in await self.deliver(chat_id, replies)]

    async def send_in_thread(
        self, chat_id: str, replies: Sequence[Reply], thread: str | None
    ) -> list[str]:
        """As replies to the message ``thread`` (a staff card), so a reply to them is known."""
        if self.owns_bot:
            await self.bot.initialize()
        reply_to = int(thread) if thread and thread.isdigit() else None
        sent = await self.deliver(chat_id, replies, reply_to=reply_to)
        return [str(message.message_id) for message in sent]

    async def close(self) -> None:
        if self.owns_bot:
            await self.bot.shutdown()

    async def deliver(
        self, chat_id: str | int, replies: Sequence[Reply], *, reply_to: int | None = None
    ) -> list[Message]:
        sent: list[Message] = []
        for reply in replies:
            sent += await self._send_one(chat_ref(chat_id), reply, reply_to if not sent else None)
        return sent

    async def _send_one(
        self, chat_id: str | int, reply: Reply, reply_to: int | None
    ) -> list[Message]:
        markup = keyboard(reply.choices)
        quoting = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        if reply.attachment is not None:
            caption = html_chunks(reply.text, CAPTION_LIMIT) if reply.text else [""]
            if len(caption) == 1:
                return [await self._document(chat_id, reply, caption[0], markup, quoting)]
            sent = await self._texts(chat_id, html_chunks(reply.text), None, quoting)
            return [*sent, await self._document(chat_id, reply, "", markup, None)]
        if not reply.text.strip():
            return []
        return await self._texts(chat_id, html_chunks(reply.text), markup, quoting)

    async def _texts(
        self,
        chat_id: str | int,
        chunks: list[str],
        markup: InlineKeyboardMarkup | None,
        quoting: ReplyParameters | None,
    ) -> list[Message]:
        sent = []
        for number, chunk in enumerate(chunks, 1):
            sent.append(
                await self.bot.send_message(
                    chat_id,
                    chunk,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=NO_PREVIEW,
                    reply_markup=markup if number == len(chunks) else None,
                    reply_parameters=quoting if number == 1 else None,
                )
            )
        return sent

    async def _document(
        self,
        chat_id: str | int,
        reply: Reply,
        caption: str,
        markup: InlineKeyboardMarkup | None,
        quoting: ReplyParameters | None,
    ) -> Message:
        assert reply.attachment is not None
        document = InputFile(reply.attachment.content, filename=reply.attachment.filename)
        return await self.bot.send_document(
            chat_id,
            document,
            caption=caption or None,
            parse_mode=ParseMode.HTML if caption else None,
            reply_markup=markup,
            reply_parameters=quoting,
        )

    async def edit(self, chat_id: str | int, message_id: int, reply: Reply) -> bool:
        """Replace a message's text and buttons; False when it cannot be (send anew then)."""
        chunks = html_chunks(reply.text)
        if reply.attachment is not None or len(chunks) != 1 or not reply.text.strip():
            return False
        try:
            await self.bot.edit_message_text(
                chunks[0],
                chat_id=chat_ref(chat_id),
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                link_preview_options=NO_PREVIEW,
                reply_markup=keyboard(reply.choices),  # none: the buttons go
            )
        except BadRequest as error:
            if not_modified(error):
                return True
            log.info("could not edit message %s in %s: %s", message_id, chat_id, error.message)
            return False
        return True

    async def replace_sent(self, chat_id: str, refs: Sequence[str], reply: Reply) -> None:
        """One message sent before becomes the reply; a reply sent in several messages
        keeps its text, and its last message gets the new buttons."""
        if len(refs) == 1 and await self.edit(chat_id, int(refs[0]), reply):
            return
        try:
            await self.bot.edit_message_reply_markup(
                chat_id=chat_ref(chat_id),
                message_id=int(refs[-1]),
                reply_markup=keyboard(reply.choices),
            )
        except BadRequest as error:  # deleted by staff, or too old: nothing left to change
            if not not_modified(error):
                log.info("card %s in %s stays: %s", refs[-1], chat_id, error.message)

    async def clear_keyboard(self, chat_id: str | int, message_id: int) -> None:
        """Take the buttons off a message, so an answered question cannot be pressed again."""
        try:
            # no reply_markup at all is how Telegram takes an inline keyboard away
            await self.bot.edit_message_reply_markup(
                chat_id=chat_ref(chat_id), message_id=message_id
            )
        except BadRequest as error:
            if not not_modified(error):
                log.info("buttons of %s in %s stay: %s", message_id, chat_id, error.message)
