"""/privacy, /mydata and /forget: what is stored, a copy of it, and forgetting it."""

from __future__ import annotations

from bot import confirmations, privacy
from bot.messages import Attachment, Reply
from bot.routing import owns
from bot.turn import Turn

COMMANDS = {"privacy", "datenschutz", "mydata", "meinedaten", "forget", "vergessen"}
PRIVACY_ENTRY = "assistant-privacy"
PREFIX = "privacy:"
FORGET = "forget"
"""The confirmation's purpose (see :mod:`bot.confirmations`)."""


def action(name: str) -> str:
    """``mydata``, ``forget``, ``forget:yes:<token>``, ``forget:no``."""
    return f"{PREFIX}{name}"


class Privacy:
    commands = frozenset(COMMANDS)
    prefixes = frozenset({PREFIX})

    def check(self, turn: Turn) -> bool:
        command = turn.incoming.command
        if command is not None:
            return command[0] in COMMANDS
        return owns(self, turn.incoming.action)

    async def handle(self, turn: Turn) -> list[Reply]:
        pointer = turn.private_only()
        if pointer is not None:
            return [pointer]
        action = turn.incoming.action
        if action is not None:
            name = action.removeprefix(PREFIX)
        else:
            name = turn.incoming.command[0] if turn.incoming.command else ""
        if name in ("mydata", "meinedaten"):
            return await self._export(turn)
        if name in ("forget", "vergessen"):
            return [self._confirm_forget(turn)]
        if name == "forget:yes" or name.startswith("forget:yes:"):
            check = confirmations.redeem(turn, FORGET, name[len("forget:yes:") :])
            if check == "not_yours":
                return [turn.reply("privacy/not_yours", notice=True)]
            if check == "expired":
                return [turn.reply("privacy/forget_expired", notice=True)]
            return await self._forget(turn)
        if name == "forget:no":
            confirmations.withdraw(turn, FORGET)
            return [turn.reply("privacy/forget_kept", edit=True)]
        if action is not None:
            return [turn.reply("unknown_action", notice=True)]
        return [self._notice(turn)]

    def _notice(self, turn: Turn) -> Reply:
        """The FAQ entry, with the periods in force where the FAQ points to /privacy: the
        entry and /privacy say the same, and /privacy does not send members to itself."""
        settings = turn.services.settings
        periods = {
            "questions": settings.question_retention_days,
            "dialogues": settings.dialogue_expiry_days,
            "outbox": settings.outbox_retention_days,
            "registrations": settings.registration_retention_days,
        }
        entry = turn.services.knowledge.get(PRIVACY_ENTRY)
        answer = ""
        if entry is not None:
            text = entry.text(turn.language)
            answer = turn.services.templates.render_string(
                turn.language, text.answer, {"office": settings.office, "periods": periods}
            )
        return turn.reply(
            "privacy/notice",
            answer=answer,
            periods=periods,
            choices=[
                turn.choice("privacy/button_mydata", action("mydata")),
                turn.choice("privacy/button_forget", action("forget")),
            ],
        )

    async def _export(self, turn: Turn) -> list[Reply]:
        data = await privacy.export(turn.session, turn.member)
        attachment = Attachment(
            "optobot-my-data.json", privacy.export_json(data), "application/json"
        )
        return [
            turn.reply(
                "privacy/export",
                attachment=attachment,
                leads=len(data["leads"]),
                registrations=len(data["registrations"]),
                questions=len(data["questions"]),
            )
        ]

    def _confirm_forget(self, turn: Turn) -> Reply:
        """A running form ends here: its answers are among what is to be deleted, and a form
        asked again after the question would strip the confirming buttons."""
        forms = turn.services.forms
        if forms.active(turn) is not None:
            forms.clear(turn)
        token = confirmations.issue(turn, FORGET)
        return turn.reply(
            "privacy/forget_confirm",
            choices=[
                turn.choice("privacy/button_forget_yes", action(f"forget:yes:{token}")),
                turn.choice("privacy/button_forget_no", action("forget:no")),
            ],
        )

    async def _forget(self, turn: Turn) -> list[Reply]:
        result = await privacy.forget(turn.session, turn.member, turn.services)
        return [turn.reply("privacy/forgotten", edit=True, result=result)]
