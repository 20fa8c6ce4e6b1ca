"""The dialogue row of a turn, read and written with prebuilt Core statements.

Every event reads this row and most write it back, so it is the hottest data in the
assistant. A plain :class:`Dialogue` and two statements built once per dialect skip the
ORM's identity map, statement building and unit of work on that path; only the columns a
handler changed are written, and a turn that changed nothing writes nothing.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Update

from bot.storage.database import INSERTS, dialect
from bot.storage.models import DialogueState

_TABLE = DialogueState.__table__
_KEY = ("channel", "chat_id", "user_id")


@dataclass
class Dialogue:
    """Where one member stands in one chat; see :class:`~bot.storage.DialogueState`."""

    id: int | None = None
    form: str | None = None
    step: str | None = None
    mode: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    updated_at: datetime | None = None
    rate_window_start: datetime | None = None
    rate_count: int = 0
    _loaded: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def changes(self) -> dict[str, Any]:
        """The columns that differ from what was read."""
        return {
            name: value
            for name in _WRITABLE
            if (value := getattr(self, name)) != self._loaded.get(name)
        }


_WRITABLE = tuple(f.name for f in fields(Dialogue) if f.name not in ("id", "_loaded"))


async def open_dialogue(
    session: AsyncSession, channel: str, chat_id: str, user_id: str, now: datetime
) -> Dialogue:
    """The member's row, created if new; on PostgreSQL locked until the transaction ends
    (``ON CONFLICT DO UPDATE`` takes the row lock ``FOR UPDATE`` would), so two workers
    cannot interleave one member's turns. SQLite serialises its writers anyway."""
    row = {
        "channel": channel,
        "chat_id": chat_id,
        "user_id": user_id,
        "data": {},
        "version": 0,
        "rate_count": 0,
        "updated_at": now,
    }
    result = await session.execute(_upsert(dialect(session)), row)
    values = dict(result.one()._mapping)
    dialogue = Dialogue(**{name: values[name] for name in ("id", *_WRITABLE)})
    dialogue._loaded = _snapshot(dialogue)
    return dialogue


async def save_dialogue(session: AsyncSession, dialogue: Dialogue) -> None:
    """Write what the turn changed; the row may be gone (a member who asked to be
    forgotten), which leaves nothing to update."""
    changes = dialogue.changes()
    if changes and dialogue.id is not None:
        await session.execute(_UPDATE, {"dialogue_id": dialogue.id, **changes})


def _snapshot(dialogue: Dialogue) -> dict[str, Any]:
    """The values to compare against at save; the answers are copied, since a handler
    might change them in place."""
    values = {name: getattr(dialogue, name) for name in _WRITABLE}
    values["data"] = copy.deepcopy(dialogue.data)
    return values


@functools.cache
def _upsert(backend: str) -> postgresql.Insert | sqlite.Insert:
    return (
        INSERTS[backend](_TABLE)
        .on_conflict_do_update(index_elements=list(_KEY), set_={"version": _TABLE.c.version})
        .returning(*_TABLE.c)
    )


_UPDATE: Update = update(_TABLE).where(_TABLE.c.id == bindparam("dialogue_id"))
