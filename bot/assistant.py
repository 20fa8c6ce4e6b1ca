"""The Assistant every channel calls: one event in, the replies out.

For each event it serialises the member's events, records the event id (a redelivery gets
nothing) and loads the dialogue state (locked on PostgreSQL so two workers cannot
interleave), finds or creates the member, picks the language, routes to a handler and saves
everything in one transaction. Our own bugs become an apology with a reference code.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager

from bot import language, metrics, sanitise, shown
from bot.messages import Incoming, Reply
from bot.settings import Settings
from bot.storage import ChannelIdentity, Member
from bot.storage.dialogues import Counted, Dialogue, open_dialogue, save_dialogue
from bot.turn import Services, Turn, is_staff

log = logging.getLogger(__name__)
T = TypeVar("T")
_WINDOW = timedelta(minutes=1)
UNLIMITED_CHANNELS = frozenset({"console"})


class _KeyedLocks:
    """One asyncio lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[tuple[str, ...], tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: tuple[str, ...]) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class Assistant:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.router = services.router
        self._locks = _KeyedLocks()

    async def handle(self, incoming: Incoming) -> list[Reply]:
        if incoming.text is not None:
            incoming = dataclasses.replace(incoming, text=sanitise.clean(incoming.text))
        metrics.UPDATES.labels(channel=incoming.channel).inc()
        key = (incoming.channel, incoming.chat_id, incoming.user_id)
        with metrics.HANDLER_SECONDS.labels(channel=incoming.channel).time():
            return await self._handle(key, incoming)

    async def _handle(self, key: tuple[str, str, str], incoming: Incoming) -> list[Reply]:
        async with self._locks.hold(key):
            try:
                return await self.services.database.run(
                    functools.partial(self._transaction, incoming=incoming)
                )
            except Exception:
                return [self._apology(incoming)]

    async def _transaction(self, session: AsyncSession, *, incoming: Incoming) -> list[Reply]:
        """The whole turn in one transaction: nothing is written unless all of it is."""
        state = await self._state(session, incoming)
        if state is None:
            log.info("event %s/%s seen before", incoming.channel, incoming.event_id)
            return []
        incoming = shown.pressed(state, incoming)
        turn = await self._turn(session, incoming, state)
        replies = await self._respond(turn)
        shown.remember(turn.state, incoming, replies)
        await save_dialogue(session, turn.state)
        return replies

    async def _respond(self, turn: Turn) -> list[Reply]:
        limited = self._rate_limit(turn)
        if limited is not None:
            return limited
        if turn.incoming.unsupported is not None:
            return [turn.reply(f"unsupported_{turn.incoming.unsupported}")]
        if turn.incoming.action is None and not turn.text:
            return [turn.reply("empty_message")]
        if sanitise.too_long(turn.text):
            return [turn.reply("too_long", limit=sanitise.MAX_MESSAGE_CHARS)]
        return await self._route(turn)

    async def _route(self, turn: Turn) -> list[Reply]:
        handler = self.router.pick(turn)
        if handler is None:
            return [turn.reply("unknown_action", notice=True)]
        return await handler.handle(turn)

    def _rate_limit(self, turn: Turn) -> list[Reply] | None:
        """None within the budget; one notice when it is crossed, saying when to try again,
        then silence until the window ends.

        The count was kept when the dialogue row was opened (see ``_counted``).
        """
        counted = _counted(self.services.settings, turn.incoming)
        if counted is None:
            return None
        state, settings = turn.state, self.services.settings
        if counted == "press":
            count, start = state.press_count, state.press_window_start
            limit = settings.rate_limit_presses_per_minute
        else:
            count, start, limit = (
                state.rate_count,
                state.rate_window_start,
                settings.rate_limit_per_minute,
            )
        if count <= limit:
            return None
        if count == limit + 1 and start is not None:
            log.info("member %s rate-limited (%ss)", turn.member.id, counted)
            left = start + _WINDOW - self.services.clock()
            seconds = max(int(left.total_seconds()) + 1, 1)
            return [turn.reply("rate_limited", seconds=seconds, notice=counted == "press")]
        return []

    def _apology(self, incoming: Incoming) -> Reply:
        code = secrets.token_hex(3).upper()
        log.exception("error %s handling %s event %s", code, incoming.channel, incoming.event_id)
        lang = self.language_of(None, locale=incoming.locale)
        return Reply(self.services.templates.render(lang, "error", code=code))

    # the member's language, and a turn that writes nothing ---------------------------

    def language_of(
        self, member: Member | None, *, locale: str | None, text: str | None = None
    ) -> str:
        """The language to answer in: the member's own choice, then the platform's
        ``locale``, then the words of ``text``, then what was stored, then the default; for
        an event that never reached a member (``None``), the locale or the default."""
        return language.for_member(
            member.language if member is not None else None,
            member is not None and member.language_explicit,
            locale=locale,
            text=text,
            default=self.services.settings.default_language,
        )

    async def read_only(
        self,
        channel: str,
        user_id: str,
        draw: Callable[[Turn], Awaitable[T]],
        *,
        locale: str | None = None,
        display_name: str | None = None,
    ) -> T:
        """``draw`` with a turn of the member ``user_id`` that writes nothing: for what a
        channel shows outside a conversation (Slack's home tab and modals, a modal's
        check), run again once if the database connection was lost.

        A member who never wrote gets an unsaved member, and the dialogue state is a blank
        one, so a running chat dialogue is left as it is.
        """
        services = self.services

        async def work(session: AsyncSession) -> T:
            key = {"channel": channel, "user_id": user_id}
            identity = (await session.execute(_IDENTITY, key)).scalar_one_or_none()
            if identity is None:
                member = Member(display_name=display_name)
                identity = ChannelIdentity(
                    channel=channel, user_id=user_id, chat_id=user_id, member=member
                )
            lang = self.language_of(identity.member, locale=locale or identity.locale)
            incoming = Incoming(
                channel=channel, user_id=user_id, chat_id=user_id, event_id="", locale=locale
            )
            turn = Turn(incoming, session, identity.member, identity, Dialogue(), lang, services)
            return await draw(turn)

        return await services.database.run(work)

    # the steps of a turn -------------------------------------------------------------

    async def _turn(self, session: AsyncSession, incoming: Incoming, state: Dialogue) -> Turn:
        identity = await self._identity(session, incoming)
        member = identity.member
        chosen = self.language_of(
            member, locale=incoming.locale or identity.locale, text=incoming.text
        )
        if member.language != chosen:  # an unchanged object stays clean: no flush per query
            member.language = chosen
        return Turn(incoming, session, member, identity, state, chosen, self.services)

    async def _state(self, session: AsyncSession, incoming: Incoming) -> Dialogue | None:
        """The dialogue row, created if new and locked for this transaction, or None for an
        event seen before; a form left longer than the expiry starts afresh."""
        now = self.services.clock()
        state = await open_dialogue(
            session,
            incoming.channel,
            incoming.chat_id,
            incoming.user_id,
            now,
            event_id=incoming.event_id,
            counted=_counted(self.services.settings, incoming),
            window=_WINDOW,
        )
        if state is None:
            return None
        expiry = timedelta(days=self.services.settings.dialogue_expiry_days)
        if state.form and state.updated_at is not None and state.updated_at < now - expiry:
            state.form = state.step = state.mode = None
            state.data = {}
        return state

    async def _identity(self, session: AsyncSession, incoming: Incoming) -> ChannelIdentity:
        key = {"channel": incoming.channel, "user_id": incoming.user_id}
        identity = (await session.execute(_IDENTITY, key)).scalar_one_or_none()
        if identity is None:
            member = Member(display_name=incoming.display_name, created_at=self.services.clock())
            identity = ChannelIdentity(
                channel=incoming.channel,
                user_id=incoming.user_id,
                chat_id=_own_chat(incoming),
                member=member,
                created_at=self.services.clock(),
            )
            session.add(identity)
            await session.flush()
        if incoming.private and identity.chat_id != incoming.chat_id:
            identity.chat_id = incoming.chat_id
        if incoming.locale and identity.locale != incoming.locale:
            identity.locale = incoming.locale
        if incoming.display_name and not identity.member.display_name:
            identity.member.display_name = incoming.display_name
        return identity


_IDENTITY = (
    select(ChannelIdentity)
    .where(
        ChannelIdentity.channel == bindparam("channel"),
        ChannelIdentity.user_id == bindparam("user_id"),
    )
    .join(ChannelIdentity.member)
    .options(contains_eager(ChannelIdentity.member))
)
"""Built once, so its cache key is computed once rather than on every turn."""


def _own_chat(incoming: Incoming) -> str:
    """Where the assistant writes to the member on its own (reminders, lead notices): the
    private chat they wrote from, else their direct chat, never a group or channel where
    everyone would read it. A Telegram user's private chat has their user id, and Slack's
    sender opens the DM of a user id."""
    return incoming.chat_id if incoming.private else incoming.user_id


def _counted(settings: Settings, incoming: Incoming) -> Counted:
    """The budget an event draws on: every message (text, sticker, photo, edit) on one,
    every button press on its own, higher one, since presses come faster than typing but
    a custom client can forge them as fast as messages. Staff are never limited, nor is
    the console: it is the operator's own terminal, and scripts pipe whole conversations
    through it."""
    if incoming.channel in UNLIMITED_CHANNELS or is_staff(settings, incoming):
        return None
    return "message" if incoming.action is None else "press"
