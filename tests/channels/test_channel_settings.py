"""The channels' settings mixins: a secret a platform adds is handled as one without a
word outside ``bot/channels/``."""

from __future__ import annotations

from typing import get_args

from pydantic import SecretStr

from bot.channels.settings import SECRET_FIELDS, ChannelSettings
from bot.settings import SECRETS


def test_every_secret_field_of_a_channel_is_listed_as_a_secret() -> None:
    """So it may come from ``NAME_FILE``, is masked and never repeated in an error."""
    typed = {
        name
        for name, info in ChannelSettings.model_fields.items()
        if info.annotation is SecretStr or SecretStr in get_args(info.annotation)
    }
    assert typed == set(SECRET_FIELDS) and set(SECRET_FIELDS) <= set(SECRETS)
