"""The Slack surfaces outside the chat: the app's home tab and the form modals (the idea
form from the home tab's button or the global shortcut), mixed into the channel.

Drawing them is a read-only turn (:meth:`bot.assistant.Assistant.read_only`); a submitted
modal is checked before the ack, so problems show in the modal, then goes to the Assistant
like the chat dialogue's confirm.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, TypeVar

from slack_sdk.web.async_client import AsyncWebClient

from bot.channels import slack_blocks as blocks
from bot.channels.slack_home import home
from bot.channels.slack_send import SlackSender
from bot.forms import SUBMIT, Form
from bot.markdown import to_plain
from bot.messages import Incoming, Reply
from bot.turn import Turn
from handlers.ideas import ACTION as IDEA_ACTION

if TYPE_CHECKING:
    from bot.app import App

T = TypeVar("T")

IDEA_FORM = "idea"
IDEA_SHORTCUT = "optobot_idea"
"""callback_id of the global shortcut in slack-app-manifest.yaml."""


class SlackViews:
    """The home tab and modal listeners of :class:`~bot.channels.slack.SlackChannel`."""

    if TYPE_CHECKING:  # what the channel provides
        app: App
        sender: SlackSender
        client: AsyncWebClient

        def _work(self) -> AbstractAsyncContextManager[None]: ...

        async def _drawn(self, user: str, draw: Callable[[Turn], Awaitable[T]]) -> T: ...

        async def _incoming(
            self, user: str, chat: str, event_id: str, *, action: str | None = None, **extras: Any
        ) -> Incoming: ...

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
