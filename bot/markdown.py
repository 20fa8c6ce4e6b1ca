"""The small Markdown subset of replies, and its renderings for each channel.

Replies and knowledge-base answers use ``**bold**``, ``*italic*``, ``[text](url)``,
```code``` and ``- `` bullets; member text is put in with :func:`escape` so that it always
arrives as literal text. Each channel renders the parsed spans in its own markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

Style = Literal["text", "bold", "italic", "code", "link"]

_SPECIAL = re.compile(r"([\\`*_\[\]()])")
_TOKEN = re.compile(
    r"\\(?P<esc>[\\`*_\[\]()])"
    r"|\*\*(?P<bold>(?:\\.|[^*\\])+?)\*\*"
    r"|\*(?P<italic>(?:\\.|[^*\\])+?)\*"
    r"|`(?P<code>[^`]+)`"
    r"|\[(?P<label>(?:\\.|[^\]\\])+)\]\((?P<url>[^)\s]+)\)"
)
_UNESCAPE = re.compile(r"\\([\\`*_\[\]()])")


@dataclass(frozen=True, slots=True)
class Span:
    style: Style
    text: str
    url: str | None = None


def escape(text: str) -> str:
    """Member text inside a reply: every Markdown character becomes literal."""
    return _SPECIAL.sub(r"\\\1", text)


def parse(line: str) -> Iterator[Span]:
    """Spans of one line; neighbouring literal pieces come as one text span."""
    pending = ""
    for span in _spans(line):
        if span.style == "text":
            pending += span.text
            continue
        if pending:
            yield Span("text", pending)
            pending = ""
        yield span
    if pending:
        yield Span("text", pending)


def _spans(line: str) -> Iterator[Span]:
    position = 0
    for match in _TOKEN.finditer(line):
        if match.start() > position:
            yield Span("text", line[position : match.start()])
        position = match.end()
        if match["esc"]:
            yield Span("text", match["esc"])
        elif match["bold"]:
            yield Span("bold", _unescape(match["bold"]))
        elif match["italic"]:
            yield Span("italic", _unescape(match["italic"]))
        elif match["code"]:
            yield Span("code", match["code"])
        else:
            yield Span("link", _unescape(match["label"]), match["url"])
    if position < len(line):
        yield Span("text", line[position:])


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(r"\1", text)


def _render(markdown: str, span: Callable[[Span], str], bullet: str) -> str:
    lines = []
    for line in markdown.splitlines():
        stripped = line.lstrip()
        prefix = ""
        if stripped.startswith(("- ", "* ")):
            prefix, line = bullet, stripped[2:]
        lines.append(prefix + "".join(span(part) for part in parse(line)))
    return "\n".join(lines)


def _html_span(span: Span) -> str:
    text = html.escape(span.text, quote=False)
    match span.style:
        case "bold":
            return f"<b>{text}</b>"
        case "italic":
            return f"<i>{text}</i>"
        case "code":
            return f"<code>{text}</code>"
        case "link":
            return f'<a href="{html.escape(span.url or "")}">{text}</a>'
    return text


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_SLACK_MARK = re.compile(r"(?<!\w)[*_~`]|[*_~`](?!\w)")
_LOOKALIKE = {"*": "∗", "_": "ˍ", "~": "∼", "`": "ˋ"}


def _slack_literal(text: str) -> str:
    """Literal text that Slack must not format: mrkdwn has no escape, so a formatting
    character where it could open or close a style becomes its look-alike; inside a word
    (``first_last@firm.de``) it cannot, and stays as it is."""
    return _SLACK_MARK.sub(lambda mark: _LOOKALIKE[mark.group()], _slack_escape(text))


def _mrkdwn_span(span: Span) -> str:
    text = _slack_literal(span.text)
    match span.style:
        case "bold":
            return f"*{text}*"
        case "italic":
            return f"_{text}_"
        case "code":
            return f"`{text}`"
        case "link":
            return f"<{_slack_escape(span.url or '')}|{text.replace('|', '¦')}>"
    return text


def _plain_span(span: Span) -> str:
    if span.style == "link" and span.url and span.url != span.text:
        return f"{span.text} ({span.url})"
    return span.text


def to_html(markdown: str) -> str:
    """Telegram's HTML parse mode."""
    return _render(markdown, _html_span, "• ")


def to_mrkdwn(markdown: str) -> str:
    """Slack's mrkdwn, with ``&``, ``<`` and ``>`` escaped so no text becomes a mention."""
    return _render(markdown, _mrkdwn_span, "• ")


def to_plain(markdown: str) -> str:
    """The console and plain-text e-mail."""
    return _render(markdown, _plain_span, "• ")


def split(text: str, limit: int) -> list[str]:
    """Cut a long message at paragraph, then line, then word boundaries."""
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n\n", 0, limit)
        if cut <= 0:
            cut = rest.rfind("\n", 0, limit)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest.strip():
        chunks.append(rest)
    return chunks
