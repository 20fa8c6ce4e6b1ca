"""Logging as text or one JSON object per line, with secrets and addresses masked.

Tokens, passwords and e-mail addresses never reach the log, whatever a library prints: the
redacting filter sits on the handler, so it sees every record at every level, and it
cleans the whole record (the message, an exception's text and traceback, a stack), so
every formatter, the JSON one too, writes only what was cleaned. The configured secrets
are masked by value, whatever their shape. Member message texts are only logged at DEBUG
by our own code.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import cache
from logging.handlers import RotatingFileHandler
from pathlib import Path
from urllib.parse import urlsplit

from bot.channels import registry
from bot.private_files import private_directory, private_file
from bot.settings import SECRETS, Settings

_PATTERNS = [
    (r"(?<=://)([^:/@\s]+):[^@\s/]+@", r"\1:***@"),  # a password in a URL
    (r"\[parameters: [^\n]*\]", "[parameters: ***]"),  # SQLAlchemy's row values
    (r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", "***"),  # e-mail addresses
]
"""After the channels' token shapes (:func:`bot.channels.registry.secret_patterns`)."""
_SHORTEST_SECRET = 4
"""Shorter configured values are not masked by value: they would hit ordinary words."""


@cache
def _compiled(tokens: tuple[str, ...]) -> list[tuple[re.Pattern[str], str]]:
    """The channels' token shapes, then the rest; compiled once per set of channels."""
    return [(re.compile(pattern), "***") for pattern in tokens] + [
        (re.compile(pattern), replacement) for pattern, replacement in _PATTERNS
    ]


def redact(text: str, known: re.Pattern[str] | None = None) -> str:
    if known is not None:
        text = known.sub("***", text)
    for pattern, replacement in _compiled(registry.secret_patterns()):
        text = pattern.sub(replacement, text)
    return text


_PLAIN = logging.Formatter()
"""Formats an exception as every formatter does, for the filter to clean it first."""


class RedactingFilter(logging.Filter):
    """Cleans every part of a record that a formatter writes; ``secrets`` are masked by
    value besides the shapes every token and address has."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        values = sorted({s for s in secrets if len(s) >= _SHORTEST_SECRET}, key=len, reverse=True)
        self.known = re.compile("|".join(map(re.escape, values))) if values else None

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, self.known)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = _PLAIN.formatException(record.exc_info)
        if record.exc_text:  # formatters write this text instead of formatting anew
            record.exc_text = redact(record.exc_text, self.known)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.known)
        return True


def configured_secrets(settings: Settings) -> list[str]:
    """The values of the secret settings, and the password inside the database URL."""
    values = []
    for field in SECRETS:
        value = getattr(settings, field)
        if value is None:
            continue
        text = value if isinstance(value, str) else value.get_secret_value()
        values.append(text)
        if field == "database_url":
            password = urlsplit(text).password
            values.extend([password] if password else [])
    return values


LOG_FILE_BYTES = 5_000_000
"""A log file is rotated at this size, two old ones kept."""

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s[%(process)d]: %(message)s"
"""The process id tells the workers of ``serve --workers`` apart."""


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,  # which worker, with ``serve --workers``
            "message": record.getMessage(),
        }
        if record.exc_text:  # the filter's cleaned text, if it ran
            entry["exception"] = record.exc_text
        elif record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


class Throttled:
    """A warning that anyone outside can cause as often as they like (a wrong webhook
    secret, a bad signature): logged at most once per ``every`` seconds, the next line
    saying how many were left out meanwhile."""

    def __init__(
        self,
        logger: logging.Logger,
        every: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.every = every
        self.clock = clock
        self._next = float("-inf")
        self._left_out = 0

    def warning(self, message: str, *args: object) -> None:
        now = self.clock()
        if now < self._next:
            self._left_out += 1
            return
        if self._left_out:
            message += " (and %d more like it since the last such line)"
            args = (*args, self._left_out)
        self._next, self._left_out = now + self.every, 0
        self.logger.warning(message, *args)


def configure_logging(settings: Settings, *, file: Path | None = None) -> None:
    """Log to stderr; with ``file`` (``chat``, whose terminal is the member's) everything
    goes to the file and only warnings and errors to stderr."""
    secrets = configured_secrets(settings)
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if file is not None:
        handlers[0].setLevel(logging.WARNING)
        private_file(private_directory(file.parent) / file.name)  # members' events: 0600
        handlers.append(
            RotatingFileHandler(file, maxBytes=LOG_FILE_BYTES, backupCount=2, encoding="utf-8")
        )
    for handler in handlers:
        if settings.log_format == "json":
            handler.setFormatter(JsonFormatter())
        else:
            handler.setFormatter(logging.Formatter(TEXT_FORMAT))
        handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = handlers
    root.setLevel(settings.log_level)
    for noisy in ("httpx", "aiosqlite", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
