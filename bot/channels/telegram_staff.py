"""Staff replies in the Telegram staff group: a reply to a question's card is an answer.

A text message in the configured staff group whose ``reply_to_message`` is one of the
bot's messages is read here, before the usual reading of group messages: from a staff id
it becomes an :class:`Incoming` marked with the replied-to message (``answer_to``), which
:class:`handlers.answers.StaffAnswers` matches against the stored question cards; from
anyone else it is ignored, so no one but the staff answers a member.
"""

from __future__ import annotations

from telegram import Update, User

from bot.channels.telegram_incoming import CHANNEL, IGNORE, Reading
from bot.messages import Incoming
from bot.settings import Settings


def read_staff_reply(update: Update, bot: User, settings: Settings) -> Reading | None:
    """The staff reply in the staff group, IGNORE for anyone else's, None when the update
    is not a reply to the bot there (the usual reading applies)."""
    message = update.message
    group = settings.staff_telegram_chat_id
    if message is None or group is None or str(message.chat_id) != str(group):
        return None
    replied = message.reply_to_message
    user = message.from_user
    if replied is None or replied.from_user is None or replied.from_user.id != bot.id:
        return None
    if user is None or user.is_bot or str(user.id) not in settings.staff_telegram_ids:
        return IGNORE
    if not message.text or message.text.startswith("/"):
        return None
    incoming_chat = str(message.chat_id)
    incoming = Incoming(
        channel=CHANNEL,
        user_id=str(user.id),
        chat_id=incoming_chat,
        event_id=str(update.update_id),
        text=message.text,
        locale=user.language_code,
        private=False,
        display_name=user.first_name,
        extras={
            "message_id": message.message_id,
            "answer_to": str(replied.message_id),
            "source": f"{CHANNEL}:{incoming_chat}:{message.message_id}",
        },
    )
    return Reading("incoming", incoming, chat_id=message.chat_id, user=user)
