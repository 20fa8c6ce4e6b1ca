"""``optobot serve``: run the configured channels behind one HTTP server."""

from __future__ import annotations

import argparse
import asyncio
import gc

import uvloop

from bot.app import open_app
from bot.channels.base import ChannelStartError
from bot.cli.errors import USAGE, Refused
from bot.cli.trainings import sync_on_start
from bot.server import NoChannelConfigured, check_channels, serve
from bot.settings import Settings
from bot.supervisor import WorkersUnsupported, supervise
from bot.webhook_secret import WebhookSecretError

YOUNG_COLLECTION_EVERY = 10_000
"""Net new objects between the garbage collector's young collections (Python's default
is 700); see :func:`settle_heap`."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = commands.add_parser(
        "serve",
        help="run the assistant in Telegram and/or Slack",
        description="Run every configured channel (Telegram, Slack) and the HTTP server with "
        "/healthz and the webhook endpoints, until SIGTERM or Ctrl-C.",
    )
    command.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="run N processes on the one port (one per core; webhook modes only)",
    )
    command.set_defaults(run=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.workers < 1:
        raise Refused("--workers must be 1 or more", code=USAGE)
    try:
        check_channels(settings)
        asyncio.run(_sync_catalogue(settings))  # once, before any worker takes an update
        if args.workers > 1:
            return supervise(settings, args.workers)
        # aiohttp and asyncpg spend less per event on uvloop
        uvloop.run(serve(settings, ready=settle_heap))
    except (NoChannelConfigured, WorkersUnsupported) as error:
        raise Refused(str(error), code=USAGE) from None
    except (ChannelStartError, WebhookSecretError) as error:
        raise Refused(str(error)) from None
    return 0


async def _sync_catalogue(settings: Settings) -> None:
    async with open_app(settings) as app:
        await sync_on_start(app)


def settle_heap() -> None:
    """Once serving, keep the garbage collector off what the process holds for good.

    ``gc.freeze`` moves the start-up objects (modules, mappers, the knowledge index,
    templates) out of every full collection; an event's own objects are freed by
    reference counting, so young collections can run far less often than Python's default.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_EVERY)
