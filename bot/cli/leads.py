"""``optobot leads list|show|set-status``: the office's view of ideas and forwarded questions."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from typing import Any

from sqlalchemy import select

from bot.app import open_app
from bot.cli.csv_export import write_csv
from bot.leads import KINDS, STATUSES, LeadError, find_lead, set_status
from bot.settings import Settings
from bot.storage import Lead

COLUMNS = ("ref", "kind", "status", "created", "assignee", "organisation", "title")


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser(
        "leads", help="list, show and update leads", description="Project ideas and questions."
    )
    actions = command.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="list leads, newest first")
    listing.add_argument("--status", choices=STATUSES)
    listing.add_argument("--kind", choices=sorted(KINDS))
    listing.add_argument("--format", choices=["table", "json", "csv"], default="table")
    listing.set_defaults(run=run_list)
    show = actions.add_parser("show", help="all fields of one lead")
    show.add_argument("ref", metavar="ID", help="e.g. IDEA-2026-0007")
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
        " (default with --by: cli:<your login>)",
    )
    status.add_argument("--force", action="store_true", help="also move a lead backwards")
    status.set_defaults(run=run_set_status)


def _staff_id(text: str) -> str:
    channel, _, user = text.partition(":")
    if channel not in ("telegram", "slack", "cli") or not user or user != user.strip():
        raise argparse.ArgumentTypeError("telegram:USER_ID, slack:USER_ID or cli:NAME")
    return text


def as_dict(lead: Lead) -> dict[str, Any]:
    return {
        "ref": lead.ref,
        "kind": lead.kind,
        "status": lead.status,
        "assignee": lead.assignee,
        "assignee_id": lead.assignee_id,
        "channel": lead.channel,
        "language": lead.language,
        "created_at": lead.created_at.isoformat(),
        "claimed_at": lead.claimed_at.isoformat() if lead.claimed_at else None,
        "contacted_at": lead.contacted_at.isoformat() if lead.contacted_at else None,
        "closed_at": lead.closed_at.isoformat() if lead.closed_at else None,
        "consent_at": lead.consent_at.isoformat() if lead.consent_at else None,
        "fields": {k: v for k, v in lead.fields.items() if not k.startswith("_")},
    }


def _row(lead: Lead) -> dict[str, str]:
    title = lead.fields.get("title") or lead.fields.get("question") or ""
    return {
        "ref": lead.ref,
        "kind": lead.kind,
        "status": lead.status,
        "created": lead.created_at.strftime("%Y-%m-%d %H:%M"),
        "assignee": lead.assignee or "",
        "organisation": str(lead.fields.get("organisation") or ""),
        "title": str(title)[:60],
    }


async def _leads(settings: Settings, args: argparse.Namespace) -> list[Lead]:
    async with open_app(settings) as app, app.database.transaction() as session:
        query = select(Lead).order_by(Lead.created_at.desc(), Lead.id.desc())
        if args.status:
            query = query.where(Lead.status == args.status)
        if args.kind:
            query = query.where(Lead.kind == args.kind)
        return list((await session.execute(query)).scalars())


def run_list(settings: Settings, args: argparse.Namespace) -> int:
    leads = asyncio.run(_leads(settings, args))
    if args.format == "json":
        print(json.dumps([as_dict(lead) for lead in leads], indent=2, ensure_ascii=False))
    elif args.format == "csv":
        write_csv(sys.stdout, COLUMNS, (_row(lead) for lead in leads))
    else:
        rows = [_row(lead) for lead in leads]
        widths = {c: max([len(c), *(len(r[c]) for r in rows)]) for c in COLUMNS}
        print("  ".join(c.upper().ljust(widths[c]) for c in COLUMNS).rstrip())
        for row in rows:
            print("  ".join(row[c].ljust(widths[c]) for c in COLUMNS).rstrip())
        if not rows:
            print("(no leads)")
    return 0


async def _show(settings: Settings, ref: str) -> dict[str, Any] | None:
    async with open_app(settings) as app, app.database.transaction() as session:
        lead = await find_lead(session, ref)
        return as_dict(lead) if lead else None


def run_show(settings: Settings, args: argparse.Namespace) -> int:
    shown = asyncio.run(_show(settings, args.ref))
    if shown is None:
        print(f"optobot leads: no lead {args.ref}", file=sys.stderr)
        return 1
    print(json.dumps(shown, indent=2, ensure_ascii=False))
    return 0


async def _set_status(settings: Settings, args: argparse.Namespace) -> str:
    async with open_app(settings) as app, app.database.transaction() as session:
        lead = await find_lead(session, args.ref, lock=True)
        if lead is None:
            return f"no lead {args.ref}"
        by_id = args.by_id or (f"cli:{getpass.getuser()}" if args.by else None)
        changed = await set_status(
            session, app.services, lead, args.status, by=args.by, by_id=by_id, force=args.force
        )
        return f"{lead.ref}: {lead.status}" + ("" if changed else " (unchanged)")


def run_set_status(settings: Settings, args: argparse.Namespace) -> int:
    try:
        message = asyncio.run(_set_status(settings, args))
    except LeadError as refused:
        reasons = {
            "backwards": "cannot move back from {status} (use --force)",
            "taken": "already claimed by {assignee} (use --force)",
        }
        lead = refused.lead
        text = reasons.get(refused.reason, refused.reason).format(
            status=lead.status if lead else "?", assignee=lead.assignee if lead else "?"
        )
        print(f"optobot leads: {args.ref}: {text}", file=sys.stderr)
        return 1
    if message.startswith("no lead"):
        print(f"optobot leads: {message}", file=sys.stderr)
        return 1
    print(message)
    return 0
