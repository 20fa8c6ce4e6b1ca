"""The secret token Telegram sends with every webhook update.

An empty secret opens the webhook to anyone (``compare_digest(b"", b"")`` is true), so a
secret is 1–256 characters of ``A-Z a-z 0-9 _ -`` (Telegram's rule) or the start fails.
Unset, one is generated once and kept in the data directory. The file appears under its
name only with the whole secret in it: written to a temporary file, flushed to disk, then
hard-linked to its name, which, unlike a rename, never replaces a secret another process
wrote first; so no worker reads an empty or half-written file, and a crash leaves none.
``serve --workers`` generates it before it starts the workers.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from bot.private_files import private_directory

if TYPE_CHECKING:
    from bot.settings import Settings

SECRET_FILE = "telegram-webhook-secret"
VALID = re.compile(r"[A-Za-z0-9_-]{1,256}")
RULE = "1–256 characters of A-Z a-z 0-9 _ -"


class WebhookSecretError(Exception):
    """The secret file is empty or invalid; says how to fix it in one line."""


def webhook_secret(settings: Settings) -> str:
    """The configured secret (checked when the settings load), else the one kept in the
    data directory, generated on first use."""
    if settings.telegram_webhook_secret is not None:
        return settings.telegram_webhook_secret.get_secret_value()
    path = Path(settings.data_dir) / SECRET_FILE
    try:
        return _read(path)
    except FileNotFoundError:
        return _generate(path)


def _read(path: Path) -> str:
    secret = path.read_text().strip()
    if not VALID.fullmatch(secret):
        state = "empty" if not secret else "not " + RULE
        raise WebhookSecretError(
            f"{path} is {state}: delete it to have a new secret generated, or set "
            "OPTOBOT_TELEGRAM_WEBHOOK_SECRET"
        )
    return secret


def _generate(path: Path) -> str:
    private_directory(path.parent)
    secret = secrets.token_urlsafe(32)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{SECRET_FILE}.")
    try:
        with os.fdopen(descriptor, "w") as file:  # mkstemp made it 0600
            file.write(secret)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:  # another process was first: theirs is complete
            return _read(path)
        _sync_directory(path.parent)
    finally:
        os.unlink(temporary)
    return secret


def _sync_directory(directory: Path) -> None:
    """The new name on disk too, so a crash cannot keep the file but lose its name."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
