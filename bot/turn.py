"""One event being handled: the member, their language and dialogue state, and the services."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels import registry
from bot.messages import Attachment, Choice, Incoming, Reply
from bot.settings import Settings
from bot.storage import ChannelIdentity, Database, Member, utcnow
from bot.storage.dialogues import Dialogue
from bot.templates import Templates

if TYPE_CHECKING:
    from bot.forms import FormEngine
    from bot.routing import Router
    from knowledge.base import KnowledgeBase


@dataclass(eq=False)
class Services:
    """What handlers may use besides the turn itself; built once per process by
    ``build_app``, which sets ``router`` right after: the handlers it routes to take the
    services. Compared and hashed by identity, so per-process state can hang off it."""

    settings: Settings
    templates: Templates
    database: Database
    knowledge: KnowledgeBase
    forms: FormEngine
    clock: Callable[[], datetime] = utcnow
    router: Router = field(init=False)


@dataclass
class Turn:
    incoming: Incoming
    session: AsyncSession
    member: Member
    identity: ChannelIdentity
    state: Dialogue
    language: str
    services: Services

    @property
    def text(self) -> str:
        return (self.incoming.text or "").strip()

    @property
    def now(self) -> datetime:
        return self.services.clock()

    @property
    def is_staff(self) -> bool:
        return is_staff(self.services.settings, self.incoming)

    def render(self, template: str, /, **context: Any) -> str:
        """The template in the member's language, its commands as their channel has them."""
        channel = self.incoming.channel
        return self.services.templates.render(self.language, template, channel=channel, **context)

    def reply(
        self,
        template: str,
        /,
        *,
        choices: Sequence[Choice] = (),
        attachment: Attachment | None = None,
        notice: bool = False,
        edit: bool = False,
        **context: Any,
    ) -> Reply:
        """``edit`` replaces the message whose button was pressed (see :class:`Reply`)."""
        text = self.render(template, **context)
        return Reply(text, tuple(choices), attachment, notice, edit)

    def private_only(self) -> Reply | None:
        """None in a private chat; in a group or channel, a pointer to the private chat.

        The privacy commands, the forms and a member's bookings show or ask for their
        e-mail, phone and company, which a group must not see; a button press gets the
        pointer as a toast.
        """
        if self.incoming.private:
            return None
        return self.reply("private_only", notice=self.incoming.action is not None)

    def choice(self, template: str, action: str, /, **context: Any) -> Choice:
        """A button whose label is a template of its own."""
        return Choice(self.render(template, **context), action)


def is_staff(settings: Settings, incoming: Incoming) -> bool:
    """Checked on every use against the configured ids, never cached on the member."""
    spec = registry.find(incoming.channel)
    return spec is not None and incoming.user_id in spec.staff_ids(settings)
