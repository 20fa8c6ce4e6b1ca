"""``optobot chat``: talk to the assistant in the terminal (or script it through stdin).

The terminal is the member's: log lines go to ``chat.log`` in the data directory, only
warnings and errors also to stderr.
"""

from __future__ import annotations

import argparse
import asyncio

from bot import periodic
from bot.app import open_app
from bot.channels.console import ConsoleChannel
from bot.channels.senders import delivering
from bot.cli.trainings import sync_on_start
from bot.jobs import CHAT_JOBS
from bot.settings import Settings

LOG_FILE = "chat.log"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = commands.add_parser(
        "chat",
        help="chat with the assistant in the console",
        description="Chat with the assistant in the console. Reads one message per line "
        f"when stdin is not a terminal. Logs go to {LOG_FILE} in the data directory.",
    )
    command.add_argument("--user", default="console", help="member to simulate (default: console)")
    command.add_argument("--lang", choices=["de", "en"], help="the language your 'device' reports")
    command.set_defaults(run=run, log_file=LOG_FILE)


def run(settings: Settings, args: argparse.Namespace) -> int:
    asyncio.run(_chat(settings, args))
    return 0


async def _chat(settings: Settings, args: argparse.Namespace) -> None:
    async with open_app(settings) as app:
        await sync_on_start(app)
        console = ConsoleChannel(
            app.assistant,
            user=args.user,
            language=args.lang,
            downloads=settings.data_dir / "downloads",
        )
        only_this_member = {console.name: console.chat_id}
        async with (
            delivering(app, {console.name: console}, only_chat=only_this_member),
            periodic.running(CHAT_JOBS, app.services),
        ):
            await console.run()
