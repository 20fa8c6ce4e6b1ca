"""Issue 24 item 3: personal data never goes to a group or a channel.

With the real PTB stack in a Telegram group and the real Bolt app in a Slack channel: the
privacy commands, the idea and registration forms and a member's bookings answer with a
pointer to the private chat, stored contact data is never shown there, and a member whose
first contact is a group mention has their own chat stored, not the group.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from bot.storage import ChannelIdentity, DialogueState, Member
from tests.channels.slack_support import MEMBER, fixture, workspace
from tests.channels.telegram_support import BOB, GROUP, press_update, telegram_run
from tests.conversation import Conversation
from tests.handlers.test_ideas import fill_idea
from tests.handlers.test_trainings import JAPAN

MakeApp = Callable[..., Any]
POINTER = "only in a private chat"


async def identity(app: Any, channel: str, user: str) -> ChannelIdentity:
    async with app.database.transaction() as session:
        query = select(ChannelIdentity).filter_by(channel=channel, user_id=user)
        return (await session.execute(query)).scalar_one()


async def test_telegram_group_gets_a_pointer_and_no_personal_data(make_app: MakeApp) -> None:
    async with telegram_run(make_app, rate_limit_per_minute=1000) as run:
        # Bob's first contact is a group command: his own chat is stored, not the group
        answered = await run.say("/start@test_bot", BOB, chat=GROUP)
        assert answered[0].params["chat_id"] == GROUP["id"]
        assert (await identity(run.app, "telegram", str(BOB["id"]))).chat_id == str(BOB["id"])
        # an idea he sent privately before left his e-mail with the assistant
        private = Conversation(run.app.assistant, channel="telegram", user=str(BOB["id"]))
        await fill_idea(private, email="bob@secret.example")
        await private.press("f:_sum:ok")
        before = len(run.fake.called("sendMessage"))
        for command in ("/mydata@test_bot", "/forget@test_bot", "/privacy@test_bot"):
            await run.say(command, BOB, chat=GROUP)
        for command in ("/idea@test_bot", "/mytrainings@test_bot"):
            await run.say(command, BOB, chat=GROUP)
        sent = run.fake.called("sendMessage")[before:]
        assert [call.params["chat_id"] for call in sent] == [GROUP["id"]] * 5
        assert all(POINTER in call.params["text"] for call in sent)
        assert not any("bob@secret.example" in call.params["text"] for call in sent)
        assert run.fake.called("sendDocument") == []
        # the private chat stays where Bob wrote from privately
        assert (await identity(run.app, "telegram", str(BOB["id"]))).chat_id == str(BOB["id"])


async def test_telegram_group_button_presses_get_the_pointer_as_a_toast(
    make_app: MakeApp,
) -> None:
    async with telegram_run(make_app) as run:
        await run.say("/start@test_bot", BOB, chat=GROUP)
        before = len(run.fake.called("sendMessage"))
        await run.press("idea:start", BOB, chat_id=GROUP["id"])
        [answer] = run.fake.called("answerCallbackQuery")
        assert POINTER in answer.params["text"]
        for action in ("privacy:mydata", f"tr:reg:{JAPAN}", "tr:mine"):
            message, _ = run.fake.last_with_button("idea:start", GROUP["id"])
            await run.push(press_update(message, action, BOB))
        assert all(
            POINTER in call.params["text"] for call in run.fake.called("answerCallbackQuery")
        )
        assert len(run.fake.called("sendMessage")) == before
        assert run.fake.called("sendDocument") == []


async def test_a_form_left_running_in_a_group_is_closed_and_prefill_stays_private(
    make_app: MakeApp,
) -> None:
    app = await make_app(rate_limit_per_minute=1000)
    private = Conversation(app.assistant, channel="telegram", user="7", locale="en")
    await fill_idea(private, email="seven@secret.example")
    await private.press("f:_sum:ok")
    group = Conversation(
        app.assistant, channel="telegram", user="7", chat="-100", locale="en", private=False
    )
    async with app.database.transaction() as session:  # as an older version left it
        session.add(
            DialogueState(
                channel="telegram",
                chat_id="-100",
                user_id="7",
                form="idea",
                step="email",
                mode="ask",
                data={"_history": []},
            )
        )
    await group.say("anything")
    assert POINTER in group.text and "seven@secret.example" not in group.text
    async with app.database.transaction() as session:
        state = (
            await session.execute(select(DialogueState).filter_by(chat_id="-100"))
        ).scalar_one()
        member = (await session.execute(select(Member))).scalar_one()
    assert state.form is None and member.email == "seven@secret.example"


async def test_slack_channel_gets_a_pointer_and_the_member_dm_is_stored(
    make_app: MakeApp,
) -> None:
    async with workspace(make_app) as slack:
        for text in ("<@U0BOT> /mydata", "<@U0BOT> /idea", "<@U0BOT> /forget"):
            event = fixture("event_app_mention")["event"]
            event.update(text=text, ts=f"17356897{len(text)}.000200")
            before = len(slack.fake.called("chat.postMessage"))
            await slack.event(event)
            [reply] = await slack.posted(before)
            assert reply.params["channel"] == "C0001"
            assert POINTER in reply.params["text"]
        assert slack.fake.called("files.completeUploadExternal") == []
        stored = await identity(slack.app, "slack", MEMBER)
        assert stored.chat_id == MEMBER  # the sender opens their DM; never the channel


async def test_slack_channel_button_presses_get_an_ephemeral_pointer(make_app: MakeApp) -> None:
    async with workspace(make_app) as slack:
        event = fixture("event_app_mention")["event"]
        event["text"] = "<@U0BOT> /start"
        before = len(slack.fake.called("chat.postMessage"))
        await slack.event(event)
        await slack.posted(before)
        response = await slack.press("idea:start")
        assert response.status == 200
        await slack.fake.wait_for("chat.postEphemeral", 1)
        await slack.channel.idle()
        [toast] = slack.fake.called("chat.postEphemeral")
        assert toast.params["channel"] == "C0001" and POINTER in toast.params["text"]
