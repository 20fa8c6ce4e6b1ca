"""``optobot db upgrade``: apply the migrations (``serve`` and ``chat`` do it on start too)."""

from __future__ import annotations

import argparse
import asyncio

from bot.settings import Settings
from bot.storage import Database


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = commands.add_parser(
        "db", help="database maintenance", description="Database maintenance."
    )
    actions = command.add_subparsers(dest="action", required=True, metavar="ACTION")
    upgrade = actions.add_parser(
        "upgrade", help="apply all migrations", description="Bring the schema up to date."
    )
    upgrade.set_defaults(run=run_upgrade)


def run_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    async def upgrade() -> None:
        database = Database(settings.effective_database_url)
        try:
            await database.upgrade()
        finally:
            await database.dispose()

    asyncio.run(upgrade())
    print(f"database is up to date: {_safe_url(settings.effective_database_url)}")
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
