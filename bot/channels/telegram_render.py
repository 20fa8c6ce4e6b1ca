"""Replies drawn for Telegram: HTML chunks within the message limit and inline keyboards.

The Markdown is split before it is rendered, so a cut never falls inside an HTML tag: the
worst a cut through ``**bold**`` can do is show the asterisks.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit

from bot.markdown import split, to_html, to_plain
from bot.messages import Choice

MESSAGE_LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096
CAPTION_LIMIT = MessageLimit.CAPTION_LENGTH  # 1024
ALERT_LIMIT = 200  # answerCallbackQuery's text
SHORT_LABEL = 16
"""Buttons with labels up to this long share a row in pairs; longer ones get a row each."""


def telegram_length(text: str) -> int:
    """Telegram counts UTF-16 code units: an emoji is two."""
    return len(text.encode("utf-16-le")) // 2


def html_chunks(markdown: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The reply as HTML messages of at most ``limit`` units, cut at paragraphs first."""
    return _chunks(markdown, limit, limit) or [""]


def _chunks(markdown: str, cut: int, limit: int) -> list[str]:
    chunks: list[str] = []
    for piece in split(markdown, cut):
        rendered = to_html(piece)
        size = telegram_length(rendered)
        if size <= limit or len(piece) == 1:
            chunks.append(rendered)
        else:  # escaping made it longer: cut this piece smaller, in proportion
            chunks += _chunks(piece, max(1, limit * len(piece) // size - 1), limit)
    return chunks


def keyboard(choices: Sequence[Choice]) -> InlineKeyboardMarkup | None:
    """One row per button, except that consecutive short labels share a row in pairs."""
    if not choices:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    for choice in choices:
        button = InlineKeyboardButton(choice.label, callback_data=choice.action)
        previous = rows[-1] if rows else None
        if (
            previous is not None
            and len(previous) == 1
            and len(choice.label) <= SHORT_LABEL
            and len(previous[0].text) <= SHORT_LABEL
        ):
            previous.append(button)
        else:
            rows.append([button])
    return InlineKeyboardMarkup(rows)


def alert_text(markdown: str) -> str | None:
    """A notice as the plain text of a callback answer, or None when it is too long for one."""
    text = to_plain(markdown).strip()
    return text if telegram_length(text) <= ALERT_LIMIT else None
