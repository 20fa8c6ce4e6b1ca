"""What the core knows of Slack: its settings, staff and tokens.

The channel and its sender are imported only when built, so nothing that merely asks about
Slack loads Bolt or slack_sdk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.channels.base import Channel, ChannelSpec, Sender

if TYPE_CHECKING:
    from bot.app import App
    from bot.settings import Settings

NAME = "slack"
TOKEN = r"(?:\bxox[a-z]-[A-Za-z0-9-]+|\bxapp-[A-Za-z0-9-]+)"
"""Bot, user and app-level tokens."""
COMMAND = "/optobot"
"""The app's one slash command in Slack (slack-app-manifest.yaml); its text is our command."""


def _configured(settings: Settings) -> bool:
    """A bot token, and a way for events to come in: signed HTTP or Socket Mode."""
    return bool(
        settings.slack_bot_token and (settings.slack_signing_secret or settings.slack_app_token)
    )


def _channel(app: App) -> Channel:
    from bot.channels.slack import SlackChannel

    return SlackChannel(app)


def _sender(settings: Settings) -> Sender:
    from bot.channels.slack_send import make_sender

    return make_sender(settings)


SLACK = ChannelSpec(
    name=NAME,
    configured=_configured,
    make_channel=_channel,
    make_sender=_sender,
    can_send=lambda settings: bool(settings.slack_bot_token),
    staff_chat=lambda settings: settings.staff_slack_channel or None,
    staff_ids=lambda settings: settings.staff_slack_ids,
    needs=(
        "SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN "
        "(Socket Mode) for Slack"
    ),
    secret_patterns=(TOKEN,),
    command_prefix=COMMAND + " ",
    id_length=20,  # U…, C…, D… ids of about a dozen characters
)
