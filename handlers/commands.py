"""The commands every member needs: /start, /help (/hilfe), /language, /cancel."""

from __future__ import annotations

from bot.forms import cancel_action
from bot.messages import Choice, Reply
from bot.routing import owns
from bot.settings import LANGUAGES
from bot.turn import Turn

COMMANDS = {"start", "help", "hilfe", "language", "sprache", "cancel", "abbrechen"}
LANGUAGE = "lang:"
MENU = "menu:"
ASK = f"{MENU}ask"
"""Invites a question (the first entry of the menu)."""


def language_action(code: str) -> str:
    return f"{LANGUAGE}{code}"


class Commands:
    commands = frozenset(COMMANDS)
    prefixes = frozenset({LANGUAGE, MENU})

    def check(self, turn: Turn) -> bool:
        command = turn.incoming.command
        return (command is not None and command[0] in COMMANDS) or owns(self, turn.incoming.action)

    async def handle(self, turn: Turn) -> list[Reply]:
        action = turn.incoming.action
        if action is not None:
            kind, _, value = action.partition(":")
            if f"{kind}:" == LANGUAGE:
                return self._language(turn, value)
            if value == "ask":
                return [turn.reply("ask_prompt")]
            if value == "start":
                return self._start(turn)
            return [turn.reply("unknown_action", notice=True)]
        name, argument = turn.incoming.command or ("", "")
        if name == "start":
            return self._start(turn)
        if name in ("help", "hilfe"):
            return [turn.reply("help", choices=self._menu(turn))]
        if name in ("language", "sprache"):
            return self._language(turn, argument.lower())
        return await self._cancel(turn)

    def _start(self, turn: Turn) -> list[Reply]:
        forms = turn.services.forms
        running = forms.active(turn)
        choices = self._menu(turn)
        if running:
            choices.append(turn.choice("forms/button_cancel", cancel_action(turn.state.step or "")))
        return [turn.reply("start", choices=choices, running=running is not None)]

    def _menu(self, turn: Turn) -> list[Choice]:
        return menu(turn)

    def _language(self, turn: Turn, wanted: str) -> list[Reply]:
        if wanted not in LANGUAGES:
            choices = [
                turn.choice("language_name", language_action(code), code=code) for code in LANGUAGES
            ]
            return [turn.reply("language_usage", choices=choices)]
        turn.member.language = wanted
        turn.member.language_explicit = True
        turn.language = wanted
        return [turn.reply("language_set", choices=self._menu(turn))]

    async def _cancel(self, turn: Turn) -> list[Reply]:
        forms = turn.services.forms
        if forms.active(turn):
            return await forms.cancel(turn)
        return [turn.reply("nothing_to_cancel")]


def menu(turn: Turn) -> list[Choice]:
    """The /start menu: ask, every capability's entry, the other language; the FAQ's reply
    to an off-topic question shows it too."""
    entries = [turn.choice("menu_ask", ASK), *turn.services.router.menu(turn)]
    other = next(language for language in LANGUAGES if language != turn.language)
    entries.append(turn.choice("menu_language", language_action(other)))
    return entries
