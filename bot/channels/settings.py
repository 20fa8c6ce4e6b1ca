"""Every channel's settings in one class, the one place that lists the platforms'
mixins: :class:`bot.settings.Settings` derives from it and names no platform.

A new channel's mixin is one more base of :class:`ChannelSettings`; its ``SECRETS`` join
:data:`SECRET_FIELDS` by themselves.
"""

from __future__ import annotations

from bot.channels.slack_settings import SlackSettings
from bot.channels.telegram_settings import TelegramSettings


class ChannelSettings(SlackSettings, TelegramSettings):
    """The platforms' fields, validators and aliases; no behaviour of its own."""


SECRET_FIELDS: tuple[str, ...] = tuple(
    name for mixin in reversed(ChannelSettings.__mro__) for name in vars(mixin).get("SECRETS", ())
)
"""The channels' secret fields: read from ``NAME_FILE`` too, masked in ``optobot config``
and the log, never repeated in an error."""
