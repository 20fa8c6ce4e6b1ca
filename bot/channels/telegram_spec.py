"""What the core knows of Telegram: its settings, staff and tokens.

The channel and its sender are imported only when built, so nothing that merely asks about
Telegram loads python-telegram-bot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.channels.base import Channel, ChannelSpec, Sender

if TYPE_CHECKING:
    from bot.app import App
    from bot.settings import Settings

NAME = "telegram"
TOKEN = r"(?:(?:(?<=bot)|(?<![A-Za-z0-9.]))\d{5,}:(?=\d*[A-Za-z_-])[A-Za-z0-9_-]{4,})"
"""A bot token, also inside ``.../bot<token>/``; the part after the colon has a letter, so a
"chat:message" reference of two numbers stays readable."""


def _configured(settings: Settings) -> bool:
    return bool(settings.telegram_bot_token)


def _channel(app: App) -> Channel:
    from bot.channels.telegram import TelegramChannel

    return TelegramChannel(app)


def _sender(settings: Settings) -> Sender:
    from bot.channels.telegram import make_sender

    return make_sender(settings)


def _staff_chat(settings: Settings) -> str | None:
    chat = settings.staff_telegram_chat_id
    return None if chat is None else str(chat)


def _workers_problem(settings: Settings) -> str | None:
    if settings.telegram_bot_token and not settings.public_url:
        return (
            "several workers need the Telegram webhook (set OPTOBOT_PUBLIC_URL): with "
            "polling only one process may read the updates"
        )
    return None


def _prepare(settings: Settings) -> None:
    """The generated webhook secret, made once (an empty or invalid file stops us here)."""
    if settings.telegram_bot_token and settings.public_url:
        from bot.webhook_secret import webhook_secret

        webhook_secret(settings)


TELEGRAM = ChannelSpec(
    name=NAME,
    configured=_configured,
    make_channel=_channel,
    make_sender=_sender,
    can_send=_configured,
    staff_chat=_staff_chat,
    staff_ids=lambda settings: settings.staff_telegram_ids,
    needs="TELEGRAM_BOT_TOKEN for Telegram",
    secret_patterns=(TOKEN,),
    id_length=20,  # user and chat ids are 64-bit integers, a group's with a minus sign
    workers_problem=_workers_problem,
    prepare=_prepare,
)
