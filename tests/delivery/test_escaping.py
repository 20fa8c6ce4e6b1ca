"""Member text reaches every staff target literally: no mentions, no markup, no links."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.delivery.email import EmailTransport
from bot.leads.cards import lead_card, lead_email
from bot.markdown import to_html, to_mrkdwn, to_plain
from bot.settings import Settings
from bot.storage import Lead
from tests.delivery.support import FIELDS, store_lead

HOSTILE = (
    "<!channel> @here <b>loud</b> <script>alert(1)</script> **bold me** _tilt_ "
    "`code` [click](http://evil.example) \\ & done"
)
LITERAL = ("@here", "**bold me**", "_tilt_", "`code`", "[click](http://evil.example)", "\\ &")


@pytest.fixture(params=["raw", "display"])
async def hostile_lead(request: pytest.FixtureRequest, app: Any) -> Lead:
    """A lead as the CLI or FAQ stores it (raw fields) and as the idea form does (display)."""
    fields = {**FIELDS, "title": HOSTILE, "organisation": "<b>ACME</b> & Co"}
    if request.param == "display":
        fields["_display"] = [["Title", HOSTILE], ["Organisation", "<b>ACME</b> & Co"]]
    ref = await store_lead(app, fields)
    async with app.database.transaction() as session:
        return (await session.execute(select(Lead).filter_by(ref=ref))).scalar_one()


def test_telegram_html_shows_member_text_literally(app: Any, hostile_lead: Lead) -> None:
    html = to_html(lead_card(app.services.templates, app.settings, hostile_lead).text)
    assert (
        "&lt;!channel&gt; @here &lt;b&gt;loud&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;"
        in html
    )
    assert "<script>" not in html and "<b>loud</b>" not in html and 'evil.example"' not in html
    assert "&lt;b&gt;ACME&lt;/b&gt; &amp; Co" in html
    for literal in LITERAL:
        assert literal.replace("&", "&amp;") in html


def test_slack_mrkdwn_has_no_mentions_or_tags(app: Any, hostile_lead: Lead) -> None:
    mrkdwn = to_mrkdwn(lead_card(app.services.templates, app.settings, hostile_lead).text)
    assert "&lt;!channel&gt;" in mrkdwn and "<!channel>" not in mrkdwn
    assert "&lt;script&gt;" in mrkdwn and "<http://evil" not in mrkdwn
    assert "&lt;b&gt;ACME&lt;/b&gt; &amp; Co" in mrkdwn
    # mrkdwn has no escape: formatting characters that could style become look-alikes
    assert "∗∗bold me∗∗ ˍtiltˍ ˋcodeˋ [click](http://evil.example) \\ &amp; done" in mrkdwn
    assert "*bold me*" not in mrkdwn and "_tilt_" not in mrkdwn


def test_email_text_and_html_show_member_text_literally(app: Any, hostile_lead: Lead) -> None:
    mail = lead_email(app.services.templates, app.settings, hostile_lead)
    assert HOSTILE in mail["text"] and "<b>ACME</b> & Co" in mail["text"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in mail["html"]
    assert "&lt;!channel&gt;" in mail["html"] and "&lt;b&gt;ACME&lt;/b&gt; &amp; Co" in mail["html"]
    assert "<script>" not in mail["html"] and "<b>ACME" not in mail["html"]
    assert "\n" not in mail["subject"] and "<!channel>" in mail["subject"]


def test_card_markdown_round_trips_to_plain_text(app: Any, hostile_lead: Lead) -> None:
    plain = to_plain(lead_card(app.services.templates, app.settings, hostile_lead).text)
    assert HOSTILE in plain


def test_issue_24_an_e_mail_subject_never_carries_a_line_break() -> None:
    """A row queued before the forms refused line breaks still goes out."""
    settings = Settings(_env_file=None, smtp_host="127.0.0.1", office_email="office@example.org")
    message = EmailTransport(settings).message(
        {"subject": "[optobot] Idea: Laser\nBcc: all@example.org", "text": "x", "html": ""}
    )
    assert message["Subject"] == "[optobot] Idea: Laser Bcc: all@example.org"
    assert message["Bcc"] is None
