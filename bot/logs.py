"""Logging as text or one JSON object per line, with secrets and addresses masked.

Tokens and e-mail addresses never reach the log, whatever a library prints: the redacting
filter sits on the handler, so it sees every record. Member message texts are only logged
at DEBUG by our own code.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from bot.settings import Settings

_SECRETS = re.compile(
    r"\d{5,}:[A-Za-z0-9_-]{20,}"  # Telegram bot token, also inside .../bot<token>/
    r"|\bxox[a-z]-[A-Za-z0-9-]+"  # Slack tokens
    r"|\bxapp-[A-Za-z0-9-]+"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
)


def redact(text: str) -> str:
    return _SECRETS.sub("***", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


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
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    for noisy in ("httpx", "aiosqlite", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
