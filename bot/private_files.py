"""Files only the assistant's own user may read: the data directory (0700) and what it
keeps there, the SQLite database with its WAL and SHM files and the generated webhook
secret (0600).

Modes are set at creation and tightened on start for files an older version left
readable to others, so a shared machine or a volume mounted elsewhere shows nothing.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def private_directory(path: Path) -> Path:
    """``path`` created (with its parents) or tightened to 0700."""
    path.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    _tighten(path, DIRECTORY_MODE)
    return path


def private_file(path: Path) -> Path:
    """``path`` created empty (if missing) or tightened to 0600; its content is kept."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    _tighten(path, FILE_MODE)
    return path


def tighten(path: Path) -> None:
    """An existing file made 0600; a missing one is left missing."""
    if path.exists():
        _tighten(path, FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    current = stat.S_IMODE(path.stat().st_mode)
    if current & ~mode == 0:
        return
    try:
        path.chmod(current & mode)
    except PermissionError:  # not ours: say so, the operator decides
        log.warning("%s is mode %o and cannot be made %o", path, current, mode)
