"""The ``optobot`` command line: one module a subcommand, each with ``register``.

Each subcommand's ``run(settings, args)`` returns the exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli import chat, config, db, kb, leads, members, outbox, serve, trainings
from bot.logs import configure_logging
from bot.settings import SettingsError, load_settings

SUBCOMMANDS = (chat, serve, db, config, trainings, leads, outbox, kb, members)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="optobot", description="The member assistant of OptoNet e.V."
    )
    root.add_argument("--log-format", choices=["text", "json"], help="log lines as text or JSON")
    root.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.register(commands)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    overrides = {
        key: value
        for key, value in (("log_format", args.log_format), ("log_level", args.log_level))
        if value is not None
    }
    try:
        settings = load_settings(**overrides)
    except SettingsError as error:
        print(f"optobot: {error}", file=sys.stderr)
        return 2
    configure_logging(settings)
    try:
        return int(args.run(settings, args) or 0)
    except KeyboardInterrupt:
        return 130


__all__ = ["main", "parser"]
