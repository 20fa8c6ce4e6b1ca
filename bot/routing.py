"""Handlers and the router that picks one: the first whose cheap ``check`` matches wins.

A handler that takes button actions declares the starts of them (:class:`ActionOwner`);
two handlers claiming the same actions would make the order of the handlers decide who
answers a button, so the router refuses to start with them (:class:`OverlappingPrefixes`).
"""

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


@runtime_checkable
class ActionOwner(Protocol):
    """A handler that takes button actions: those that start with one of ``prefixes``
    (``"tr:"``); it builds them with functions of its own, never spelled elsewhere."""

    prefixes: frozenset[str]


def owns(owner: ActionOwner, action: str | None) -> bool:
    """Whether a pressed button is one of the owner's."""
    return action is not None and action.startswith(tuple(owner.prefixes))


class OverlappingPrefixes(ValueError):
    """Two handlers claim actions that start alike: one would never see its buttons."""


def owners(handlers: Sequence[Handler]) -> dict[str, Handler]:
    """Every declared action prefix and its handler; refuses prefixes that overlap (the
    same, or one the start of another) between handlers or within one."""
    owned: dict[str, Handler] = {}
    for handler in handlers:
        for prefix in sorted(handler.prefixes if isinstance(handler, ActionOwner) else ()):
            clash = next((p for p in owned if p.startswith(prefix) or prefix.startswith(p)), None)
            if clash is not None:
                raise OverlappingPrefixes(
                    f"{type(handler).__name__} claims {prefix!r}, "
                    f"{type(owned[clash]).__name__} already {clash!r}"
                )
            owned[prefix] = handler
    return owned


class Router:
    def __init__(self, handlers: Sequence[Handler]) -> None:
        self.handlers = tuple(handlers)
        self.prefixes = owners(self.handlers)
        """Which handler owns the actions that start with each prefix."""
        self.commands = frozenset().union(
            *(h.commands for h in self.handlers if isinstance(h, CommandOwner))
        )
        """Every command name some handler takes: what a channel may pass on as a command."""

    def pick(self, turn: Turn) -> Handler | None:
        return next((handler for handler in self.handlers if handler.check(turn)), None)

    def menu(self, turn: Turn) -> list[Choice]:
        entries = (h.menu(turn) for h in self.handlers if isinstance(h, MenuEntry))
        return [entry for entry in entries if entry is not None]
