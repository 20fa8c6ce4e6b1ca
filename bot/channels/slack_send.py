"""Replies to Slack through the Web API: the sender the channel and the outbox share.

It needs no Bolt app: the outbox uses it for the staff channel and for members' DMs, the
channel for its answers. References returned are ``channel:ts``, for later edits.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels import slack_blocks as blocks
from bot.markdown import to_mrkdwn
from bot.messages import Reply
from bot.settings import Settings

log = logging.getLogger("bot.channels.slack")
"""The channel's logger: the library loggers hang below it, as they did before the split."""


def bot_token(settings: Settings) -> str | None:
    return settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None


def web_client(settings: Settings) -> AsyncWebClient:
    """The Web API client, pointed at ``SLACK_API_URL`` when set (tests, proxies)."""
    client = AsyncWebClient(token=bot_token(settings), logger=library_logger("web"))
    return configured(client, settings)


def configured(client: AsyncWebClient, settings: Settings) -> AsyncWebClient:
    """``SLACK_API_URL`` and waiting out rate limits, on a client made by us or by Bolt
    (which hands it its own logger)."""
    if settings.slack_api_url:
        client.base_url = settings.slack_api_url
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    return client


def library_logger(part: str) -> logging.Logger:
    """The logger handed to slack_sdk or Bolt, at the level it would inherit.

    Both decide whether to log at DEBUG by ``logger.level`` itself, not by the effective
    level, so a logger left at NOTSET makes them format every debug message, each API
    response in full among them, only for logging to drop it.
    """
    logger = logging.getLogger(f"{log.name}.{part}")
    logger.setLevel(log.getEffectiveLevel())
    return logger


class SlackSender:
    """Replies → Web API calls. Needs no Bolt app: the outbox uses it for the staff channel
    and for members' DMs. References returned are ``channel:ts``, for later edits."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._dms: dict[str, str] = {}

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> list[str]:
        channel = await self.dm(chat_id) if is_user(chat_id) else chat_id
        return await self.post(channel, replies)

    async def post(
        self,
        channel: str,
        replies: Sequence[Reply],
        *,
        thread_ts: str | None = None,
        user: str | None = None,
    ) -> list[str]:
        """Post in order; a notice to a known user is ephemeral, a file goes to their DM."""
        refs: list[str] = []
        for reply in replies:
            if reply.notice and user is not None:
                await self.client.chat_postEphemeral(
                    channel=channel,
                    user=user,
                    text=to_mrkdwn(reply.text),
                    thread_ts=thread_ts,
                )
                continue
            for message in blocks.messages(reply):
                response = await self.client.chat_postMessage(
                    channel=channel, text=message.text, blocks=message.blocks, thread_ts=thread_ts
                )
                refs.append(f"{response['channel']}:{response['ts']}")
            if reply.attachment is not None:
                await self._upload(channel, reply, user)
        return refs

    async def send_in_thread(
        self, chat_id: str, replies: Sequence[Reply], thread: str | None
    ) -> list[str]:
        """In the thread of the message ``thread`` (``channel:ts``, a staff card)."""
        thread_ts = thread.partition(":")[2] if thread else None
        return await self.post(chat_id, replies, thread_ts=thread_ts or None)

    async def replace_sent(self, chat_id: str, refs: Sequence[str], reply: Reply) -> None:
        """Each message sent before gets its part of the new reply; when the reply now
        needs more or fewer messages, the last one gets the reply's end with its buttons."""
        messages = blocks.messages(reply)
        if len(messages) != len(refs):
            messages, refs = messages[-1:], refs[-1:]
        for ref, message in zip(refs, messages, strict=True):
            channel, _, ts = ref.partition(":")
            await self._update(channel, ts, message)

    async def replace(self, channel: str, ts: str, reply: Reply) -> None:
        await self._update(channel, ts, blocks.messages(reply)[0])

    async def _update(self, channel: str, ts: str, message: blocks.Message) -> None:
        await self.client.chat_update(
            channel=channel, ts=ts, text=message.text, blocks=message.blocks
        )

    async def mark_chosen(self, channel: str, ts: str, message: dict[str, Any], note: str) -> None:
        """Take the buttons off a pressed message, so it cannot be pressed into a stale step."""
        await self.client.chat_update(
            channel=channel,
            ts=ts,
            text=message.get("text", ""),
            blocks=blocks.chosen(message.get("blocks", []), note),
        )

    async def dm(self, user: str) -> str:
        """The bot's DM with a user (conversations.open), remembered."""
        if user not in self._dms:
            response = await self.client.conversations_open(users=user)
            self._dms[user] = response["channel"]["id"]
        return self._dms[user]

    async def respond(self, respond: AsyncRespond, replies: Sequence[Reply], user: str) -> None:
        """Shown to the member alone where they are (``response_url``, which works in any
        conversation, the app a member of it or not); a file goes to their DM."""
        for reply in replies:
            for message in blocks.messages(reply):
                answer = await respond(
                    text=message.text, blocks=message.blocks, response_type="ephemeral"
                )
                if answer.status_code != 200:
                    log.error("Slack response_url answered %s", answer.status_code)
            if reply.attachment is not None:
                await self._upload(await self.dm(user), reply, user)

    async def _upload(self, channel: str, reply: Reply, user: str | None) -> None:
        attachment = reply.attachment
        assert attachment is not None
        target = channel if is_dm(channel) or user is None else await self.dm(user)
        await self.client.files_upload_v2(
            channel=target,
            content=attachment.content,
            filename=attachment.filename,
            title=attachment.filename,
        )


def make_sender(settings: Settings) -> SlackSender:
    return SlackSender(web_client(settings))


def is_user(chat_id: str) -> bool:
    return chat_id[:1] in ("U", "W")


def is_dm(channel: str) -> bool:
    return channel.startswith("D")
