"""The outbox worker of one process (``serve``, ``chat``) and the senders it needs besides
the channels running here: one per configured staff chat, built from its channel's spec.

Kept out of :mod:`bot.delivery.worker`, which delivers through any senders it is given and
knows neither the app nor a platform.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING

from bot.channels import registry
from bot.channels.base import Sender
from bot.delivery.worker import DeliveryWorker
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.app import App


def staff_senders(settings: Settings, present: Mapping[str, Sender]) -> dict[str, Sender]:
    """Senders for the configured staff targets whose channel is not running here.

    A platform library is imported only when its target is configured, so ``chat`` needs
    none.
    """
    targets = settings.staff_targets()
    return {
        spec.name: spec.make_sender(settings)
        for spec in registry.specs()
        if spec.name in targets and spec.name not in present and spec.can_send(settings)
    }


@asynccontextmanager
async def delivering(
    app: App, senders: Mapping[str, Sender], *, only_chat: Mapping[str, str] | None = None
) -> AsyncIterator[DeliveryWorker]:
    """Run a worker for this process while the body runs: ``serve`` and ``chat`` use it."""
    extra = staff_senders(app.settings, senders)
    worker = DeliveryWorker(
        app.database,
        app.settings,
        {**senders, **extra},
        clock=app.services.clock,
        only_chat=only_chat,
    )
    worker.start()
    try:
        yield worker
    finally:
        await worker.stop()
        await close_senders(extra)


async def close_senders(senders: Mapping[str, Sender]) -> None:
    """Close the connections of senders built here (``staff_senders``)."""
    for sender in senders.values():
        close = getattr(sender, "close", None)
        if close is not None:
            with suppress(Exception):
                await close()
