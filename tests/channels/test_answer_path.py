"""Issue 29: staff answer a forwarded question in their chat, and the member gets it.

One App runs the real Telegram channel (PTB polling the fake Bot API) and the real Slack
channel (Bolt behind /slack/events, requests signed like Slack signs them) side by side,
with the staff group in Telegram and the staff channel in Slack; the outbox worker
delivers through both channels' senders, as ``serve`` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot import privacy
from bot.app import App
from bot.channels.slack import SlackChannel
from bot.channels.telegram import TelegramChannel
from bot.cli import main
from bot.delivery.worker import DeliveryWorker
from bot.storage import ChannelIdentity, KbDraft, Lead, LeadAnswer, Member, OutboxMessage
from tests.channels.slack_support import DM, MEMBER, STAFF, STAFF_CHANNEL, Workspace, slack_settings
from tests.channels.telegram_support import (
    ALICE,
    BOB,
    BOT_ID,
    RecordingTelegram,
    TelegramRun,
    press_update,
    telegram_settings,
    text_update,
)
from tests.fakes.slack_api import FakeSlack

MakeApp = Callable[..., Any]
STAFF_GROUP = -1001000000099
SVEN = {"id": 4711, "is_bot": False, "first_name": "Sven", "language_code": "de"}
GROUP_CHAT = {"id": STAFF_GROUP, "title": "OptoNet office", "type": "supergroup"}
QUESTION = "What is the minimum wage in Canada?"


@dataclass
class Office:
    """Both channels of one App, and the worker that delivers the outbox through them."""

    app: App
    telegram: TelegramRun
    slack: Workspace
    transcript: list[str]

    @property
    def tg(self) -> RecordingTelegram:
        return self.telegram.fake

    async def deliver(self) -> int:
        worker = DeliveryWorker(
            self.app.database,
            self.app.settings,
            {"telegram": self.telegram.channel.sender, "slack": self.slack.channel.sender},
            clock=self.app.services.clock,
        )
        sent = await worker.deliver_due()
        await self.slack.channel.idle()
        return sent

    def note(self, who: str, text: str) -> None:
        self.transcript.append(f"{who}: {text}")

    # Telegram --------------------------------------------------------------------------

    async def telegram_forward(self, user: dict[str, Any] = ALICE) -> str:
        """The member asks what the base cannot answer and forwards it; the reference."""
        await self.telegram.say(QUESTION, user)
        self.note(f"{user['first_name']} (Telegram)", QUESTION)
        await self.telegram.press("Forward", user, chat_id=user["id"])
        self.note(f"{user['first_name']} presses", "Forward to the office")
        forwarded = self.tg.texts(user["id"])[-1]
        self.note("optobot → member", forwarded)
        return forwarded.split("<b>")[1].split("</b>")[0]

    def telegram_card(self, ref: str) -> int:
        """The message id of the question's card in the staff group."""
        for message in self.tg.messages:
            if message["chat"]["id"] == STAFF_GROUP and ref in message.get("text", ""):
                return int(message["message_id"])
        raise AssertionError(f"no card of {ref} in the staff group")

    async def telegram_reply(
        self, text: str, to: int, user: dict[str, Any] = SVEN, *, update_id: int | None = None
    ) -> list[Any]:
        """A reply in the staff group to the bot's message ``to``; the messages it caused."""
        replied = {
            "message_id": to,
            "date": 1735689600,
            "chat": GROUP_CHAT,
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "optobot"},
            "text": "card",
        }
        update = text_update(text, user, chat=GROUP_CHAT, reply_to_message=replied)
        before = len(self.tg.called("sendMessage"))
        await self.telegram.push(update)
        self.note(f"{user['first_name']} (staff, Telegram group, reply to the card)", text)
        return self.tg.called("sendMessage")[before:]

    # Slack -----------------------------------------------------------------------------

    async def slack_forward(self) -> str:
        await self.slack.dm(QUESTION)
        self.note("member (Slack DM)", QUESTION)
        answered = await self.slack.choose("Forward")
        self.note("optobot → member", answered[-1].params["text"])
        return next(
            word.strip("*.()")
            for word in answered[-1].params["text"].split()
            if word.strip("*.()").startswith("Q-")
        )

    async def slack_card(self, ref: str) -> str:
        """The ts of the question's card in the staff channel, as the outbox stored it."""
        async with self.app.database.transaction() as session:
            query = select(OutboxMessage).where(OutboxMessage.key == f"lead:{ref}:slack")
            card = (await session.execute(query)).scalar_one()
        assert card.external_ref is not None
        channel, _, ts = card.external_ref.split(",")[0].partition(":")
        assert channel == STAFF_CHANNEL
        return ts

    async def slack_thread_reply(
        self,
        text: str,
        thread_ts: str,
        *,
        user: str = STAFF,
        event_id: str | None = None,
        retry: int | None = None,
        ts: str | None = None,
    ) -> list[Any]:
        event = self.slack.message_event(text, user=user, channel=STAFF_CHANNEL)
        event.update(channel_type="channel", thread_ts=thread_ts)
        if ts is not None:
            event.update(ts=ts, event_ts=ts)
        before = len(self.slack.fake.called("chat.postMessage"))
        response = await self.slack.event(event, event_id=event_id, retry=retry)
        assert response.status == 200
        await self.slack.channel.idle()
        self.note(f"{user} (staff, Slack thread of the card)", text)
        return self.slack.fake.called("chat.postMessage")[before:]


@asynccontextmanager
async def office(make_app: MakeApp, **settings: Any) -> AsyncIterator[Office]:
    async with AsyncExitStack() as stack:
        tg = await stack.enter_async_context(RecordingTelegram())
        fake_slack = FakeSlack()
        fake_slack.locales.update({MEMBER: "en-US", STAFF: "en-GB"})
        await fake_slack.start()
        stack.push_async_callback(fake_slack.stop)
        app = await make_app(
            **telegram_settings(tg),
            **slack_settings(fake_slack),
            staff_telegram_chat_id=STAFF_GROUP,
            staff_telegram_ids="[4711]",
            rate_limit_per_minute=1000,
            staff_language="en",
            **settings,
        )
        telegram = TelegramChannel(app)
        run = TelegramRun(tg, app, telegram)
        await telegram.start()
        stack.push_async_callback(telegram.stop)
        slack = SlackChannel(app)
        server = web.Application()
        slack.install(server)
        http = TestClient(TestServer(server, host="127.0.0.1"))
        await http.start_server()
        stack.push_async_callback(http.close)
        await slack.start()
        stack.push_async_callback(slack.stop)
        yield Office(app, run, Workspace(app, fake_slack, slack, http), [])


def decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def rows(app: App, model: Any) -> list[Any]:
    async with app.database.transaction() as session:
        return list((await session.execute(select(model).order_by(model.id))).scalars())


async def optobot(*argv: str) -> str:
    """``optobot ARGV`` in process (on the database the environment names); its output."""

    def run() -> str:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(list(argv)) == 0
        return out.getvalue()

    return await asyncio.to_thread(run)


async def test_telegram_member_answered_from_slack_follow_up_answered_from_telegram(
    make_app: MakeApp,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with office(make_app, database_url=database_url) as o:
        ref = await o.telegram_forward()
        assert ref == "Q-2026-0001"
        assert await o.deliver() == 2  # the card to the Slack channel and the Telegram group
        card_ts = await o.slack_card(ref)
        card_id = o.telegram_card(ref)

        answer = "The minimum wage is set by each province; Ontario's is CAD 17.20 an hour."
        confirmation = await o.slack_thread_reply(answer, card_ts)
        [sent] = confirmation  # the staff member sees it is on its way, in the thread
        assert sent.params["thread_ts"] == card_ts and ref in sent.params["text"]
        assert "✓" in sent.params["text"]
        o.note("optobot → staff (thread)", sent.params["text"])

        before = len(o.tg.called("sendMessage"))
        await o.deliver()
        [to_alice] = [
            c for c in o.tg.called("sendMessage")[before:] if c.params["chat_id"] == ALICE["id"]
        ]
        text = str(to_alice.params["text"])
        assert text.startswith(f"The office answers your question <b>{ref}</b>:")
        assert answer in text
        o.note("optobot → Alice (Telegram)", text)
        buttons = [
            b["text"]
            for row in decoded(to_alice.params["reply_markup"])["inline_keyboard"]
            for b in row
        ]
        assert buttons == ["👍 Helped", "Ask a follow-up"]

        # every copy of the card says who answered
        edits = [c for c in o.tg.called("editMessageText") if c.params["message_id"] == card_id]
        assert "✓ Answered by User U0STAFF" in edits[-1].params["text"]
        updates = [c for c in o.slack.fake.called("chat.update") if c.params["ts"] == card_ts]
        assert "Answered by User U0STAFF" in updates[-1].params["text"]

        [lead] = await rows(o.app, Lead)
        assert (lead.status, lead.answered_by) == ("answered", "User U0STAFF")
        monkeypatch.setenv("OPTOBOT_DATABASE_URL", o.app.settings.database_url)
        monkeypatch.setenv("OPTOBOT_DATA_DIR", str(o.app.settings.data_dir))
        monkeypatch.setenv("OPTOBOT_STAFF_LANGUAGE", "en")
        listed = json.loads(await optobot("leads", "list", "--format", "json"))
        assert [(item["ref"], item["status"]) for item in listed] == [(ref, "answered")]

        # a follow-up goes under the card in both staff chats
        await o.telegram.press("Ask a follow-up", ALICE, chat_id=ALICE["id"])
        o.note("Alice presses", "Ask a follow-up")
        o.note("optobot → Alice", o.tg.texts(ALICE["id"])[-1])
        follow = "And in Québec?"
        [ack] = await o.telegram.say(follow, ALICE)
        o.note("Alice (Telegram)", follow)
        o.note("optobot → Alice", str(ack.params["text"]))
        assert "sent to the office" in ack.params["text"]
        before_tg = len(o.tg.called("sendMessage"))
        before_slack = len(o.slack.fake.called("chat.postMessage"))
        assert await o.deliver() == 2
        [in_thread] = o.slack.fake.called("chat.postMessage")[before_slack:]
        assert in_thread.params["thread_ts"] == card_ts and follow in in_thread.params["text"]
        o.note("optobot → staff (Slack thread)", in_thread.params["text"])
        [in_group] = o.tg.called("sendMessage")[before_tg:]
        assert in_group.params["chat_id"] == STAFF_GROUP
        assert decoded(in_group.params["reply_parameters"])["message_id"] == card_id
        follow_up_id = o.tg.messages_sent_to(STAFF_GROUP)[-1]

        # the second answer comes from Telegram, as a reply to the follow-up
        second = "In Québec it is CAD 16.10 an hour."
        [confirmed] = await o.telegram_reply(second, follow_up_id)
        assert confirmed.params["chat_id"] == STAFF_GROUP and ref in confirmed.params["text"]
        o.note("optobot → staff (Telegram group)", str(confirmed.params["text"]))
        before = len(o.tg.called("sendMessage"))
        await o.deliver()
        [again] = [
            c for c in o.tg.called("sendMessage")[before:] if c.params["chat_id"] == ALICE["id"]
        ]
        assert second in again.params["text"]
        o.note("optobot → Alice (Telegram)", str(again.params["text"]))
        answers = await rows(o.app, LeadAnswer)
        assert [(a.kind, a.staff) for a in answers] == [
            ("answer", "slack:U0STAFF"),
            ("follow_up", None),
            ("answer", "telegram:4711"),
        ]
        keys = {row.key for row in await rows(o.app, OutboxMessage)}
        assert {f"lead:{ref}:answer:{a.id}:member" for a in answers if a.kind == "answer"} <= keys
        drafts = await rows(o.app, KbDraft)
        assert [(d.question, d.answer, d.language) for d in drafts] == [
            (QUESTION, answer, "en"),
            (QUESTION, second, "en"),
        ]

        await o.telegram.press("Helped", ALICE, chat_id=ALICE["id"])
        assert (await rows(o.app, LeadAnswer))[2].helped is True
        shown = json.loads(await optobot("leads", "show", ref, "--format", "json"))
        assert [(a["kind"], a["text"], a["by"]) for a in shown["answers"]] == [
            ("answer", answer, "slack:U0STAFF"),
            ("follow_up", follow, None),
            ("answer", second, "telegram:4711"),
        ]
        card = await optobot("leads", "show", ref)
        assert "Answers" in card and second in card and "answer by Sven" in card
        if os.environ.get("OPTOBOT_TRANSCRIPT"):  # the README's transcript, on request
            with capsys.disabled():
                print("\n--- transcript ---\n" + "\n".join(o.transcript))


async def test_slack_member_answered_from_telegram_shown_literally(make_app: MakeApp) -> None:
    async with office(make_app) as o:
        ref = await o.slack_forward()
        await o.deliver()
        card_id = o.telegram_card(ref)
        tricky = "<b>Yes</b> & <!channel> *bold* <https://evil.example|click>"
        [confirmation] = await o.telegram_reply(tricky, card_id)
        assert ref in confirmation.params["text"]
        before = len(o.slack.fake.called("chat.postMessage"))
        await o.deliver()
        [to_member] = [
            c for c in o.slack.fake.called("chat.postMessage")[before:] if c.params["channel"] == DM
        ]
        shown = json.dumps(to_member.params["blocks"]) + to_member.params["text"]
        assert "<!channel>" not in shown and "<https://evil" not in shown and "<b>" not in shown
        assert "&lt;!channel&gt;" in to_member.params["text"]
        assert "&lt;b&gt;Yes&lt;/b&gt; &amp;" in to_member.params["text"]


async def test_slack_markup_in_a_staff_answer_reaches_telegram_literally(
    make_app: MakeApp,
) -> None:
    async with office(make_app) as o:
        ref = await o.telegram_forward()
        await o.deliver()
        # what Slack sends when a staff member types "<b>Yes</b> & @channel"
        await o.slack_thread_reply(
            "&lt;b&gt;Yes&lt;/b&gt; &amp; <!channel>", await o.slack_card(ref)
        )
        before = len(o.tg.called("sendMessage"))
        await o.deliver()
        [to_alice] = [
            c for c in o.tg.called("sendMessage")[before:] if c.params["chat_id"] == ALICE["id"]
        ]
        assert "&lt;b&gt;Yes&lt;/b&gt; &amp; @channel" in to_alice.params["text"]


async def test_a_non_staff_reply_and_a_reply_to_a_non_card_are_ignored(make_app: MakeApp) -> None:
    async with office(make_app, office_email="office@optonet.example", smtp_host="127.0.0.1") as o:
        ref = await o.telegram_forward()
        [mail] = [row for row in await rows(o.app, OutboxMessage) if row.target == "email"]
        for text in (mail.payload["text"], mail.payload["html"]):  # the e-mail says where to answer
            assert f"To answer question {ref}, reply in the thread of its card" in text
        await o.deliver()
        assert await o.telegram_reply("I know the answer!", o.telegram_card(ref), BOB) == []
        assert await o.slack_thread_reply("Me too", await o.slack_card(ref), user=MEMBER) == []
        assert await o.telegram_reply("Reply to something else", 99999) == []
        assert await o.slack_thread_reply("Wrong thread", "1700000000.999999") == []
        assert await rows(o.app, LeadAnswer) == []
        [lead] = await rows(o.app, Lead)
        assert lead.status == "new"


async def test_a_redelivered_staff_reply_is_answered_once(
    make_app: MakeApp, database_url: str
) -> None:
    async with office(make_app, database_url=database_url) as o:
        ref = await o.telegram_forward()
        await o.deliver()
        card_ts = await o.slack_card(ref)
        first = await o.slack_thread_reply(
            "Once.", card_ts, event_id="EvANSWER", ts="1735690000.777"
        )
        assert len(first) == 1
        # Slack retries the event, and a second copy arrives under another event id
        assert (
            await o.slack_thread_reply(
                "Once.", card_ts, event_id="EvANSWER", retry=1, ts="1735690000.777"
            )
            == []
        )
        assert (
            await o.slack_thread_reply("Once.", card_ts, event_id="EvOTHER", ts="1735690000.777")
            == []
        )
        before = len(o.tg.called("sendMessage"))
        await o.deliver()
        to_alice = [
            c for c in o.tg.called("sendMessage")[before:] if c.params["chat_id"] == ALICE["id"]
        ]
        assert len(to_alice) == 1
        assert len(await rows(o.app, LeadAnswer)) == 1


async def test_mydata_has_the_answers_and_forget_removes_the_member(
    make_app: MakeApp, database_url: str
) -> None:
    async with office(make_app, database_url=database_url) as o:
        ref = await o.telegram_forward()
        await o.deliver()
        await o.slack_thread_reply("Ask the province.", await o.slack_card(ref))
        await o.deliver()
        await o.telegram.press("Ask a follow-up", ALICE, chat_id=ALICE["id"])
        await o.telegram.say("My number is +49 3641 123456, call me", ALICE)
        async with o.app.database.transaction() as session:
            query = select(Member).join(ChannelIdentity).where(ChannelIdentity.user_id == "10001")
            member = (await session.execute(query)).scalar_one()
            exported = await privacy.export(session, member)
        [lead] = exported["leads"]
        assert [(a["kind"], a["text"]) for a in lead["answers"]] == [
            ("answer", "Ask the province."),
            ("follow_up", "My number is +49 3641 123456, call me"),
        ]
        await o.telegram.say("/forget", ALICE)
        await o.telegram.press("Yes", ALICE, chat_id=ALICE["id"])
        [stored] = await rows(o.app, Lead)
        assert stored.member_id is None and stored.status == "answered"
        assert [a.kind for a in await rows(o.app, LeadAnswer)] == ["answer"]
        texts = json.dumps([row.payload for row in await rows(o.app, OutboxMessage)])
        assert "3641 123456" not in texts
        # a later staff answer reaches no one, and says nothing to no one
        [note] = await o.slack_thread_reply("Anything else?", await o.slack_card(ref))
        assert "reaches no one" in note.params["text"]
        await o.deliver()
        assert not [row for row in await rows(o.app, OutboxMessage) if row.target == "member"]


async def test_a_staff_answer_that_mentions_the_bot_is_answered_once(make_app: MakeApp) -> None:
    """Slack sends a mention in a thread twice: as app_mention and as a message."""
    async with office(make_app) as o:
        ref = await o.telegram_forward()
        await o.deliver()
        card_ts = await o.slack_card(ref)
        mention = o.slack.message_event(
            "<@U0BOT> Ask the province.", user=STAFF, channel=STAFF_CHANNEL
        )
        mention.update(type="app_mention", thread_ts=card_ts)
        del mention["channel_type"]
        before = len(o.slack.fake.called("chat.postMessage"))
        assert (await o.slack.event(mention)).status == 200
        await o.slack.channel.idle()
        assert o.slack.fake.called("chat.postMessage")[before:] == []
        [confirmation] = await o.slack_thread_reply(
            "<@U0BOT> Ask the province.", card_ts, ts=mention["ts"]
        )
        assert ref in confirmation.params["text"]
        [stored] = await rows(o.app, LeadAnswer)
        assert stored.text == "Ask the province."


async def test_a_follow_up_can_be_left_with_cancel_and_a_stranger_cannot_press(
    make_app: MakeApp,
) -> None:
    async with office(make_app) as o:
        ref = await o.telegram_forward()
        await o.deliver()
        await o.slack_thread_reply("Ask the province.", await o.slack_card(ref))
        await o.deliver()
        message, button = o.tg.last_with_button("Ask a follow-up", ALICE["id"])
        await o.telegram.push(press_update(message, button["callback_data"], BOB))
        assert "no longer here" in o.tg.called("answerCallbackQuery")[-1].params["text"]
        await o.telegram.press("Ask a follow-up", ALICE, chat_id=ALICE["id"])
        [left] = await o.telegram.say("/cancel", ALICE)
        assert left.params["text"] == "All right, no follow-up."
        await o.telegram.say("What is ZIM?", ALICE)  # an ordinary question again
        assert [a.kind for a in await rows(o.app, LeadAnswer)] == ["answer"]
        assert "ZIM" in o.tg.texts(ALICE["id"])[-1]
