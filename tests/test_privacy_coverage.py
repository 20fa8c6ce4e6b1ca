"""Issue 24 item 6: /mydata copies and /forget removes a member's data wherever it is.

The tables that hold a member's data are found in the schema (a foreign key to
``members``, or a ``user_id`` of a channel identity), so a new table fails here until
/mydata exports it and /forget covers it. A member then leaves traces everywhere the
assistant keeps them (registrations, a waiting-list promotion, a cancellation, a lead with
its cards and e-mail, notices to them, a forwarded question answered by the office with
her follow-up, a half-filled form), some messages sent, some
failed, some waiting; after /forget no row of any table, outbox keys and payloads
included, still names them.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import Table, select, text

import bot
from bot import privacy
from bot.delivery.outbox import enqueue
from bot.delivery.worker import DeliveryWorker
from bot.retention import clean_up
from bot.storage import Base, ChannelIdentity, Member, OutboxMessage, Registration
from bot.trainings.registrations import Applicant, book
from tests.channels.test_telegram_webhook import free_port
from tests.conversation import Conversation
from tests.delivery.support import RecordingSender
from tests.handlers.test_ideas import fill_idea
from tests.handlers.test_privacy import add_training

EXPORTED_AS = {
    "members": "member",
    "channel_identities": "identities",
    "dialogue_states": "dialogues",
    "leads": "leads",
    "registrations": "registrations",
    "question_log": "questions",
}
"""Where /mydata puts each table's rows. A table missing here links to members but was
never looked at for /mydata and /forget."""
ANKE = "778899"
MARKERS = ("Anke Meier", "Anke GmbH", "anke@secret.example", "+49 3641 778899", ANKE)


def member_tables() -> dict[str, Table]:
    """Every table that refers to a member: by a foreign key to members, or by the
    platform user id of a channel identity."""
    linked = {"members": Base.metadata.tables["members"]}
    for name, table in Base.metadata.tables.items():
        refers = any(fk.column.table.name == "members" for fk in table.foreign_keys)
        if refers or "user_id" in table.c:
            linked[name] = table
    return linked


def test_every_table_that_refers_to_a_member_is_covered() -> None:
    tables = set(member_tables())
    assert tables - set(EXPORTED_AS) == set(), "cover these in /mydata and /forget"
    assert tables <= privacy.MEMBER_TABLES
    assert tables >= {"channel_identities", "leads", "registrations", "question_log"}


async def book_as(app: Any, user: str, training_id: str, name: str, org: str, email: str) -> None:
    async with app.database.transaction() as session:
        query = select(Member).join(ChannelIdentity).filter(ChannelIdentity.user_id == user)
        member = (await session.execute(query)).scalar_one()
        applicant = Applicant(
            member_id=member.id,
            name=name,
            organisation=org,
            email=email,
            is_member=True,
            language="en",
            consent_at=app.services.clock(),
        )
        await book(session, training_id, applicant, now=app.services.clock())


async def dump(app: Any) -> dict[str, list[str]]:
    """Every row of every table, as text."""
    rows = {}
    async with app.database.engine.connect() as connection:
        for name in Base.metadata.tables:
            result = await connection.execute(text(f"SELECT * FROM {name}"))
            rows[name] = [json.dumps(list(row), default=str) for row in result.all()]
    return rows


async def sent_ref(app: Any, key: str) -> str:
    async with app.database.transaction() as session:
        row = (await session.execute(select(OutboxMessage).filter_by(key=key))).scalar_one()
        assert row.status == "sent" and row.external_ref
        return row.external_ref


async def linked_rows(app: Any, member_id: int) -> dict[str, int]:
    """How many rows of each member table belong to the member."""
    async with app.database.transaction() as session:
        identities = (
            await session.execute(select(ChannelIdentity).filter_by(member_id=member_id))
        ).scalars()
        users = {(i.channel, i.user_id) for i in identities}
        counts = {}
        for name, table in member_tables().items():
            rows = (await session.execute(select(table))).mappings().all()
            counts[name] = sum(
                1
                for row in rows
                if (name == "members" and row["id"] == member_id)
                or any(
                    fk.column.table.name == "members" and row[fk.parent.name] == member_id
                    for fk in table.foreign_keys
                )
                or ("user_id" in table.c and (row.get("channel"), row["user_id"]) in users)
            )
        return counts


async def test_issue_24_forget_leaves_no_trace_and_mydata_has_every_row(
    make_app: Any, database_url: str, clock: Any
) -> None:
    app = await make_app(
        database_url=database_url,
        rate_limit_per_minute=1000,
        staff_telegram_chat_id=-100200300,
        staff_telegram_ids="4711",
        office_email="office@optonet.example",
        smtp_host="127.0.0.1",
        smtp_port=free_port(),  # nobody listens: every e-mail fails
        smtp_starttls=False,
        outbox_max_attempts=1,
    )
    anke = Conversation(app.assistant, channel="telegram", user=ANKE, locale="en")
    carla = Conversation(app.assistant, channel="telegram", user="5001", locale="en")
    staff = Conversation(app.assistant, channel="telegram", user="4711", chat="-100200300")
    await carla.say("/start")
    for training, seats in (("full-one", 1), ("moved-up", 1), ("dropped", 5)):
        await add_training(app, seats, training)
    # Anke's idea, claimed by the office: cards in the staff chat and by e-mail, a notice
    await fill_idea(
        anke,
        organisation="Anke GmbH",
        contact_name="Anke Meier",
        email="anke@secret.example",
        phone="+49 3641 778899",
    )
    await anke.press("f:_sum:ok")
    ref = "IDEA-2026-0001"
    await staff.send(staff.incoming(action=f"lead:claim:{ref}"))
    # a seat, a place moved up after Carla cancelled, a booking she cancels herself
    await book_as(app, ANKE, "full-one", "Anke Meier", "Anke GmbH", "anke@secret.example")
    await book_as(app, "5001", "moved-up", "Carla", "Carla AG", "carla@example.org")
    await book_as(app, ANKE, "moved-up", "Anke Meier", "Anke GmbH", "anke@secret.example")
    await book_as(app, ANKE, "dropped", "Anke Meier", "Anke GmbH", "anke@secret.example")
    await carla.say("/mytrainings")
    await carla.press("tr:cancel:")
    await carla.press("tr:drop:")
    assert "Carla" in carla.text or "cancel" in carla.text.lower()
    telegram = RecordingSender("tg")
    worker = DeliveryWorker(app.database, app.settings, {"telegram": telegram}, clock=clock)
    await worker.deliver_due()  # sent: the chat cards and notices; failed: every e-mail
    # a question the office answers from its chat, and a follow-up that names her
    await anke.say("What is the minimum wage in Canada?")
    await anke.press("Forward")
    await worker.deliver_due()
    card = await sent_ref(app, "lead:Q-2026-0001:telegram")
    reply = staff.incoming(text="Each province sets its own.")
    await staff.send(replace(reply, extras={"answer_to": card, "source": "telegram:-100200300:9"}))
    assert "Q-2026-0001" in staff.text
    await anke.send(anke.incoming(action="ans:more:1"))
    await anke.say("Please call Anke Meier on +49 3641 778899")
    await worker.deliver_due()  # the answer to her chat, the follow-up under the card
    assert telegram.threads == [card]
    await anke.say("/mytrainings")
    await anke.press("tr:cancel:")  # the first listed: still waiting to go out, later
    await anke.press("tr:drop:")
    await anke.say("what is ZIM?")
    await anke.say("/idea")  # and a form left half-filled
    await anke.say("Another idea of Anke Meier")

    async with app.database.transaction() as session:
        query = select(Member).join(ChannelIdentity).filter(ChannelIdentity.user_id == ANKE)
        member = (await session.execute(query)).scalar_one()
    before = await dump(app)
    for marker in ("Anke Meier", "anke@secret.example"):  # the scenario left traces …
        assert any(marker in row for row in before["outbox"]), marker
    for status in ("sent", "failed", "pending"):  # … in messages of every state
        assert any(f'"{status}"' in row and "Anke" in row for row in before["outbox"]), status

    counts = await linked_rows(app, member.id)
    await anke.say("/mydata")
    exported = json.loads(anke.replies[0].attachment.content)  # type: ignore[union-attr]
    for table, count in counts.items():
        section = exported[EXPORTED_AS[table]]
        assert (1 if isinstance(section, dict) else len(section)) == count, table
    assert exported["dialogues"][0]["answers"]["title"] == "Another idea of Anke Meier"

    await anke.say("/forget")
    await anke.press("privacy:forget:yes:")
    assert "deleted" in anke.text
    clock.advance(days=1)
    await worker.deliver_due()
    after = await dump(app)
    left = {
        (table, marker)
        for table, rows in after.items()
        for row in rows
        for marker in MARKERS
        if marker in row
    }
    assert left == set()
    assert "Carla" in json.dumps(after["outbox"])  # others' data stays as it was
    assert any("Each province sets its own." in row for row in after["lead_answers"])
    assert {k for k, v in (await linked_rows(app, member.id)).items() if v} == {"members"}


async def test_issue_24_retention_empties_failed_and_overtaken_messages_too(
    make_app: Any, database_url: str, clock: Any
) -> None:
    """Retention emptied only sent rows: a failed one kept personal data forever."""
    app = await make_app(database_url=database_url, outbox_retention_days=30)
    async with app.database.transaction() as session:
        for number, status in enumerate(("failed", "superseded", "pending", "failed")):
            await enqueue(
                session,
                key=f"k{number}",
                target="email",
                kind="test",
                payload={"text": "Anke Meier"},
            )
            row = (
                await session.execute(select(OutboxMessage).filter_by(key=f"k{number}"))
            ).scalar_one()
            row.status = status
            row.created_at = clock.now - timedelta(days=31 if number < 3 else 29)
    await clean_up(app.database, app.settings, clock.now)
    async with app.database.transaction() as session:
        rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.key))).scalars()
        payloads = {row.key: row.payload for row in rows}
    assert payloads == {
        "k0": {},
        "k1": {},
        "k2": {"text": "Anke Meier"},
        "k3": {"text": "Anke Meier"},
    }


def key_builders() -> dict[str, Callable[..., str]]:
    """Every outbox key builder of the product: a ``*_key`` function of a ``bot`` module."""
    found = {}
    for info in pkgutil.walk_packages(bot.__path__, "bot."):
        if info.name == "bot.__main__" or ".migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.endswith("_key") and function.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = function
    return found


def qualified(function: Callable[..., str]) -> str:
    return f"{function.__module__}.{function.__name__}"


def test_every_outbox_key_that_names_a_member_is_covered() -> None:
    builders = key_builders()
    assert {"bot.leads.cards.card_key", "bot.trainings.notices.reminder_key"} <= set(builders)
    naming = {
        name
        for name, build in builders.items()
        if set(inspect.signature(build).parameters) & set(privacy.MEMBER_REFS)
    }
    covered = {qualified(build) for build in (*privacy.OUTBOX_KEYS, *privacy.OFFICE_KEYS)}
    assert naming - covered == set(), "list these in privacy.OUTBOX_KEYS or OFFICE_KEYS"
    assert covered <= naming  # nothing listed that names no member
    assert not set(privacy.OUTBOX_KEYS) & set(privacy.OFFICE_KEYS)


def built(build: Callable[..., str], refs: dict[str, Any]) -> str:
    parameters = inspect.signature(build).parameters
    return build(**{name: refs.get(name, "x_1") for name in parameters})


async def test_forget_deletes_the_messages_keyed_to_the_member_even_once_emptied(
    make_app: Any, database_url: str
) -> None:
    """Retention empties a sent message's payload; its key still names the member, and
    only the key says whose it was."""
    app = await make_app(database_url=database_url)
    await add_training(app, 5, "jp-2027-03")
    refs = {}
    for user, name in ((ANKE, "Anke Meier"), ("5001", "Carla")):
        await Conversation(app.assistant, channel="telegram", user=user, locale="en").say("/start")
        await book_as(app, user, "jp-2027-03", name, "GmbH", f"{user}@example.org")
        async with app.database.transaction() as session:
            query = select(Member).join(ChannelIdentity).filter(ChannelIdentity.user_id == user)
            member = (await session.execute(query)).scalar_one()
            uid = await session.scalar(select(Registration.uid).filter_by(member_id=member.id))
        refs[user] = {"member_id": member.id, "uid": uid}
    keys = {user: {built(b, ref) for b in privacy.OUTBOX_KEYS} for user, ref in refs.items()}
    async with app.database.transaction() as session:
        await session.execute(OutboxMessage.__table__.delete())
        for key in keys[ANKE] | keys["5001"]:
            await enqueue(session, key=key, target="member", kind="test", payload={})

    async with app.database.transaction() as session:
        anke = await session.get(Member, refs[ANKE]["member_id"])
        await privacy.forget(session, anke, app.services)

    async with app.database.transaction() as session:
        left = set((await session.execute(select(OutboxMessage.key))).scalars())
    assert left == keys["5001"]
    assert len(keys[ANKE]) == len(privacy.OUTBOX_KEYS)
