"""How a command says it cannot do what was asked: one line on stderr and an exit code.

A command raises :class:`Refused`; ``main`` prints it as ``optobot COMMAND: message``, or
as one JSON object like every log line with ``--log-format json``, and exits with its code
(2: the request itself is wrong, 1: it cannot be done now). The environment's usual
failures (a file that is not there, a database that does not answer) get a line of their
own; anything else is our bug: a reference code on the line, the traceback in the log.
"""

from __future__ import annotations

import logging
import secrets
import sys

from sqlalchemy.exc import ArgumentError, DBAPIError

from bot.logs import JsonFormatter

log = logging.getLogger("bot.cli")

USAGE = 2
"""The exit code of a request that cannot be right as given (argparse's too)."""


class Refused(Exception):
    """The command cannot do this; the message says why in one line."""

    def __init__(self, message: str, *, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def say(command: str | None, message: str, log_format: str | None) -> None:
    """The last line of a failed command, in the log's format."""
    line = f"optobot {command}: {message}" if command else f"optobot: {message}"
    if log_format == "json":
        record = logging.LogRecord("optobot", logging.ERROR, __file__, 0, line, None, None)
        line = JsonFormatter().format(record)
    print(line, file=sys.stderr, flush=True)


def explain(error: Exception) -> Refused:
    """A failure of the environment as one line; our own bugs get a reference code."""
    if isinstance(error, Refused):
        return error
    if isinstance(error, ArgumentError):
        return Refused(f"invalid setting OPTOBOT_DATABASE_URL: {error}", code=USAGE)
    if isinstance(error, DBAPIError):
        reason = str(error.orig).splitlines()[0] if error.orig is not None else type(error).__name__
        return Refused(f"the database refused or did not answer: {reason}")
    if isinstance(error, ConnectionError):  # asyncpg's, unwrapped: a command's one server
        return Refused(f"cannot reach the database: {error.strerror or error}")
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        return Refused(f"{where}{error.strerror or error}")
    code = secrets.token_hex(3).upper()
    log.error("error %s", code, exc_info=error)
    return Refused(f"internal error {code}; the log has the details under that code")
