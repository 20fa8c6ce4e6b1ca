"""A third channel is one spec: registered here alone, the core serves it everywhere.

The spec below stands for Matrix; nothing outside this test names it, yet the settings'
staff targets, ``serve``'s channels and its error, ``optobot config``, the log's
redaction, the staff check, the outbox, the office's lead page and the commands its
members are told to type all take it up.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web

from bot.channels import registry
from bot.channels.base import ChannelSpec, Sender
from bot.channels.senders import delivering
from bot.cli import config
from bot.cli import leads as leads_cli
from bot.delivery.staff import staff_chat
from bot.leads.records import find_lead
from bot.logs import redact
from bot.messages import Incoming
from bot.office.staff import is_configured
from bot.server import NoChannelConfigured, check_channels, configured_channels
from bot.settings import Settings
from bot.storage.models import PLATFORM_ID
from bot.turn import is_staff
from tests.delivery.support import RecordingSender, store_lead
from tests.office.support import STAFF, office_client, sign_in, submit_idea

STAFF_ROOM = "!staff:example.org"
ADA = "@ada:example.org"
TOKEN = r"\bsyt_[A-Za-z0-9_]+"
PREFIX = "!optobot "
LONG_ID = "@" + "a" * (PLATFORM_ID - len(":example.org") - 1) + ":example.org"


class MatrixChannel:
    """Just enough of a running channel for ``serve``'s list of channels."""

    name = "matrix"

    def __init__(self, sender: Sender) -> None:
        self.sender = sender

    def install(self, server: web.Application) -> None:
        pass

    async def start(self) -> None:
        pass

    async def announce(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    @property
    def running(self) -> bool:
        return True


class Room(RecordingSender):
    """The staff room's sender; the outbox closes the ones it built."""

    closed = False

    async def close(self) -> None:
        self.closed = True


@pytest.fixture
def room(monkeypatch: pytest.MonkeyPatch) -> Room:
    """A Matrix spec in the registry for this test; its sender records what it sends."""
    sender = Room("matrix")
    spec = ChannelSpec(
        name="matrix",
        configured=lambda settings: True,
        make_channel=lambda app: MatrixChannel(sender),
        make_sender=lambda settings: sender,
        can_send=lambda settings: True,
        staff_chat=lambda settings: STAFF_ROOM,
        staff_ids=lambda settings: frozenset({ADA}),
        needs="MATRIX_ACCESS_TOKEN for Matrix",
        secret_patterns=(TOKEN,),
        id_length=PLATFORM_ID,
        command_prefix=PREFIX,
    )
    monkeypatch.setattr(registry, "SPECS", (*registry.SPECS, spec))
    return sender


def matrix_event(user: str, event: str, **fields: Any) -> Incoming:
    return Incoming(channel="matrix", user_id=user, chat_id=user, event_id=event, **fields)


def test_staff_targets_and_config_list_it(room: Room, make_settings: Any, capsys: Any) -> None:
    settings: Settings = make_settings()
    assert settings.staff_targets() == ["matrix"]
    assert staff_chat(settings, "matrix") == STAFF_ROOM
    assert config.run(settings, argparse.Namespace(json=True)) == 0
    assert json.loads(capsys.readouterr().out)["staff_targets"] == ["matrix"]


def test_an_unknown_or_unconfigured_target_has_no_staff_chat(make_settings: Any) -> None:
    settings: Settings = make_settings(staff_slack_channel="C0STAFF")
    assert staff_chat(settings, "slack") == "C0STAFF"
    assert staff_chat(settings, "telegram") is None  # not configured: not the Telegram group
    assert staff_chat(settings, "matrix") is None  # no such channel without its spec
    assert staff_chat(settings, "email") is None


async def test_serve_runs_it_and_names_it_when_nothing_is_configured(
    room: Room, make_app: Any, make_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = await make_app()
    assert [channel.name for channel in configured_channels(app)] == ["matrix"]
    check_channels(app.settings)  # a configured channel: serve may start
    unconfigured = [replace(spec, configured=lambda settings: False) for spec in registry.SPECS]
    monkeypatch.setattr(registry, "SPECS", tuple(unconfigured))
    with pytest.raises(NoChannelConfigured, match="MATRIX_ACCESS_TOKEN for Matrix"):
        check_channels(make_settings())


def test_logs_mask_its_token(room: Room) -> None:
    masked = redact("sync failed for syt_YWRh_ZmFrZXRva2Vu_0a1b2c with xoxb-1-2-three")
    assert "syt_" not in masked and "xoxb" not in masked and masked.count("***") == 2


def test_is_staff_honours_its_staff_ids(room: Room, make_settings: Any) -> None:
    settings = make_settings(staff_telegram_ids="42")
    assert is_staff(settings, matrix_event(ADA, "e1"))
    assert not is_staff(settings, matrix_event("@bob:example.org", "e2"))
    assert not is_staff(settings, Incoming("telegram", ADA, ADA, "e3"))  # ids are per channel


async def test_a_lead_card_reaches_its_staff_room_and_its_staff_claim_it_there(
    room: Room, make_app: Any
) -> None:
    app = await make_app()
    ref = await store_lead(app)
    async with delivering(app, {}) as worker:
        assert await worker.deliver_due() == 1
    assert room.closed  # built for the staff room, closed with the worker
    [(chat, [card])] = room.sent
    assert chat == STAFF_ROOM and ref in card.text
    assert [choice.action for choice in card.choices] == [
        f"lead:claim:{ref}",
        f"lead:contacted:{ref}",
        f"lead:close:{ref}",
    ]
    refused = await app.assistant.handle(
        matrix_event("@bob:example.org", "e1", action=f"lead:claim:{ref}", display_name="Bob")
    )
    assert [reply.notice for reply in refused] == [True]
    [claimed] = await app.assistant.handle(
        matrix_event(ADA, "e2", action=f"lead:claim:{ref}", display_name="Ada")
    )
    assert claimed.edit and "Ada" in claimed.text
    async with app.database.transaction() as session:
        lead = await find_lead(session, ref)
        assert lead is not None and lead.status == "claimed" and lead.assignee == "Ada"


async def test_its_longest_ids_are_stored(room: Room, db_app: Any) -> None:
    """255 characters, as Matrix allows; PostgreSQL would refuse a longer one."""
    assert all(spec.id_length <= PLATFORM_ID for spec in registry.specs())
    [reply] = await db_app.assistant.handle(matrix_event(LONG_ID, "e1", text="/start"))
    assert reply.text
    [again] = await db_app.assistant.handle(matrix_event(LONG_ID, "e2", text="/start"))
    assert again.text == reply.text


def test_the_command_line_takes_its_staff_ids(room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    assert leads_cli._staff_id(f"matrix:{ADA}") == f"matrix:{ADA}"
    monkeypatch.setattr(registry, "SPECS", registry.SPECS[:-1])
    with pytest.raises(argparse.ArgumentTypeError, match="slack:USER_ID, telegram:USER_ID"):
        leads_cli._staff_id(f"matrix:{ADA}")


def test_its_staff_may_sign_in_to_the_office(room: Room, make_settings: Any) -> None:
    settings = make_settings(staff_slack_ids="U0ADA")
    assert is_configured(settings, f"matrix:{ADA}")
    assert is_configured(settings, "slack:U0ADA")
    assert not is_configured(settings, "matrix:@bob:example.org")
    assert not is_configured(settings, "fax:U0ADA")


async def test_the_office_shows_its_card_of_a_lead(room: Room, make_app: Any) -> None:
    app = await make_app(**STAFF)
    await submit_idea(app, "anna")
    async with office_client(app) as client:
        await sign_in(client, app)
        page = await (await client.get("/office/leads/IDEA-2026-0001")).text()
    cards = page.split("<h2>Cards</h2>", 1)[1].split("</ul>", 1)[0]
    assert "Matrix:" in cards and "Email" not in cards  # the one target configured


async def test_its_members_are_told_its_command_prefix(room: Room, make_app: Any) -> None:
    app = await make_app()
    [told] = await app.assistant.handle(matrix_event(ADA, "e1", text="/help", locale="en"))
    assert f"{PREFIX}idea" in told.text and "/idea" not in told.text
    [elsewhere] = await app.assistant.handle(
        Incoming("telegram", "7", "7", "e2", text="/help", locale="en")
    )
    assert "/idea" in elsewhere.text and PREFIX not in elsewhere.text
