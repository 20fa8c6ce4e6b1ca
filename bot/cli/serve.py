"""``optobot serve``: run the configured channels behind one HTTP server."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.server import ChannelStartError, NoChannelConfigured, serve
from bot.settings import Settings


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser(
        "serve",
        help="run the assistant in Telegram and/or Slack",
        description="Run every configured channel (Telegram, Slack) and the HTTP server with "
        "/healthz and the webhook endpoints, until SIGTERM or Ctrl-C.",
    )
    command.set_defaults(run=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    try:
        asyncio.run(serve(settings))
    except NoChannelConfigured as error:
        print(f"optobot serve: {error}", file=sys.stderr)
        return 2
    except ChannelStartError as error:
        print(f"optobot serve: {error}", file=sys.stderr)
        return 1
    return 0
