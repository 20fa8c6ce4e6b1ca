"""The Slack channel: Bolt's AsyncApp turns events and actions into Incoming; replies go
out as Block Kit through the Web API.

HTTP mode (``SLACK_SIGNING_SECRET``) answers ``POST /slack/events`` of the one server of
``serve``; with ``SLACK_APP_TOKEN`` the same app runs over Socket Mode. The signature and
the five-minute window are checked on the raw body, then Bolt acknowledges first; the work
happens after the ack (``process_before_response=False``), so Slack never waits more than
its 3 seconds.
Every event goes to the Assistant with Slack's own id (the envelope's ``event_id``, or the
press's ``action_ts`` and user), so a retried delivery gets no second reply.

Slack takes every message that begins with ``/`` as a slash command, so members type our
commands as the text of the app's one command: ``/optobot idea`` reaches the Assistant as
``/idea``, the same command Telegram and the console send. In the member's DM with the app
the answer comes there; elsewhere (a channel, a DM with a colleague) it is shown to the
member alone (ephemeral), and what is personal (an idea, privacy) goes to the app's DM;
a button pressed in such an ephemeral answer continues in the DM too. In the DM a command
word typed without the slash ("trainings", "hilfe") counts as the command.

The parts by job: :mod:`~bot.channels.slack_send` (the Sender), :mod:`~bot.channels.slack_views`
(home tab and modals), :mod:`~bot.channels.slack_profiles` (``users.info``),
:mod:`~bot.channels.slack_connect` (tokens checked, Socket Mode kept up).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from bot.app import App
from bot.channels import slack_blocks as blocks
from bot.channels.slack_connect import SlackConnection
from bot.channels.slack_profiles import Profiles
from bot.channels.slack_send import SlackSender, bot_token, configured, is_dm, library_logger
from bot.channels.slack_spec import COMMAND
from bot.channels.slack_staff import as_written, staff_thread_reply
from bot.channels.slack_views import IDEA_SHORTCUT, SlackViews
from bot.logs import Throttled
from bot.markdown import to_mrkdwn
from bot.messages import Incoming, Reply
from bot.turn import Turn
from handlers.ideas import COMMANDS as IDEA_COMMANDS
from handlers.privacy import COMMANDS as PRIVACY_COMMANDS

T = TypeVar("T")

log = logging.getLogger(__name__)

CHANNEL = "slack"
EVENTS_PATH = "/slack/events"
MEMBER_TEXT = {None, "thread_broadcast", "file_share"}
"""Message subtypes that are a person writing; edits, joins and deletions are not."""
MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
PERSONAL = frozenset(IDEA_COMMANDS | PRIVACY_COMMANDS)
"""Commands whose dialogue or data belong in the DM, wherever the member typed them."""
MENU = "start"
"""What ``/optobot`` alone does."""


class SlackChannel(SlackViews):
    """The Slack side of the assistant; ``bolt`` is the AsyncApp with our listeners."""

    name = CHANNEL

    def __init__(self, app: App) -> None:
        self.app = app
        settings = app.settings
        secret = settings.slack_signing_secret
        self.app_token = settings.slack_app_token
        # Bolt makes the client from the token: given a client of ours, it would also read
        # SLACK_BOT_TOKEN from the environment and warn that the token goes unused
        self.bolt = AsyncApp(
            name="optobot",
            token=bot_token(settings),
            signing_secret=secret.get_secret_value() if secret else "",
            process_before_response=False,
            logger=library_logger("bolt"),
        )
        self._verifier = SignatureVerifier(secret.get_secret_value()) if secret else None
        self._refused = Throttled(log)
        self.client = configured(self.bolt.client, settings)
        self.sender = SlackSender(self.client)
        socket = (
            AsyncSocketModeHandler(self.bolt, self.app_token.get_secret_value())
            if self.app_token is not None
            else None
        )
        self.connection = SlackConnection(self.client, socket)
        self._running = False
        self._profiles = Profiles(self.client, lambda: app.services.clock())
        self._busy: set[asyncio.Task[Any]] = set()
        self._listen()

    # Channel protocol ------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Started, the token taken by Slack and, in Socket Mode, the WebSocket open."""
        return self._running and self.connection.up

    def install(self, server: web.Application) -> None:
        """HTTP mode: Slack posts events and interactions to ``/slack/events``."""
        if self.app_token is None:
            server.router.add_post(EVENTS_PATH, self.handle_http)

    async def start(self) -> None:
        # one connection pool for every Web API call; without it each call opens its own
        self.client.session = aiohttp.ClientSession()
        try:
            await self.connection.open()
        except Exception:
            await self.client.session.close()
            raise
        self._running = True

    async def announce(self) -> None:
        """Nothing to tell: the Slack app's request URL is set once in its configuration."""

    async def stop(self) -> None:
        self._running = False
        await self.connection.close()
        await self.idle()
        if self.client.session is not None:
            await self.client.session.close()

    async def idle(self) -> None:
        """Wait for the work that runs after the acks (shutdown, tests)."""
        while self._busy:
            await asyncio.gather(*self._busy, return_exceptions=True)

    async def handle_http(self, request: web.Request) -> web.Response:
        """Slack's POST, its signature checked on the raw body before anything parses it
        (Bolt parses first and checks after: a deep, unsigned JSON body met the parser)."""
        if not self._signed(request.headers, await request.read()):
            self._refused.warning("Slack request without a valid signature from %s", request.remote)
            return web.json_response({"error": "invalid request"}, status=401)
        response = await self.bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    def _signed(self, headers: Mapping[str, str], body: bytes) -> bool:
        if self._verifier is None:
            return False
        timestamp = headers.get("X-Slack-Request-Timestamp", "")
        if not (timestamp.isascii() and timestamp.isdigit()):
            return False
        try:
            text = body.decode()
        except UnicodeDecodeError:
            return False
        return self._verifier.is_valid(text, timestamp, headers.get("X-Slack-Signature"))

    # listeners -------------------------------------------------------------------------

    def _listen(self) -> None:
        self.bolt.event("message")(self._on_message)
        self.bolt.event("app_mention")(self._on_mention)
        self.bolt.event("app_home_opened")(self._on_home)
        self.bolt.command(COMMAND)(self._on_command)
        self.bolt.action(re.compile("^" + re.escape(blocks.CHOICE_PREFIX)))(self._on_press)
        self.bolt.action(blocks.MODAL_ACTION)(self._on_modal_button)
        self.bolt.shortcut(IDEA_SHORTCUT)(self._on_shortcut)
        self.bolt.view_submission(blocks.MODAL_CALLBACK)(self._on_submit)
        self.bolt.view_closed(blocks.MODAL_CALLBACK)(self._on_closed)

    @asynccontextmanager
    async def _work(self) -> AsyncIterator[None]:
        """Tracks the work after an ack; a failure is logged, Slack has its answer already."""
        task = asyncio.current_task()
        if task is not None:
            self._busy.add(task)
        try:
            yield
        except SlackApiError as error:
            log.error("Slack API call failed: %s", error.response.get("error"))
        except Exception:
            log.exception("Slack event failed")
        finally:
            self._busy.discard(task)

    async def _on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """Direct messages; other bots, our own messages and edits are not a member talking."""
        async with self._work():
            answer = staff_thread_reply(event, self.app.settings)
            if answer is not None:
                thread = event["thread_ts"]
                text = MENTION.sub("", event.get("text") or "").strip()  # as in _converse
                written = {**event, "text": as_written(text)}
                await self._converse(written, body, private=False, thread_ts=thread, **answer)
                return
            if (
                event.get("channel_type") != "im"
                or event.get("subtype") not in MEMBER_TEXT
                or event.get("bot_id")
                or not event.get("user")
            ):
                return
            await self._converse(event, body, private=True, thread_ts=event.get("thread_ts"))

    async def _on_mention(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """A mention in a channel is answered in its thread, without the mention itself."""
        async with self._work():
            if event.get("bot_id") or not event.get("user"):
                return
            if staff_thread_reply(event, self.app.settings) is not None:
                return  # its message event is the staff's answer (bot.channels.slack_staff)
            thread = event.get("thread_ts") or event["ts"]
            await self._converse(event, body, private=False, thread_ts=thread)

    async def _converse(
        self,
        event: dict[str, Any],
        body: dict[str, Any],
        *,
        private: bool,
        thread_ts: str | None,
        **extras: str,
    ) -> None:
        user, channel = event["user"], event["channel"]
        text = MENTION.sub("", event.get("text") or "").strip()
        incoming = await self._incoming(
            user,
            channel,
            str(body.get("event_id") or f"{channel}:{event.get('ts')}"),
            text=self._as_command(text) if private else text,
            private=private,
            thread_ts=thread_ts,
            team_id=body.get("team_id"),
            **extras,
        )
        replies = await self.app.assistant.handle(incoming)
        await self.sender.post(channel, replies, thread_ts=thread_ts, user=user)

    def _as_command(self, text: str, *, typed_alone: bool = True) -> str:
        """A command name as the command; any other text as it is.

        In a message (``typed_alone``) only the name alone or with one lower-case argument
        ("trainings", "language en"): an answer in a running dialogue such as "Start GmbH"
        or "help me with ZIM" stays an answer.
        """
        words = text.split()
        router = self.app.services.router
        if not words or words[0].lower() not in router.commands:
            return text
        arguments = words[1:]
        if typed_alone and (len(arguments) > 1 or any(not w.islower() for w in arguments)):
            return text
        return "/" + text

    async def _on_command(self, ack: Any, body: dict[str, Any], respond: AsyncRespond) -> None:
        """``/optobot <command>``: acknowledged at once, then answered as that command
        typed in the member's DM. Outside the DM the answer is for the member's eyes only,
        and an idea or their data is taken to the DM, with a pointer where they typed."""
        await ack()
        async with self._work():
            user = body["user_id"]
            dm = await self.sender.dm(user)
            typed = (body.get("text") or "").strip().lstrip("/") or MENU
            incoming = await self._incoming(
                user,
                dm,
                f"command:{body.get('trigger_id') or body.get('response_url')}",
                text=self._as_command(typed, typed_alone=False),
                team_id=body.get("team_id"),
            )
            replies = await self.app.assistant.handle(incoming)
            command = incoming.command
            if body.get("channel_id") == dm:
                await self.sender.post(dm, replies, user=user)
            elif command is not None and command[0] in PERSONAL:
                await self.sender.post(dm, replies, user=user)
                pointer = Reply(await self._rendered(user, "slack/in_dm"))
                await self.sender.respond(respond, [pointer], user)
            else:
                await self.sender.respond(respond, replies, user)

    async def _on_press(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        """A button of a reply: the Assistant answers, and the pressed message loses its
        buttons (or becomes the answer, for an ``edit`` reply such as a claimed lead).

        A button of an answer shown to the member alone outside the DM (``/optobot`` in a
        channel) continues in the DM, and that answer says so in place of its buttons."""
        await ack()
        async with self._work():
            user = body["user"]["id"]
            container = body.get("container") or {}
            where = container.get("channel_id") or ""
            into_dm = bool(container.get("is_ephemeral") and where and not is_dm(where))
            message = body.get("message") if container.get("type") == "message" else None
            if message is not None and not into_dm:
                channel = where or body["channel"]["id"]
            else:
                channel = await self.sender.dm(user)
            thread_ts = message.get("thread_ts") if message and not into_dm else None
            incoming = await self._incoming(
                user,
                channel,
                f"{action.get('action_ts')}:{user}",
                action=action.get("value") or "",
                private=is_dm(channel),
                thread_ts=thread_ts,
                team_id=(body.get("team") or {}).get("id"),
            )
            replies = await self.app.assistant.handle(incoming)
            rest = list(replies)
            if into_dm and replies:
                label = (action.get("text") or {}).get("text", "")
                await self._pointed_to_dm(user, respond, f"✓ {label}")
            elif message is not None and not container.get("is_ephemeral"):
                rest = await self._settle(channel, message, action, replies)
            await self.sender.post(channel, rest, thread_ts=thread_ts, user=user)

    async def _pointed_to_dm(self, user: str, respond: AsyncRespond, chosen: str) -> None:
        """The pressed ephemeral answer, in place of its buttons: where it goes on."""
        pointer = await self._rendered(user, "slack/in_dm")
        await respond(
            text=pointer,
            blocks=blocks.chosen([blocks.section(to_mrkdwn(pointer))], chosen),
            response_type="ephemeral",
            replace_original=True,
        )

    async def _settle(
        self,
        channel: str,
        message: dict[str, Any],
        action: dict[str, Any],
        replies: Sequence[Reply],
    ) -> list[Reply]:
        """Update the pressed message; what is left to post is returned."""
        edit = next((reply for reply in replies if reply.edit), None)
        if edit is not None:
            await self.sender.replace(channel, message["ts"], edit)
            return [reply for reply in replies if reply is not edit]
        if replies and not all(reply.notice for reply in replies):
            label = (action.get("text") or {}).get("text", "")
            await self.sender.mark_chosen(channel, message["ts"], message, f"✓ {label}")
        return list(replies)

    async def _incoming(
        self,
        user: str,
        chat: str,
        event_id: str,
        *,
        text: str | None = None,
        action: str | None = None,
        private: bool = True,
        **extras: Any,
    ) -> Incoming:
        """The event for the Assistant, with the member's Slack locale and name."""
        profile = await self._profiles.get(user)
        return Incoming(
            channel=CHANNEL,
            user_id=user,
            chat_id=chat,
            event_id=event_id,
            text=text,
            action=action,
            locale=profile.locale,
            private=private,
            display_name=profile.name,
            extras=extras,
        )

    async def _rendered(self, user: str, template: str) -> str:
        """A template in the member's language, outside a conversation turn."""

        async def render(turn: Turn) -> str:
            return turn.render(template)

        return await self._drawn(user, render)

    async def _drawn(self, user: str, draw: Callable[[Turn], Awaitable[T]]) -> T:
        """``draw`` with a turn that writes nothing (the home tab, a modal, its check), in
        the member's language from their Slack locale."""
        profile = await self._profiles.get(user)
        return await self.app.assistant.read_only(
            CHANNEL, user, draw, locale=profile.locale, display_name=profile.name
        )
