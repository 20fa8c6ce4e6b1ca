"""Telegram's settings, a mixin of :class:`bot.settings.Settings` (composed in
:mod:`bot.channels.settings`); no platform library is imported here."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_core import PydanticCustomError

from bot.channels.setting_fields import IdList, platform_env
from bot.webhook_secret import RULE, VALID


class TelegramSettings(BaseModel):
    SECRETS: ClassVar[tuple[str, ...]] = ("telegram_webhook_secret", "telegram_bot_token")
    """The fields that may come from a ``_FILE`` and whose value an error never repeats."""

    telegram_bot_token: SecretStr | None = platform_env("TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str | None = platform_env("TELEGRAM_API_BASE_URL")
    telegram_api_base_file_url: str | None = platform_env("TELEGRAM_API_BASE_FILE_URL")
    telegram_webhook_secret: SecretStr | None = None
    telegram_messages_per_second: int = Field(default=30, ge=1)
    """Telegram's limit for one bot across all chats; more only with paid broadcasts."""

    staff_telegram_chat_id: int | None = None
    staff_telegram_ids: IdList = frozenset()

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        """Telegram's rule; an empty secret would let any POST through."""
        if value is not None and not VALID.fullmatch(value.get_secret_value()):
            empty = not value.get_secret_value()
            raise PydanticCustomError(
                "webhook_secret",
                ("is empty" if empty else "is not valid")
                + f": it must be {RULE}, or unset to have one generated",
            )
        return value
