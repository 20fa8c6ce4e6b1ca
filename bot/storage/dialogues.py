"""The rows every event touches first: its id and the member's dialogue, with prebuilt Core.

Every event records its id and reads the dialogue row, and most write the row back, so
this is the hottest data in the assistant. A plain :class:`Dialogue` and statements built
once per dialect skip the ORM's identity map, statement building and unit of work on that
path. On PostgreSQL the event id and the row are one statement (a data-modifying ``WITH``),
the message count of the rate limit is kept by that same statement, only the columns a
handler changed are written back, and a turn that changed nothing writes nothing.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import BindParameter, Column, bindparam, case, literal, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert, Update

from bot.storage.database import INSERTS, dialect
from bot.storage.models import Base, DialogueState, ProcessedEvent

_TABLE = Base.metadata.tables[DialogueState.__tablename__]  # a Table; __table__ is typed
_EVENTS = Base.metadata.tables[ProcessedEvent.__tablename__]  # as any FromClause
_KEY = ("channel", "chat_id", "user_id")
Counted = Literal["message", "press"] | None
"""Which rate-limit budget an event draws on, if any."""


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
    press_window_start: datetime | None = None
    press_count: int = 0
    choices: list[Any] | None = None
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
    session: AsyncSession,
    channel: str,
    chat_id: str,
    user_id: str,
    now: datetime,
    *,
    event_id: str,
    counted: Counted = None,
    window: timedelta,
) -> Dialogue | None:
    """Record the event and return the member's row, created if new; None when the event
    was recorded before (a redelivery, or a retry that reached another worker).

    On PostgreSQL the row stays locked until the transaction ends (``ON CONFLICT DO
    UPDATE`` takes the lock ``FOR UPDATE`` would), so two workers cannot interleave one
    member's turns; SQLite serialises its writers anyway. A ``counted`` message adds one to
    ``rate_count``, which starts again at one when the ``window`` since
    ``rate_window_start`` has passed; a counted press does the same to ``press_count``.
    """
    values = {
        "channel_": channel,
        "chat_id_": chat_id,
        "user_id_": user_id,
        "event_id_": event_id,
        "now_": now,
        "data_": {},
        "count_": 1 if counted == "message" else 0,
        "start_": now if counted == "message" else None,
        "press_": 1 if counted == "press" else 0,
        "press_start_": now if counted == "press" else None,
        "cutoff_": now - window,
    }
    backend = dialect(session)
    if backend != "postgresql" and not await record_event(session, channel, event_id, now):
        return None
    row = (await session.execute(_open(backend), values)).one_or_none()
    if row is None:  # PostgreSQL: the event's insert found its id and gave no row
        return None
    dialogue = Dialogue(**{name: row._mapping[name] for name in ("id", *_WRITABLE)})
    dialogue._loaded = _snapshot(dialogue)
    return dialogue


async def record_event(session: AsyncSession, channel: str, event_id: str, now: datetime) -> bool:
    """Record an event's id; False when it was recorded before (a redelivery)."""
    values = {"channel_": channel, "event_id_": event_id, "now_": now}
    recorded = await session.execute(_record_event(dialect(session)), values)
    return recorded.scalar_one_or_none() is not None


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


def _param(name: str, column: Column[Any]) -> BindParameter[Any]:
    """A value with its column's type, so asyncpg is told what it is."""
    return bindparam(name, type_=column.type)


@functools.cache
def _record_event(backend: str) -> ReturningInsert[Any]:
    c = _EVENTS.c
    return (
        INSERTS[backend](_EVENTS)
        .values(
            channel=_param("channel_", c.channel),
            event_id=_param("event_id_", c.event_id),
            created_at=_param("now_", c.created_at),
        )
        .on_conflict_do_nothing()
        .returning(c.id)
    )


@functools.cache
def _open(backend: str) -> ReturningInsert[*tuple[Any, ...]]:
    """The row's upsert; on PostgreSQL it inserts only when the event's insert did."""
    c = _TABLE.c
    new = select(
        _param("channel_", c.channel),
        _param("chat_id_", c.chat_id),
        _param("user_id_", c.user_id),
        _param("data_", c.data),
        literal(0, c.version.type),
        _param("count_", c.rate_count),
        _param("start_", c.rate_window_start),
        _param("press_", c.press_count),
        _param("press_start_", c.press_window_start),
        _param("now_", c.updated_at),
    )
    event = _record_event(backend).cte("event") if backend == "postgresql" else None
    if event is not None:
        new = new.select_from(event)
    columns = [
        *_KEY,
        "data",
        "version",
        "rate_count",
        "rate_window_start",
        "press_count",
        "press_window_start",
        "updated_at",
    ]
    # WHERE true: SQLite's parser needs it between an INSERT's SELECT and ON CONFLICT
    upsert = INSERTS[backend](_TABLE).from_select(columns, new.where(true()))
    statement = upsert.on_conflict_do_update(
        index_elements=list(_KEY),
        set_={
            **_counting(upsert, "rate_count", "rate_window_start"),
            **_counting(upsert, "press_count", "press_window_start"),
        },
    ).returning(*_TABLE.c)
    return statement.add_cte(event) if event is not None else statement


def _counting(statement: Any, count: str, start: str) -> dict[str, Any]:
    """One budget's counter: one more when counted, one again when its window passed."""
    c = _TABLE.c
    counted = statement.excluded[count] > 0
    passed = or_(c[start].is_(None), c[start] <= _param("cutoff_", c[start]))
    return {
        start: case((counted & passed, statement.excluded[start]), else_=c[start]),
        count: case((~counted, c[count]), (passed, 1), else_=c[count] + 1),
    }


_UPDATE: Update = update(_TABLE).where(_TABLE.c.id == bindparam("dialogue_id"))
