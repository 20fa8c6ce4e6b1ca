"""A member's rights over their data: see what is stored, get a copy, be forgotten."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from bot.app import App
from bot.delivery.worker import DeliveryWorker
from bot.leads.records import create_lead, set_status
from bot.storage import (
    ChannelIdentity,
    Lead,
    Member,
    OutboxMessage,
    QuestionLog,
    Registration,
    Training,
)
from bot.trainings.registrations import Applicant, book
from tests.channels.test_telegram_webhook import free_port
from tests.conversation import Conversation
from tests.delivery.support import RecordingSender

ANKES_LEAD = {
    "title": "Laser welding with Rochester",
    "contact_name": "Anke Meier",
    "email": "anke@example.org",
    "organisation": "Anke GmbH",
}


async def store_ankes_lead(app: App, member_id: int, *, claimed_by: str | None = None) -> str:
    """Anke's idea as the dialogue stores it, with the office's snapshot of her answers."""
    async with app.database.transaction() as session:
        member = await session.get(Member, member_id)
        assert member is not None
        lead = await create_lead(
            session,
            app.services,
            kind="idea",
            member=member,
            channel="console",
            language="en",
            fields=ANKES_LEAD,
            display=[(name, name.title(), value) for name, value in ANKES_LEAD.items()],
            consent_at=app.services.clock(),
        )
        if claimed_by is not None:
            await set_status(session, app.services, lead, "claimed", by=claimed_by)
        return lead.ref


async def add_training(app: App, seats: int = 1, training_id: str = "jp-2027-03") -> Training:
    async with app.database.transaction() as session:
        training = Training(
            id=training_id,
            topic="japan",
            texts={
                "title": {"de": "Japan", "en": "Japan"},
                "description": {"de": "Etikette", "en": "Etiquette"},
            },
            starts_at=datetime(2027, 3, 10, 8, tzinfo=UTC),
            ends_at=datetime(2027, 3, 10, 16, tzinfo=UTC),
            place="Jena",
            language="de",
            seats=seats,
            fee_member=100,
            fee_non_member=200,
            deadline=datetime(2027, 3, 1, tzinfo=UTC),
        )
        session.add(training)
    return training


async def member_of(app: App, user: str) -> Member | None:
    async with app.database.transaction() as session:
        query = select(Member).join(ChannelIdentity).filter(ChannelIdentity.user_id == user)
        return (await session.execute(query)).scalar_one_or_none()


async def book_for(app: App, member: Member, name: str, now: datetime) -> None:
    async with app.database.transaction() as session:
        applicant = Applicant(
            member_id=member.id,
            name=name,
            organisation=f"{name} GmbH",
            email=f"{name.lower()}@example.org",
            is_member=True,
            language="en",
            consent_at=now,
        )
        await book(session, "jp-2027-03", applicant, now=now)


async def test_privacy_shows_the_entry_and_the_live_retention_periods(make_app: Any) -> None:
    app = await make_app(question_retention_days=30, registration_retention_days=200)
    chat = Conversation(app.assistant, locale="en")
    await chat.say("/privacy")
    assert "after 30 days" in chat.text
    assert "registrations 200 days after the training" in chat.text
    assert "copies of all messages" in chat.text  # not only sent ones: failed ones too
    entry = app.services.knowledge.get("assistant-privacy")
    assert entry.text("en").title  # the entry exists; its answer is part of the notice
    assert "/mydata" in chat.text and "/forget" in chat.text


async def test_issue_27_privacy_neither_points_to_itself_nor_says_anything_twice(
    make_app: Any,
) -> None:
    app = await make_app(question_retention_days=45, dialogue_expiry_days=5)
    chat = Conversation(app.assistant, locale="de")
    await chat.say("/datenschutz")
    text = chat.text
    assert "nach 45 Tagen anonymisiert" in text and "nach 5 Tagen" in text
    assert "Trainingsanmeldungen 365 Tage nach dem Training" in text
    assert "gesendeter und fehlgeschlagener Nachrichten" in text
    assert "/privacy" not in text and "/datenschutz" not in text
    assert text.count("/mydata") == 1 and text.count("/forget") == 1
    assert "Fragetexte" in text and "Fragentexte" not in text
    assert any(c.action == "privacy:mydata" for c in chat.choices)


async def test_issue_26_privacy_names_the_recipients_and_what_forget_keeps(app: App) -> None:
    """GDPR Art. 13: the platforms, the office's channels and the trainer are named; the
    FAQ answer and /privacy say the same, the FAQ pointing to /privacy for the periods."""
    for locale, question, recipients, kept in (
        (
            "de",
            "wer liest meine nachrichten",
            ("Telegram", "Slack", "E-Mail", "Trainer"),
            "ohne Ihre persönlichen Angaben",
        ),
        (
            "en",
            "who can read my messages",
            ("Telegram", "Slack", "e-mail", "trainer"),
            "without your personal details",
        ),
    ):
        chat = Conversation(app.assistant, user=f"privacy-{locale}", locale=locale)
        await chat.say(question)
        faq = chat.text
        await chat.say("/privacy")
        notice = chat.text
        for text in (faq, notice):
            assert all(name in text for name in recipients), text
            assert kept in text
        assert "only the staff" not in faq and "nur die Mitarbeiter" not in faq
        assert "/privacy" in faq and "/privacy" not in notice


async def test_mydata_sends_everything_as_json(app: App, clock: Any) -> None:
    chat = Conversation(app.assistant, locale="en")
    await chat.say("/start")
    member = await member_of(app, chat.user)
    assert member is not None
    async with app.database.transaction() as session:
        session.add(
            QuestionLog(
                member_id=member.id,
                channel="console",
                language="en",
                text="what is zim",
                decision="answer",
                entry_id="funding-zim",
            )
        )
    await add_training(app)
    await book_for(app, member, "Anke", clock.now)
    await chat.say("/mydata")
    [reply] = chat.replies
    assert reply.attachment is not None and reply.attachment.mime_type == "application/json"
    data = json.loads(reply.attachment.content)
    assert data["identities"][0]["user_id"] == chat.user
    assert data["questions"][0]["text"] == "what is zim"
    assert data["registrations"][0]["email"] == "anke@example.org"


async def test_forget_deletes_cancels_promotes_and_keeps_leads_anonymous(
    db_app: App, clock: Any
) -> None:
    app = db_app
    anke = Conversation(app.assistant, user="anke", locale="en")
    bernd = Conversation(app.assistant, user="bernd", locale="en")
    await anke.say("/start")
    await bernd.say("/start")
    anke_member, bernd_member = await member_of(app, "anke"), await member_of(app, "bernd")
    assert anke_member is not None and bernd_member is not None
    await add_training(app, seats=1)
    await book_for(app, anke_member, "Anke", clock.now)
    await book_for(app, bernd_member, "Bernd", clock.now)  # waits
    ref = await store_ankes_lead(app, anke_member.id)

    await anke.say("/forget")
    assert "cannot be undone" in anke.text
    await anke.press("privacy:forget:yes:")
    assert "deleted" in anke.text and ref in anke.text and "jp-2027-03" in anke.text

    assert await member_of(app, "anke") is None
    async with app.database.transaction() as session:
        kept = (await session.execute(select(Lead).filter_by(ref=ref))).scalar_one()
        assert kept.member_id is None and kept.fields == {
            "title": "Laser welding with Rochester",
            "_display": [["title", "Title", "Laser welding with Rochester"]],
        }
        statuses = dict(
            (await session.execute(select(Registration.name, Registration.status))).all()
        )
        assert statuses == {None: "cancelled", "Bernd": "confirmed"}
        forgotten = await session.get(Member, anke_member.id)
        assert forgotten is not None and forgotten.forgotten_at is not None
        assert forgotten.email is None and forgotten.display_name is None
        to_bernd = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.target == "member")
        )
        assert to_bernd == 1  # Bernd hears of his seat; nothing goes to Anke
    await anke.say("/mydata")
    data = json.loads(anke.replies[0].attachment.content)  # type: ignore[union-attr]
    assert data["leads"] == [] and data["registrations"] == [] and data["member"]["email"] is None


async def test_forget_can_be_declined(app: App) -> None:
    chat = Conversation(app.assistant, locale="en")
    await chat.say("/forget")
    await chat.press("No, keep it")
    assert "everything stays" in chat.text
    [kept] = chat.replies
    assert kept.edit and kept.choices == ()  # the question and its buttons are replaced
    assert await member_of(app, chat.user) is not None


def test_staff_forget_a_member_from_the_command_line(tmp_path: Any) -> None:
    from tests.cli import chat, run

    chat(["/language en", "/start"], data_dir=tmp_path, user="anke")
    exported = run("members", "export", "console:anke", data_dir=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["identities"][0]["user_id"] == "anke"
    forgotten = run("members", "forget", "console:anke", data_dir=tmp_path)
    assert forgotten.returncode == 0, forgotten.stderr
    assert json.loads(forgotten.stdout)["identities"] == 1
    again = run("members", "forget", "console:anke", data_dir=tmp_path)
    assert again.returncode == 1 and "no member" in again.stderr


async def test_forget_redraws_the_staff_cards_and_scrubs_the_outbox(
    make_app: Any, clock: Any
) -> None:
    app = await make_app(
        staff_telegram_chat_id=-100200300,
        office_email="office@optonet.example",
        smtp_host="127.0.0.1",
        smtp_port=free_port(),  # nobody listens: the e-mail waits for its retry
        smtp_starttls=False,
    )
    anke = Conversation(app.assistant, user="anke", locale="en")
    await anke.say("/start")
    known = await member_of(app, "anke")
    assert known is not None
    ref = await store_ankes_lead(app, known.id, claimed_by="Sven")  # Anke is told
    telegram = RecordingSender("tg")
    worker = DeliveryWorker(app.database, app.settings, {"telegram": telegram}, clock=clock)
    await worker.deliver_due()
    [(_, [card])] = telegram.sent
    await anke.say("/forget")
    await anke.press("privacy:forget:yes:")
    rows = {row.key: row for row in await outbox_rows(app)}
    await worker.deliver_due()
    [(_, _, claimed), (chat_id, refs, redrawn)] = telegram.replaced
    assert "Anke Meier" in claimed.text
    assert "Anke Meier" in card.text and "anke@example.org" in card.text
    assert (chat_id, refs) == ("-100200300", ["tg-1"])
    assert "Laser welding with Rochester" in redrawn.text
    assert "Anke" not in redrawn.text and "anke@example.org" not in redrawn.text
    assert not [key for key, row in rows.items() if row.target == "member"]  # "claimed" gone
    sent_card, mail = rows[f"lead:{ref}:telegram"], rows[f"lead:{ref}:email"]
    assert sent_card.payload == {} and sent_card.external_ref == "tg-1"
    assert mail.status == "pending" and "Laser welding" in mail.payload["text"]
    assert "Anke" not in json.dumps(mail.payload) and "anke@" not in json.dumps(mail.payload)


async def outbox_rows(app: App) -> list[OutboxMessage]:
    async with app.database.transaction() as session:
        return list((await session.execute(select(OutboxMessage))).scalars())


async def test_issue_24_a_forged_forget_without_the_confirmation_deletes_nothing(
    app: App,
) -> None:
    """``privacy:forget:yes`` used to delete at once, without the question before it."""
    chat = Conversation(app.assistant, locale="en")
    await chat.say("/start")
    member = await member_of(app, chat.user)
    assert member is not None
    forged = ("", ":", f":{member.id}.guess", f":{member.id}.", f":{member.id}")
    for payload in forged:
        await chat.send(chat.incoming(action=f"privacy:forget:yes{payload}"))
        assert "no longer valid" in chat.text and "nothing was deleted" in chat.text, payload
    assert await member_of(app, chat.user) is not None
    await chat.say("/forget")
    button = chat.choice("privacy:forget:yes:")
    await chat.say("/forget")  # asked again: only the newest confirmation counts
    newest = chat.choice("privacy:forget:yes:")
    await chat.send(chat.incoming(action=button.action))
    assert "no longer valid" in chat.text
    assert await member_of(app, chat.user) is not None
    await chat.send(chat.incoming(action=newest.action))
    assert await member_of(app, chat.user) is None


async def test_issue_24_another_member_cannot_press_my_forget_button(app: App) -> None:
    """In a group anyone could press another member's "Yes, delete my data"."""
    anke = Conversation(app.assistant, user="anke", locale="en")
    await anke.say("/forget")
    button = anke.choice("privacy:forget:yes:")
    mallory = Conversation(app.assistant, user="mallory", chat="anke", locale="en")
    await mallory.send(mallory.incoming(action=button.action))
    assert "shown to someone else" in mallory.text
    assert await member_of(app, "anke") is not None
    assert await member_of(app, "mallory") is not None
    await anke.press("privacy:forget:yes:")
    assert await member_of(app, "anke") is None


async def test_a_used_or_declined_confirmation_works_no_more(app: App) -> None:
    chat = Conversation(app.assistant, locale="en")
    await chat.say("/forget")
    button = chat.choice("privacy:forget:yes:")
    await chat.press("No, keep it")
    await chat.send(chat.incoming(action=button.action))
    assert "no longer valid" in chat.text
    assert await member_of(app, chat.user) is not None
