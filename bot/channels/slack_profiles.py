"""Who a Slack member is: their locale and name from ``users.info``, kept a few minutes.

Without a profile (Slack refused the lookup) the Assistant detects the language instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("bot.channels.slack")

PROFILE_TTL = timedelta(minutes=10)


@dataclass(frozen=True)
class Profile:
    locale: str | None
    name: str | None
    until: datetime


class Profiles:
    """``users.info`` per user, cached for ``PROFILE_TTL``; a failure is cached not at all."""

    def __init__(self, client: AsyncWebClient, clock: Callable[[], datetime]) -> None:
        self.client = client
        self.clock = clock
        self._cached: dict[str, Profile] = {}

    async def get(self, user: str) -> Profile:
        now = self.clock()
        cached = self._cached.get(user)
        if cached is not None and cached.until > now:
            return cached
        try:
            response = await self.client.users_info(user=user, include_locale=True)
            info = response["user"]
            name = (info.get("profile") or {}).get("real_name") or info.get("real_name")
            profile = Profile(info.get("locale"), name, now + PROFILE_TTL)
        except SlackApiError as error:
            log.warning("users.info for %s failed: %s", user, error.response.get("error"))
            profile = Profile(None, None, now)
        self._cached[user] = profile
        return profile
