"""``optobot kb drafts``: answered questions on their way into the knowledge base.

Every answer the office gave to a forwarded question is a draft (question, answer,
language, the entry the matcher thought closest; nothing of the member). The office
lists them, accepts one into an existing entry (``--entry``: its question becomes an
example question) or as a new entry file (``--new``), or rejects it.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from sqlalchemy import select

from bot.cli.errors import USAGE, Refused
from bot.cli.tables import FORMATS, local_time, print_rows
from bot.settings import Settings
from bot.storage import Database, KbDraft, utcnow
from knowledge.drafts import Draft, DraftError, add_question, entry_topic, new_entry

COLUMNS = ("id", "status", "language", "entry", "question", "answer", "created")


def register(actions: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    drafts = actions.add_parser(
        "drafts",
        help="answered questions as drafts for the knowledge base",
        description="List, accept or reject the drafts made from the office's answers.",
    )
    drafts.add_argument("--format", choices=FORMATS, default="table")
    what = drafts.add_subparsers(dest="draft_action", metavar="ACTION")
    accept = what.add_parser("accept", help="take a draft into the knowledge base")
    accept.add_argument("id", type=int, help="the draft's number (see the list)")
    into = accept.add_mutually_exclusive_group(required=True)
    into.add_argument("--entry", help="add the question as an example question of this entry")
    into.add_argument("--new", metavar="ENTRY_ID", help="write a new entry file with this id")
    reject = what.add_parser("reject", help="drop a draft")
    reject.add_argument("id", type=int)


def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.draft_action is None:
        print_rows(asyncio.run(_list(settings)), args.format, columns=COLUMNS, empty="(no drafts)")
        return 0
    print(asyncio.run(_decide(settings, args)))
    return 0


async def _list(settings: Settings) -> list[dict[str, Any]]:
    database = Database(settings.effective_database_url)
    try:
        await database.upgrade()
        async with database.transaction() as session:
            drafts = (await session.execute(select(KbDraft).order_by(KbDraft.id))).scalars()
            return [
                {
                    "id": draft.id,
                    "status": draft.status,
                    "language": draft.language,
                    "entry": draft.result or draft.entry_id,
                    "question": draft.question,
                    "answer": draft.answer,
                    "created": local_time(draft.created_at, settings.office_zone),
                }
                for draft in drafts
            ]
    finally:
        await database.dispose()


async def _decide(settings: Settings, args: argparse.Namespace) -> str:
    database = Database(settings.effective_database_url)
    try:
        await database.upgrade()
        async with database.transaction() as session:
            draft = await session.get(KbDraft, args.id)
            if draft is None:
                raise Refused(f"no draft {args.id}", code=USAGE)
            if draft.status != "open":
                raise Refused(f"draft {args.id} is {draft.status} already", code=USAGE)
            draft.decided_at = utcnow()
            if args.draft_action == "reject":
                draft.status = "rejected"
                return f"draft {draft.id} rejected"
            entries = settings.knowledge_dir / "entries"
            try:
                if args.entry:
                    path = add_question(entries, args.entry, draft.question, draft.language)
                    said = f"question added to {path}; `optobot kb check` checks it"
                else:
                    path = new_entry(
                        entries,
                        args.new,
                        Draft(draft.question, draft.answer, draft.language, draft.entry_id),
                        topic=entry_topic(entries, draft.entry_id),
                        reviewed=draft.decided_at.date(),
                    )
                    said = (
                        f"{path} written; its other language is marked TO WRITE and "
                        "`optobot kb check` fails until the office has written it"
                    )
            except DraftError as refused:
                raise Refused(str(refused), code=USAGE) from None
            draft.status, draft.result = "accepted", path.stem
            return f"draft {draft.id} accepted: {said}"
    finally:
        await database.dispose()
