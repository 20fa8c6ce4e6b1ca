"""``optobot chat``: talk to the assistant in the terminal (or script it through stdin)."""

from __future__ import annotations

import argparse
import asyncio

from bot.app import open_app
from bot.channels.console import ConsoleChannel
from bot.delivery.worker import delivering
from bot.reminders import ReminderScheduler
from bot.settings import Settings


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser(
        "chat",
        help="chat with the assistant in the console",
        description="Chat with the assistant in the console. Reads one message per line "
        "when stdin is not a terminal.",
    )
    command.add_argument("--user", default="console", help="member to simulate (default: console)")
    command.add_argument("--lang", choices=["de", "en"], help="the language your 'device' reports")
    command.set_defaults(run=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    asyncio.run(_chat(settings, args))
    return 0


async def _chat(settings: Settings, args: argparse.Namespace) -> None:
    async with open_app(settings) as app:
        console = ConsoleChannel(
            app.assistant,
            user=args.user,
            language=args.lang,
            downloads=settings.data_dir / "downloads",
        )
        reminders = ReminderScheduler(app.services)
        async with delivering(app, {console.name: console}), reminders.running():
            await console.run()
