"""Replies drawn for Telegram: HTML that Telegram accepts, within its limits."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.channels.telegram_render import (
    MESSAGE_LIMIT,
    alert_text,
    html_chunks,
    keyboard,
    telegram_length,
)
from bot.markdown import escape
from bot.messages import Choice

TAG = re.compile(r"</?(b|i|code|a)\b[^>]*>")


def balanced(html: str) -> bool:
    stack: list[str] = []
    for match in TAG.finditer(html):
        if match.group(0).startswith("</"):
            if not stack or stack.pop() != match.group(1):
                return False
        else:
            stack.append(match.group(1))
    return not stack


def test_knowledge_markdown_becomes_telegram_html() -> None:
    [html] = html_chunks("**ZIM** funds *projects*: see [BMWK](https://www.zim.de) or `code`")
    assert html == (
        '<b>ZIM</b> funds <i>projects</i>: see <a href="https://www.zim.de">BMWK</a> or '
        "<code>code</code>"
    )


def test_member_text_is_escaped_and_stays_literal() -> None:
    [html] = html_chunks("You wrote: " + escape("<script> & **not bold** [x](y)"))
    assert html == "You wrote: &lt;script&gt; &amp; **not bold** [x](y)"


def test_long_text_is_split_at_paragraph_boundaries() -> None:
    paragraphs = [f"Paragraph {n}: " + "word " * 380 for n in range(6)]
    chunks = html_chunks("\n\n".join(paragraphs))
    assert len(chunks) > 1
    assert all(telegram_length(chunk) <= MESSAGE_LIMIT for chunk in chunks)
    assert all(chunk.startswith("Paragraph") for chunk in chunks)
    assert sum(chunk.count("Paragraph") for chunk in chunks) == 6


def test_escaping_that_lengthens_the_text_still_fits() -> None:
    chunks = html_chunks("&<>" * 3000)
    assert all(telegram_length(chunk) <= MESSAGE_LIMIT for chunk in chunks)
    assert "".join(chunks).count("&amp;") == 3000


def test_emoji_count_twice_as_telegram_counts_them() -> None:
    assert telegram_length("👍a") == 3
    chunks = html_chunks("👍 " * 3000)
    assert all(telegram_length(chunk) <= MESSAGE_LIMIT for chunk in chunks)


@given(st.text(alphabet="ab *_[]()`\n<>&👍", max_size=12000))
def test_any_text_gives_balanced_html_within_the_limit(text: str) -> None:
    for chunk in html_chunks(text, 500):
        assert telegram_length(chunk) <= 500
        assert balanced(chunk)


def test_short_buttons_share_a_row_long_ones_get_their_own() -> None:
    markup = keyboard(
        [
            Choice("Yes", "f:consent:yes"),
            Choice("No", "f:consent:no"),
            Choice("Back to the previous question", "f:consent:back"),
            Choice("Cancel", "f:consent:cancel"),
        ]
    )
    assert markup is not None
    rows = [[button.callback_data for button in row] for row in markup.inline_keyboard]
    assert rows == [["f:consent:yes", "f:consent:no"], ["f:consent:back"], ["f:consent:cancel"]]
    assert keyboard([]) is None


def test_alert_text_is_plain_and_short_or_none() -> None:
    assert alert_text("Only **staff** may claim leads.") == "Only staff may claim leads."
    assert alert_text("x" * 201) is None
