"""Whole conversations in Telegram: an idea that becomes a lead the staff group claims, a
training registration with its calendar file, a stale button, a FAQ answer with feedback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from icalendar import Calendar
from sqlalchemy import select

from bot.app import App
from bot.delivery.worker import DeliveryWorker
from bot.storage import Lead
from tests.channels.telegram_support import ALICE, BOB, TelegramRun, telegram_run
from tests.trainings_catalogue import sync_catalogue

MakeApp = Callable[..., Any]
STAFF_GROUP = -1001000000099
SVEN = {"id": 4711, "is_bot": False, "first_name": "Sven", "language_code": "de"}
STAFF = {
    "staff_telegram_chat_id": STAFF_GROUP,
    "staff_telegram_ids": "[4711]",
    "rate_limit_per_minute": 1000,  # a whole form is faster than a person types
}
IDEA = [
    "/idea",
    "Ultrashort-pulse laser for glass drilling",
    "f:field:pick:laser",
    "f:regions:tick:japan",
    "f:regions:done",
    "f:partner:pick:research",
    "We drill micro holes in glass with ultrashort pulses and need a partner in Japan.",
    "f:stage:pick:prototype",
    "f:funding:pick:funding-zim",
    "f:timeline:pick:next_year",
    "Photon GmbH",
    "Alice Schmidt",
    "alice@photon.example",
    "skip",
    "f:consent:pick:yes",
    "f:_sum:ok",
]


async def walk(run: TelegramRun, steps: list[str], user: dict[str, Any] = ALICE) -> None:
    """Type the texts, press the buttons (``f:…``, ``tr:…``) in the member's chat."""
    for step in steps:
        if step.startswith(("f:", "tr:")):
            await run.press(step, user, chat_id=user["id"])
        else:
            await run.say(step, user)


async def deliver_outbox(run: TelegramRun) -> int:
    worker = DeliveryWorker(
        run.app.database,
        run.app.settings,
        {"telegram": run.channel.sender},
        clock=run.app.services.clock,
    )
    return await worker.deliver_due()


async def only_lead(app: App) -> Lead:
    async with app.database.transaction() as session:
        return (await session.execute(select(Lead))).scalar_one()


async def test_idea_becomes_a_lead_the_staff_group_claims(make_app: MakeApp) -> None:
    async with telegram_run(make_app, **STAFF) as run:
        await walk(run, IDEA)
        lead = await only_lead(run.app)
        assert lead.ref in run.fake.texts(ALICE["id"])[-1]
        presses = len(run.fake.called("answerCallbackQuery"))
        assert presses == sum(step.startswith("f:") for step in IDEA)  # every press answered

        assert await deliver_outbox(run) == 1
        [card] = run.fake.called("sendMessage")[-1:]
        assert card.params["chat_id"] == STAFF_GROUP and lead.ref in card.params["text"]
        assert "Ultrashort-pulse laser" in card.params["text"]
        actions = [
            b["callback_data"]
            for row in card.params["reply_markup"]["inline_keyboard"]
            for b in row
        ]
        assert actions == [f"lead:{verb}:{lead.ref}" for verb in ("claim", "contacted", "close")]

        await run.press(f"lead:claim:{lead.ref}", BOB, chat_id=STAFF_GROUP)
        refusal = run.fake.called("answerCallbackQuery")[-1]
        assert refusal.params["show_alert"] is True
        assert refusal.params["text"] == "This button is for the staff of the office only."
        assert not run.fake.called("editMessageText")
        assert (await only_lead(run.app)).status == "new"

        await run.press(f"lead:claim:{lead.ref}", SVEN, chat_id=STAFF_GROUP)
        [edited] = run.fake.called("editMessageText")
        assert edited.params["chat_id"] == STAFF_GROUP
        assert edited.params["message_id"] == run.fake.messages_sent_to(STAFF_GROUP)[0]
        assert "Sven" in edited.params["text"]
        assert (await only_lead(run.app)).status == "claimed"

        assert await deliver_outbox(run) == 1
        notice = run.fake.called("sendMessage")[-1]
    assert notice.params["chat_id"] == ALICE["id"]
    assert lead.ref in notice.params["text"] and "Sven" in notice.params["text"]


async def test_a_stale_button_gets_this_question_is_closed(make_app: MakeApp) -> None:
    async with telegram_run(make_app, **STAFF) as run:
        await walk(run, IDEA[:3])  # the field is answered: the next question is the regions
        disarmed = run.fake.called("editMessageReplyMarkup")
        await run.press("f:field:pick:metrology", ALICE, chat_id=ALICE["id"])  # an old keyboard
        answer = run.fake.called("answerCallbackQuery")[-1]
        assert len(run.fake.called("editMessageReplyMarkup")) == len(disarmed)
    assert disarmed, "answered questions lose their buttons"
    assert answer.params["text"] == "This question is closed."


async def test_training_registration_sends_the_calendar_file(make_app: MakeApp) -> None:
    japan = "japan-business-2027-01"
    async with telegram_run(make_app, **STAFF) as run:
        await sync_catalogue(run.app)
        await walk(
            run,
            [
                "/trainings japan",
                f"tr:show:{japan}",
                f"tr:reg:{japan}",
                "Alice Schmidt",
                "Photon GmbH",
                "alice@photon.example",
                "f:member:pick:yes",
                "f:consent:pick:yes",
                "f:_sum:ok",
            ],
        )
        [document] = run.fake.called("sendDocument")
    assert document.params["chat_id"] == ALICE["id"]
    assert document.params["document_filename"].endswith(".ics")
    event = Calendar.from_ical(bytes(document.files["document"])).walk("VEVENT")[0]
    assert str(event["uid"]).startswith("reg-")


async def test_faq_answer_with_feedback_buttons(make_app: MakeApp) -> None:
    clara = {"id": 10003, "is_bot": False, "first_name": "Clara", "language_code": "de"}
    async with telegram_run(make_app, **STAFF) as run:
        [answer] = await run.say("Was ist ZIM?", clara)
        actions = [
            button["callback_data"]
            for row in answer.params["reply_markup"]["inline_keyboard"]
            for button in row
        ]
        up = next(
            action for action in actions if action.startswith("fb:") and action.endswith(":up")
        )
        await run.press(up, clara, chat_id=clara["id"])
        thanks = run.fake.called("answerCallbackQuery")[-1]
        thanks_text = run.app.services.templates.render("de", "faq/feedback_thanks")
    assert answer.params["parse_mode"] == "HTML"
    assert (
        "Zentrales Innovationsprogramm" in answer.params["text"] or "ZIM" in answer.params["text"]
    )
    assert any(action.endswith(":down") for action in actions)
    assert thanks.params["text"] == thanks_text and thanks.params["show_alert"] is True


async def test_25_an_off_topic_question_gets_the_menu_not_a_forward_offer(
    make_app: MakeApp,
) -> None:
    """Issue #25: the channel shows the off_topic decision as the console does."""
    async with telegram_run(make_app, **STAFF) as run:
        [reply] = await run.say("what is the capital of France")
    actions = [
        button["callback_data"]
        for row in reply.params["reply_markup"]["inline_keyboard"]
        for button in row
    ]
    said = run.app.services.templates.render("en", "faq/off_topic")
    assert said.split(".")[0] in reply.params["text"]
    assert "menu:ask" in actions and not any(a.startswith("fwd:") for a in actions)
