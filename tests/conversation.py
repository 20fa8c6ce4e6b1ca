"""Drive the Assistant like a member would: say something, press a button, read replies."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.assistant import Assistant
from bot.messages import Choice, Incoming, Reply

_events = itertools.count(1)


@dataclass
class Clock:
    """A clock tests move by hand."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 24, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Conversation:
    def __init__(
        self,
        assistant: Assistant,
        *,
        channel: str = "console",
        user: str = "member-1",
        chat: str | None = None,
        locale: str | None = None,
        private: bool = True,
    ) -> None:
        self.assistant = assistant
        self.channel = channel
        self.user = user
        self.chat = chat or user
        self.locale = locale
        self.private = private
        self.replies: list[Reply] = []

    def incoming(self, *, text: str | None = None, action: str | None = None) -> Incoming:
        return Incoming(
            channel=self.channel,
            user_id=self.user,
            chat_id=self.chat,
            event_id=f"evt-{next(_events)}",
            text=text,
            action=action,
            locale=self.locale,
            private=self.private,
            display_name=self.user,
        )

    async def send(self, incoming: Incoming) -> list[Reply]:
        self.replies = await self.assistant.handle(incoming)
        return self.replies

    async def say(self, text: str) -> list[Reply]:
        return await self.send(self.incoming(text=text))

    async def press(self, wanted: str) -> list[Reply]:
        """Press the button whose action is (or starts with) ``wanted``, or whose label has it."""
        return await self.send(self.incoming(action=self.choice(wanted).action))

    def choice(self, wanted: str) -> Choice:
        choices = self.choices
        exact = [c for c in choices if c.action == wanted]
        prefixed = [c for c in choices if wanted.endswith(":") and c.action.startswith(wanted)]
        labelled = [c for c in choices if wanted.casefold() in c.label.casefold()]
        found = exact or prefixed or labelled
        if not found:
            raise AssertionError(f"no button {wanted!r} in {[c.label for c in choices]}")
        return found[0]

    @property
    def choices(self) -> list[Choice]:
        return [choice for reply in self.replies for choice in reply.choices]

    @property
    def text(self) -> str:
        return "\n\n".join(reply.text for reply in self.replies)
