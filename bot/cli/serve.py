"""``optobot serve``: run the configured channels behind one HTTP server."""

from __future__ import annotations

import argparse
import sys

import uvloop

from bot.server import ChannelStartError, NoChannelConfigured, check_channels, serve
from bot.settings import Settings
from bot.workers import WorkersUnsupported, supervise


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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
        print("optobot serve: --workers must be 1 or more", file=sys.stderr)
        return 2
    try:
        check_channels(settings)
        if args.workers > 1:
            return supervise(settings, args.workers)
        uvloop.run(serve(settings))  # aiohttp and asyncpg spend less per event on it
    except (NoChannelConfigured, WorkersUnsupported) as error:
        print(f"optobot serve: {error}", file=sys.stderr)
        return 2
    except ChannelStartError as error:
        print(f"optobot serve: {error}", file=sys.stderr)
        return 1
    return 0
