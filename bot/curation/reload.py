"""Every worker serves the office's newest entry versions within seconds, no restart.

Each process looks at the newest version's id (one indexed ``max``) every
``OPTOBOT_KB_RELOAD_SECONDS``; when it moved, it reads the newest versions and rebuilds its
knowledge base in place (a base with problems is refused and the last good one stays).
"""

from __future__ import annotations

import asyncio
import logging
from weakref import WeakKeyDictionary

from bot.curation.versions import edits, latest, stamp
from bot.turn import Services

log = logging.getLogger(__name__)


class Reloader:
    """The stamp this process serves, and the step that catches up with the database."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.seen: int | None = None

    async def refresh(self) -> bool:
        """Serve the newest versions if any was saved since the last look; whether it did."""
        base = self.services.knowledge
        if base is None:
            return False
        async with self.services.database.transaction() as session:
            newest = await stamp(session)
            if newest == self.seen:
                return False
            versions = await latest(session)
        wanted = edits(base, versions)
        if wanted == base.edits:  # nothing saved yet, or this process saved it already
            self.seen = newest
            return False
        problems = await asyncio.to_thread(base.serve, wanted)
        if problems:
            log.error("office versions not served: %d problem(s)", len(problems))
        else:
            log.info("knowledge base serves the office's versions up to #%d", newest)
        self.seen = newest
        return not problems


_RELOADERS: WeakKeyDictionary[Services, Reloader] = WeakKeyDictionary()


def reloader(services: Services) -> Reloader:
    """The process's one reloader (the office calls it right after a save)."""
    found = _RELOADERS.get(services)
    if found is None:
        found = _RELOADERS[services] = Reloader(services)
    return found


def interval(services: Services) -> float:
    return services.settings.kb_reload_seconds


async def refresh(services: Services) -> bool:
    """The periodic job (:data:`bot.jobs.KNOWLEDGE_RELOAD`)."""
    return await reloader(services).refresh()
