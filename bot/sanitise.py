"""Member text as the assistant accepts it.

Control characters, bidirectional overrides and zero-width characters are dropped (they can
disguise text shown to staff), Unicode is normalised (NFC), and overly long messages are
refused before any handler sees them.
"""

from __future__ import annotations

import unicodedata

MAX_MESSAGE_CHARS = 4000
_KEEP = {"\n", "\t"}


def clean(text: str) -> str:
    """NFC text without control (Cc) and format (Cf) characters; tabs and newlines kept."""
    normalised = unicodedata.normalize("NFC", text)
    kept = (
        ch
        for ch in normalised
        if ch in _KEEP or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    return "".join(kept).replace("\r\n", "\n")


def too_long(text: str) -> bool:
    return len(text) > MAX_MESSAGE_CHARS
