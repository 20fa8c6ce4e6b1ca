"""The reply Markdown subset in each channel's markup, with member text kept literal."""

from bot.markdown import escape, split, to_html, to_mrkdwn, to_plain

MEMBER = "<b>hi</b> <!channel> @here *x* [a](b) & <script>"


def test_escaped_member_text_stays_literal_everywhere() -> None:
    reply = f"**Title:** {escape(MEMBER)}"
    assert to_plain(reply) == f"Title: {MEMBER}"
    html = to_html(reply)
    assert html.startswith("<b>Title:</b> ")
    assert "&lt;b&gt;hi&lt;/b&gt; &lt;!channel&gt;" in html and "&lt;script&gt;" in html
    assert "*x* [a](b) &amp;" in html
    mrkdwn = to_mrkdwn(reply)
    assert "&lt;!channel&gt;" in mrkdwn and "<!channel>" not in mrkdwn and "&amp;" in mrkdwn


def test_markup_of_the_subset() -> None:
    text = "**b** *i* `c` [ZIM](https://www.zim.de)\n- one"
    assert to_html(text) == (
        '<b>b</b> <i>i</i> <code>c</code> <a href="https://www.zim.de">ZIM</a>\n• one'
    )
    assert to_mrkdwn(text) == "*b* _i_ `c` <https://www.zim.de|ZIM>\n• one"
    assert to_plain(text) == "b i c ZIM (https://www.zim.de)\n• one"


def test_split_prefers_paragraphs_and_keeps_everything() -> None:
    paragraphs = ["a" * 30, "b" * 30, "c" * 30]
    chunks = split("\n\n".join(paragraphs), 70)
    assert chunks == ["a" * 30 + "\n\n" + "b" * 30, "c" * 30]
    long_word = split("x" * 25, 10)
    assert "".join(long_word) == "x" * 25 and all(len(c) <= 10 for c in long_word)


def test_member_formatting_characters_cannot_style_slack_text() -> None:
    member = "*now* _urgent_ ~gone~ `code` first_last@firm.de 2*3"
    mrkdwn = to_mrkdwn("**Title:** " + escape(member))
    assert mrkdwn.startswith("*Title:* ")  # our own bold still works
    body = mrkdwn.removeprefix("*Title:* ")
    assert body == "∗now∗ ˍurgentˍ ∼gone∼ ˋcodeˋ first_last@firm.de 2*3"
