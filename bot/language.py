"""Which language to answer in: explicit choice > platform locale > the message > default."""

from __future__ import annotations

from functools import cache

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from bot.settings import LANGUAGES

CONFIDENCE = 0.9
MIN_LETTERS = 8


@cache
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def from_locale(locale: str | None) -> str | None:
    """``de-AT``, ``de_DE`` or ``en-US`` → ``de`` / ``en``; anything else → None."""
    if not locale:
        return None
    code = locale.replace("_", "-").split("-", 1)[0].lower()
    return code if code in LANGUAGES else None


def detect(text: str | None) -> str | None:
    """The message's language when it says enough to tell; None for "ok" or "ZIM?"."""
    if not text or sum(ch.isalpha() for ch in text) < MIN_LETTERS or text.startswith("/"):
        return None
    language, confidence = _identifier().classify(text)
    return language if confidence >= CONFIDENCE else None


def for_member(
    stored: str | None, explicit: bool, *, locale: str | None, text: str | None, default: str
) -> str:
    """The language for a member whose stored language is ``stored``: their choice first
    when they made one (``explicit``), then what the platform says, then the words, then
    what was stored."""
    return (
        (stored if explicit else None) or from_locale(locale) or detect(text) or stored or default
    )
