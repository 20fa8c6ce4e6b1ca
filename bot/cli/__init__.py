"""The ``optobot`` command line: one module a subcommand, each with ``register``.

Each subcommand's ``run(settings, args)`` returns the exit code, or raises
:class:`~bot.cli.errors.Refused` to end with one line saying why.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from bot.cli import chat, config, db, kb, leads, members, office, outbox, serve, trainings
from bot.cli.errors import USAGE, explain, say
from bot.logs import configure_logging
from bot.settings import SettingsError, load_settings

SUBCOMMANDS = (chat, serve, db, config, trainings, leads, outbox, kb, members, office)
GLOBAL_OPTIONS = ("log_format", "log_level")


class CommandParser(argparse.ArgumentParser):
    """Every parser of the tree takes the global options, so they may stand before or
    after the subcommand (``optobot serve --log-level DEBUG``); nested subcommands are
    made of this class too (argparse's ``add_subparsers`` uses the parent's class)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # SUPPRESS: a subcommand's parser leaves the value given before it alone
        self.add_argument(
            "--log-format",
            choices=["text", "json"],
            default=argparse.SUPPRESS,
            help="log lines (and the last error line) as text or JSON",
        )
        self.add_argument(
            "--log-level",
            choices=["DEBUG", "INFO", "WARNING", "ERROR"],
            default=argparse.SUPPRESS,
            help="the least important log lines shown",
        )


def parser() -> argparse.ArgumentParser:
    root = CommandParser(prog="optobot", description="The member assistant of OptoNet e.V.")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.register(commands)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    overrides = {key: getattr(args, key) for key in GLOBAL_OPTIONS if hasattr(args, key)}
    try:
        settings = load_settings(**overrides)
    except SettingsError as error:
        say(None, str(error), overrides.get("log_format") or os.environ.get("OPTOBOT_LOG_FORMAT"))
        return USAGE
    log_file = getattr(args, "log_file", None)
    try:
        configure_logging(settings, file=settings.data_dir / log_file if log_file else None)
        return int(args.run(settings, args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `optobot leads list | head`: the reader has all it wants
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as error:  # every failure ends in one line, in the log's format
        refused = explain(error)
        say(args.command, str(refused), settings.log_format)
        return refused.code


__all__ = ["main", "parser"]
