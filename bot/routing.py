"""Handlers and the router that picks one: the first whose cheap ``check`` matches wins."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from bot.messages import Choice, Reply
from bot.turn import Turn


@runtime_checkable
class Handler(Protocol):
    """A capability. ``check`` is pure and cheap; ``handle`` does the work."""

    def check(self, turn: Turn) -> bool: ...

    async def handle(self, turn: Turn) -> list[Reply]: ...


@runtime_checkable
class MenuEntry(Protocol):
    """A handler that offers a button in the /start menu."""

    def menu(self, turn: Turn) -> Choice | None: ...


@runtime_checkable
class CommandOwner(Protocol):
    """A handler that takes commands (``/idea``); ``commands`` are their names, aliases too."""

    commands: frozenset[str]


class Router:
    def __init__(self, handlers: Sequence[Handler]) -> None:
        self.handlers = tuple(handlers)
        self.commands = frozenset().union(
            *(h.commands for h in self.handlers if isinstance(h, CommandOwner))
        )
        """Every command name some handler takes: what a channel may pass on as a command."""

    def pick(self, turn: Turn) -> Handler | None:
        return next((handler for handler in self.handlers if handler.check(turn)), None)

    def menu(self, turn: Turn) -> list[Choice]:
        entries = (h.menu(turn) for h in self.handlers if isinstance(h, MenuEntry))
        return [entry for entry in entries if entry is not None]
