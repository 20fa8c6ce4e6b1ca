"""Whether Slack takes our tokens, checked at start and kept up: what ``/healthz`` reports.

``auth.test`` checks the bot token (Bolt would only find a bad one at the first event, and
then answer nothing); in Socket Mode the WebSocket is opened with the app token as well.
A token Slack refuses stops ``serve`` with one line. A Slack that cannot be reached (no
network, a proxy down, Slack's own outage) is tried again with a growing pause, in the
background, while the rest of ``serve`` runs and ``/healthz`` says Slack is down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.base import ChannelStartError

log = logging.getLogger(__name__)
T = TypeVar("T")

REJECTED = {
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "not_allowed_token_type",
}
"""Slack's errors for a token it will never take: retrying cannot help."""
FIRST_PAUSE = 1.0
LONGEST_PAUSE = 30.0
PASSING = (aiohttp.ClientError, TimeoutError, OSError, SlackApiError)
"""Slack or the way to it away or unwell; any error but a refused token is one of these."""


class TokenRejected(Exception):
    """Slack refused a token; the message names the setting and what to do."""


class SlackConnection:
    """Checks the bot token, opens the Socket Mode link if there is one, and says whether
    both are up."""

    def __init__(self, client: AsyncWebClient, socket: AsyncSocketModeHandler | None) -> None:
        self.client = client
        self.socket = socket
        self.verified = False
        self._retrying: asyncio.Task[None] | None = None

    @property
    def up(self) -> bool:
        if not self.verified:
            return False
        if self.socket is None:
            return True
        link = self.socket.client
        session = link.current_session
        return not link.closed and session is not None and not session.closed

    async def open(self) -> None:
        """Raises :class:`ChannelStartError` for a refused token; an unreachable Slack is
        tried again in the background."""
        try:
            await self._connect()
        except TokenRejected as rejected:
            raise ChannelStartError(str(rejected)) from None
        except PASSING as error:
            log.warning("cannot reach Slack (%s); trying again in the background", _why(error))
            self._retrying = asyncio.create_task(self._keep_trying())

    async def close(self) -> None:
        if self._retrying is not None:
            self._retrying.cancel()
            await asyncio.gather(self._retrying, return_exceptions=True)
            self._retrying = None
        if self.socket is not None:
            await self.socket.close_async()
        self.verified = False

    async def _connect(self) -> None:
        await _checked(self.client.auth_test, "SLACK_BOT_TOKEN", "Bot User OAuth Token (xoxb-…)")
        self.verified = True
        log.info("Slack accepted SLACK_BOT_TOKEN")
        if self.socket is not None:
            # asked here, since the SDK's connect() tries again for ever whatever went wrong
            link = self.socket.client
            opened = await _checked(
                lambda: self.client.apps_connections_open(app_token=link.app_token),
                "SLACK_APP_TOKEN",
                "app-level token (xapp-…)",
            )
            link.wss_uri = opened["url"]
            await self.socket.connect_async()

    async def _keep_trying(self) -> None:
        pause = FIRST_PAUSE
        while True:
            await asyncio.sleep(pause)
            try:
                await self._connect()
            except TokenRejected as rejected:
                log.error("%s", rejected)
                return
            except PASSING as error:
                pause = min(pause * 2, LONGEST_PAUSE)
                log.warning("Slack still unreachable (%s); next try in %.0f s", _why(error), pause)
                continue
            log.info("Slack reachable again")
            return


async def _checked(call: Callable[[], Awaitable[T]], setting: str, what: str) -> T:
    try:
        return await call()
    except SlackApiError as error:
        code = error.response.get("error")
        if code in REJECTED:
            raise TokenRejected(
                f"Slack rejected {setting} ({code}): copy the {what} from the app's "
                "settings on api.slack.com/apps again"
            ) from None
        raise


def _why(error: BaseException) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or error.response.status_code)
    return str(error) or type(error).__name__
