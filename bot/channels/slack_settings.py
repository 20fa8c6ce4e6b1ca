"""Slack's settings, a mixin of :class:`bot.settings.Settings` (composed in
:mod:`bot.channels.settings`); no platform library is imported here."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, SecretStr

from bot.channels.setting_fields import IdList, platform_env


class SlackSettings(BaseModel):
    SECRETS: ClassVar[tuple[str, ...]] = (
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
    )
    """The fields that may come from a ``_FILE`` and whose value an error never repeats."""

    slack_bot_token: SecretStr | None = platform_env("SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = platform_env("SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = platform_env("SLACK_APP_TOKEN")
    slack_api_url: str | None = platform_env("SLACK_API_URL")

    staff_slack_channel: str | None = None
    staff_slack_ids: IdList = frozenset()
