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
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import language
from bot.app import App
from bot.channels import slack_blocks as blocks
from bot.channels.slack_connect import SlackConnection
from bot.channels.slack_home import home
from bot.channels.slack_staff import as_written, staff_thread_reply
from bot.forms import SUBMIT, Form
from bot.logs import Throttled
from bot.markdown import to_mrkdwn, to_plain
from bot.messages import Incoming, Reply
from bot.settings import Settings
from bot.storage import ChannelIdentity, Member
from bot.storage.dialogues import Dialogue
from bot.templates import SLACK_COMMAND
from bot.turn import Turn
from handlers.ideas import ACTION as IDEA_ACTION
from handlers.ideas import COMMANDS as IDEA_COMMANDS
from handlers.privacy import COMMANDS as PRIVACY_COMMANDS

T = TypeVar("T")

log = logging.getLogger(__name__)

CHANNEL = "slack"
EVENTS_PATH = "/slack/events"
IDEA_FORM = "idea"
IDEA_SHORTCUT = "optobot_idea"
"""callback_id of the global shortcut in slack-app-manifest.yaml."""
PROFILE_TTL = timedelta(minutes=10)
MEMBER_TEXT = {None, "thread_broadcast", "file_share"}
"""Message subtypes that are a person writing; edits, joins and deletions are not."""
MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
PERSONAL = frozenset(IDEA_COMMANDS | PRIVACY_COMMANDS)
"""Commands whose dialogue or data belong in the DM, wherever the member typed them."""
MENU = "start"
"""What ``/optobot`` alone does."""


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
    logger = logging.getLogger(f"{__name__}.{part}")
    logger.setLevel(log.getEffectiveLevel())
    return logger


class SlackSender:
    """Replies → Web API calls. Needs no Bolt app: the outbox uses it for the staff channel
    and for members' DMs. References returned are ``channel:ts``, for later edits."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._dms: dict[str, str] = {}

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> list[str]:
        channel = await self.dm(chat_id) if _is_user(chat_id) else chat_id
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
        target = channel if _is_dm(channel) or user is None else await self.dm(user)
        await self.client.files_upload_v2(
            channel=target,
            content=attachment.content,
            filename=attachment.filename,
            title=attachment.filename,
        )


def make_sender(settings: Settings) -> SlackSender:
    return SlackSender(web_client(settings))


def _is_user(chat_id: str) -> bool:
    return chat_id[:1] in ("U", "W")


def _is_dm(channel: str) -> bool:
    return channel.startswith("D")


@dataclass(frozen=True)
class Profile:
    locale: str | None
    name: str | None
    until: datetime


class SlackChannel:
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
        self._profiles: dict[str, Profile] = {}
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
        self.bolt.command(SLACK_COMMAND)(self._on_command)
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
            self._busy.discard(task)  # type: ignore[arg-type]

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
        if not words or router is None or words[0].lower() not in router.commands:
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
            into_dm = bool(container.get("is_ephemeral") and where and not _is_dm(where))
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
                private=_is_dm(channel),
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

    async def _on_home(self, event: dict[str, Any]) -> None:
        async with self._work():
            if event.get("tab", "home") != "home" or not event.get("user"):
                return
            user = event["user"]

            async def draw(turn: Turn) -> dict[str, Any]:
                content = await home(turn)
                form = self._form(IDEA_FORM)
                if form is None:
                    return blocks.home_view(content.markdown, content.choices, None)
                # the modal takes the idea; the menu's chat dialogue would be a second button
                choices = [choice for choice in content.choices if choice.action != IDEA_ACTION]
                modal = turn.choice("slack/button_idea", form.name)
                return blocks.home_view(content.markdown, choices, modal)

            view = await self._drawn(user, draw)
            await self.client.views_publish(user_id=user, view=view)

    async def _on_modal_button(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()
        async with self._work():
            await self._open_modal(body, action.get("value") or IDEA_FORM)

    async def _on_shortcut(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        async with self._work():
            await self._open_modal(body, IDEA_FORM)

    async def _open_modal(self, body: dict[str, Any], name: str) -> None:
        user = body["user"]["id"]
        form = self._form(name)

        async def draw(turn: Turn) -> dict[str, Any] | Reply:
            if form is None:
                return turn.reply("slack/modal_unavailable")
            return blocks.form_modal(turn, form, self._modal_texts(turn))

        drawn = await self._drawn(user, draw)
        if isinstance(drawn, Reply):
            await self.sender.post(await self.sender.dm(user), [drawn])
            return
        await self.client.views_open(trigger_id=body["trigger_id"], view=drawn)

    async def _on_submit(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        """Checked before the ack, so problems show in the modal; then stored like the
        chat dialogue's confirm, and the answer comes to the member's DM."""
        user = body["user"]["id"]
        form = self._form(blocks.form_name(view) or "")
        if form is None:
            await ack()
            return
        answers = blocks.form_answers(form, view)

        async def check(turn: Turn) -> dict[str, str]:
            forms = turn.services.forms
            assert forms is not None
            return forms.check(turn, form, answers)[1]

        problems = await self._drawn(user, check)
        if problems:
            errors = {step: to_plain(text) for step, text in problems.items()}
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        async with self._work():
            channel = await self.sender.dm(user)
            incoming = await self._incoming(
                user,
                channel,
                f"view:{view.get('id')}:{body.get('trigger_id') or view.get('hash')}",
                action=SUBMIT,
                form=form.name,
                answers=answers,
            )
            replies = await self.app.assistant.handle(incoming)
            await self.sender.post(channel, replies, user=user)

    async def _on_closed(self, ack: Any) -> None:
        await ack()

    # helpers -----------------------------------------------------------------------------

    def _form(self, name: str) -> Form | None:
        forms = self.app.services.forms
        return forms.forms.get(name) if forms is not None else None

    def _modal_texts(self, turn: Turn) -> blocks.ModalTexts:
        return blocks.ModalTexts(
            title=turn.render("slack/modal_title"),
            submit=turn.render("slack/modal_submit"),
            close=turn.render("slack/modal_close"),
            placeholder=turn.render("slack/modal_placeholder"),
        )

    async def _profile(self, user: str) -> Profile:
        """Locale and name from users.info, kept a few minutes; without it, detection."""
        now = self.app.services.clock()
        cached = self._profiles.get(user)
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
        self._profiles[user] = profile
        return profile

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
        profile = await self._profile(user)
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
        """``draw`` with a turn for drawing a modal or the home tab or checking a modal's
        answers, run again once if the database connection was lost.

        Nothing is written: a member who never wrote gets an unsaved member, and the
        dialogue state is a blank one, so a running chat dialogue is left as it is.
        """
        profile = await self._profile(user)
        services = self.app.services

        async def work(session: AsyncSession) -> T:
            query = (
                select(ChannelIdentity)
                .filter_by(channel=CHANNEL, user_id=user)
                .join(ChannelIdentity.member)
            )
            identity = (await session.execute(query)).scalar_one_or_none()
            if identity is not None:
                await session.refresh(identity, ["member"])
                member = identity.member
            else:
                member = Member(display_name=profile.name)
                identity = ChannelIdentity(
                    channel=CHANNEL, user_id=user, chat_id=user, member=member
                )
            lang = language.for_member(
                member.language,
                member.language_explicit,
                locale=profile.locale or identity.locale,
                text=None,
                default=services.settings.default_language,
            )
            incoming = Incoming(
                channel=CHANNEL, user_id=user, chat_id=user, event_id="", locale=profile.locale
            )
            return await draw(Turn(incoming, session, member, identity, Dialogue(), lang, services))

        return await services.database.run(work)
