"""``optobot leads list|show|set-status``: the office's view of ideas and forwarded questions."""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App, open_app
from bot.channels import registry
from bot.cli.errors import USAGE, Refused
from bot.cli.tables import FORMATS, local_time, print_rows
from bot.leads.answers import answers_of
from bot.leads.cards import rows
from bot.leads.records import KINDS, STATUSES, LeadError, find_lead, set_status
from bot.markdown import to_plain
from bot.settings import Settings
from bot.storage import ChannelIdentity, Lead, LeadAnswer, Member

COLUMNS = (
    "ref",
    "kind",
    "status",
    "created",
    "assignee",
    "organisation",
    "contact",
    "regions",
    "title",
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = commands.add_parser(
        "leads", help="list, show and update leads", description="Project ideas and questions."
    )
    actions = command.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser(
        "list", help="list leads, newest first (times in OPTOBOT_OFFICE_TIMEZONE)"
    )
    listing.add_argument("--status", choices=STATUSES)
    listing.add_argument("--kind", choices=sorted(KINDS))
    listing.add_argument("--format", choices=FORMATS, default="table")
    listing.set_defaults(run=run_list)
    show = actions.add_parser(
        "show", help="one lead as the office reads it (in OPTOBOT_STAFF_LANGUAGE), or as JSON"
    )
    show.add_argument("ref", metavar="ID", help="e.g. IDEA-2026-0007")
    show.add_argument("--format", choices=["card", "json"], default="card")
    show.set_defaults(run=run_show)
    status = actions.add_parser(
        "set-status",
        help="move a lead on (the member is told when it is claimed or closed)",
    )
    status.add_argument("ref", metavar="ID")
    status.add_argument("status", metavar="STATUS", choices=STATUSES)
    status.add_argument("--by", help="who handles it (shown to the member when claimed)")
    status.add_argument(
        "--by-id",
        metavar="CHANNEL:USER_ID",
        type=_staff_id,
        help="that person's staff id, e.g. telegram:10001 or slack:U01AB"
        " (without it, the name alone tells colleagues apart)",
    )
    status.add_argument("--force", action="store_true", help="also move a lead backwards")
    status.set_defaults(run=run_set_status)


CLI = "cli"
"""The channel of a staff id given on the command line (``cli:NAME``)."""


def _staff_id(text: str) -> str:
    """``<channel>:USER_ID`` of a known channel, or ``cli:NAME``."""
    channel, _, user = text.partition(":")
    known = channel == CLI or registry.find(channel) is not None
    if not known or not user or user != user.strip():
        forms = [f"{spec.name}:USER_ID" for spec in registry.specs()]
        raise argparse.ArgumentTypeError(", ".join(forms) + f" or {CLI}:NAME")
    return text


def as_dict(lead: Lead) -> dict[str, Any]:
    """The machine form: stored codes and UTC times."""
    return {
        "ref": lead.ref,
        "kind": lead.kind,
        "status": lead.status,
        "assignee": lead.assignee,
        "assignee_id": lead.assignee_id,
        "answered_by": lead.answered_by,
        "channel": lead.channel,
        "language": lead.language,
        "created_at": lead.created_at.isoformat(),
        "claimed_at": lead.claimed_at.isoformat() if lead.claimed_at else None,
        "contacted_at": lead.contacted_at.isoformat() if lead.contacted_at else None,
        "closed_at": lead.closed_at.isoformat() if lead.closed_at else None,
        "consent_at": lead.consent_at.isoformat() if lead.consent_at else None,
        "fields": {k: v for k, v in lead.fields.items() if not k.startswith("_")},
    }


def answer_dict(row: LeadAnswer) -> dict[str, Any]:
    """An answer of the office (``by`` a staff id) or a follow-up of the member."""
    return {
        "kind": row.kind,
        "text": row.text,
        "by": row.staff,
        "name": row.name,
        "helped": row.helped,
        "created_at": row.created_at.isoformat(),
    }


def _shown(lead: Lead, name: str) -> str:
    """A field as the office read it at submission (``regions``: "Japan, Südkorea"),
    else as stored."""
    for field, _label, text in lead.fields.get("_display") or []:
        if field == name:
            return str(text)
    value = lead.fields.get(name)
    if value in (None, "", []):
        return ""
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _contact(lead: Lead, chats: list[str]) -> str:
    """How to reach the member: the lead's contact fields, else the chat they wrote from."""
    name, email, phone = (lead.fields.get(key) for key in ("contact_name", "email", "phone"))
    given = [part for part in (name, f"<{email}>" if email else None, phone) if part]
    return " ".join(given) or ", ".join(chats)


def _row(lead: Lead, zone: ZoneInfo, chats: list[str]) -> dict[str, str]:
    title = lead.fields.get("title") or lead.fields.get("question") or ""
    return {
        "ref": lead.ref,
        "kind": lead.kind,
        "status": lead.status,
        "created": local_time(lead.created_at, zone),
        "assignee": lead.assignee or "",
        "organisation": str(lead.fields.get("organisation") or ""),
        "contact": _contact(lead, chats),
        "regions": _shown(lead, "regions"),
        "title": str(title)[:60],
    }


async def member_chats(session: AsyncSession, member_ids: set[int]) -> dict[int, list[str]]:
    """``channel:user`` of each member not forgotten, as ``optobot members`` takes it."""
    query = (
        select(ChannelIdentity)
        .join(Member)
        .where(ChannelIdentity.member_id.in_(member_ids), Member.forgotten_at.is_(None))
        .order_by(ChannelIdentity.id)
    )
    chats: dict[int, list[str]] = {}
    for identity in (await session.execute(query)).scalars():
        chats.setdefault(identity.member_id, []).append(f"{identity.channel}:{identity.user_id}")
    return chats


async def _list(settings: Settings, args: argparse.Namespace) -> list[dict[str, Any]]:
    async with open_app(settings) as app, app.database.transaction() as session:
        query = select(Lead).order_by(Lead.created_at.desc(), Lead.id.desc())
        if args.status:
            query = query.where(Lead.status == args.status)
        if args.kind:
            query = query.where(Lead.kind == args.kind)
        leads = list((await session.execute(query)).scalars())
        if args.format == "json":
            return [as_dict(lead) for lead in leads]
        chats = await member_chats(session, {lead.member_id for lead in leads if lead.member_id})
        zone = settings.office_zone
        return [_row(lead, zone, chats.get(lead.member_id or 0, [])) for lead in leads]


def run_list(settings: Settings, args: argparse.Namespace) -> int:
    rows = asyncio.run(_list(settings, args))
    print_rows(rows, args.format, columns=COLUMNS, empty="(no leads)")
    return 0


@dataclass(frozen=True)
class Event:
    """A step of a lead's history, shaped like a lead for ``staff/status``."""

    at: datetime
    status: str
    assignee: str | None = None


def history(lead: Lead) -> list[Event]:
    """What happened to the lead, in time order (a forced move back leaves later times)."""
    events = [
        Event(lead.created_at, "new"),
        *(
            Event(at, status, lead.assignee if status == "claimed" else None)
            for at, status in (
                (lead.claimed_at, "claimed"),
                (lead.contacted_at, "contacted"),
                (lead.closed_at, "closed"),
            )
            if at is not None
        ),
    ]
    return sorted(events, key=lambda event: event.at)


async def _card(app: App, session: AsyncSession, lead: Lead) -> str:
    """The lead as the office reads it: the staff language, labels, local times."""
    settings, templates = app.settings, app.services.templates
    language = settings.staff_language
    shown = rows(templates, language, lead)
    contact = []
    member = await session.get(Member, lead.member_id) if lead.member_id else None
    if member is not None and member.forgotten_at is None:
        known = {text for _label, text in shown}
        contact = [
            value
            for value in (member.contact_name, member.email, member.phone)
            if value and value not in known
        ]
        contact += (await member_chats(session, {member.id})).get(member.id, [])
    text = templates.render(
        language,
        "staff/lead_details",
        lead=lead,
        rows=shown,
        contact=contact,
        member_language=templates.render(language, "language_name", code=lead.language),
        history=history(lead),
        answers=(await answers_of(session, [lead.id])).get(lead.id, []),
        zone=settings.office_timezone,
    )
    return to_plain(text)


async def _show(settings: Settings, args: argparse.Namespace) -> str:
    async with open_app(settings) as app, app.database.transaction() as session:
        lead = await find_lead(session, args.ref)
        if lead is None:
            raise Refused(f"no lead {args.ref}")
        if args.format == "json":
            answers = (await answers_of(session, [lead.id])).get(lead.id, [])
            shown = {**as_dict(lead), "answers": [answer_dict(row) for row in answers]}
            return json.dumps(shown, indent=2, ensure_ascii=False)
        return await _card(app, session, lead)


def run_show(settings: Settings, args: argparse.Namespace) -> int:
    print(asyncio.run(_show(settings, args)))
    return 0


REFUSALS = {
    "backwards": "is {status} already; moving it back to {wanted} needs --force",
    "taken": "is claimed by {assignee} already; claiming it for someone else needs --force",
}


async def _set_status(settings: Settings, args: argparse.Namespace) -> str:
    async with open_app(settings) as app, app.database.transaction() as session:
        lead = await find_lead(session, args.ref, lock=True)
        if lead is None:
            raise Refused(f"no lead {args.ref}")
        try:
            changed = await set_status(
                session,
                app.services,
                lead,
                args.status,
                by=args.by,
                by_id=args.by_id,
                force=args.force,
            )
        except LeadError as refused:  # explained while the lead is still loaded
            text = REFUSALS.get(refused.reason, refused.reason).format(
                status=lead.status, wanted=args.status, assignee=lead.assignee
            )
            raise Refused(f"{lead.ref} {text}", code=USAGE) from None
        return f"{lead.ref}: {lead.status}" + ("" if changed else " (unchanged)")


def run_set_status(settings: Settings, args: argparse.Namespace) -> int:
    print(asyncio.run(_set_status(settings, args)))
    return 0
