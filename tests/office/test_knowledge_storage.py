"""The office's entry versions on every backend (SQLite, and PostgreSQL when the run has
it): saved, served by another worker after its reload and after a restart, retired,
restored; a save with a problem stores nothing."""

from __future__ import annotations

from typing import Any

from bot.curation.reload import reloader
from bot.curation.versions import Refused, entry_data, entry_text, history, latest, save, stamp
from bot.storage import KnowledgeVersion
from knowledge.entries import entry_as_dict
from tests.office.support import STAFF, SVEN


def unrelated(app: Any) -> str:
    """An entry no other entry names as related: one that can be retired."""
    entries = app.services.knowledge.entries
    named = {other for entry in entries.values() for other in entry.related}
    return sorted(set(entries) - named)[0]


async def test_versions_reach_every_worker_and_survive_a_restart(
    make_app: Any, database_url: str
) -> None:
    one = await make_app(**STAFF, database_url=database_url)
    two = await make_app(**STAFF, database_url=database_url)
    entry_id = unrelated(one)
    data = entry_as_dict(one.services.knowledge.get(entry_id))
    data["en"]["title"] = "entry_id, version one"  # the title of whichever entry it is
    async with one.database.transaction() as session:
        first = await save(
            session, one.services.knowledge, entry_id, entry_text(data), SVEN, one.services.clock()
        )
    assert isinstance(first, KnowledgeVersion) and first.version == 1
    assert await reloader(two.services).refresh()
    assert two.services.knowledge.get(entry_id).text("en").title == "entry_id, version one"
    assert not await reloader(two.services).refresh()  # nothing new: no rebuild

    async with two.database.transaction() as session:
        retired = await save(
            session, two.services.knowledge, entry_id, None, SVEN, two.services.clock()
        )
    assert isinstance(retired, KnowledgeVersion) and retired.retired
    assert await reloader(two.services).refresh() and await reloader(one.services).refresh()
    assert (
        one.services.knowledge.get(entry_id) is None
        and two.services.knowledge.get(entry_id) is None
    )

    restarted = await make_app(**STAFF, database_url=database_url)
    assert restarted.services.knowledge.get(entry_id) is None
    async with restarted.database.transaction() as session:
        rows = list(await history(session, entry_id))
        assert [row.version for row in rows] == [2, 1]
        again = await save(
            session,
            restarted.services.knowledge,
            entry_id,
            rows[1].text,
            SVEN,
            restarted.services.clock(),
        )
        assert isinstance(again, KnowledgeVersion) and again.version == 3
        assert (await latest(session))[entry_id].version == 3 and await stamp(session) == again.id
    assert await reloader(one.services).refresh()
    assert one.services.knowledge.get(entry_id).text("en").title == "entry_id, version one"
    assert entry_data(again.text)["en"]["title"] == "entry_id, version one"


async def test_a_refused_save_stores_nothing(make_app: Any, database_url: str) -> None:
    app = await make_app(**STAFF, database_url=database_url)
    data = entry_as_dict(app.services.knowledge.get("ip-nda"))
    data["en"]["answer"] = ""
    data["related"] = ["no-such-entry"]
    async with app.database.transaction() as session:
        refused = await save(
            session, app.services.knowledge, "ip-nda", entry_text(data), SVEN, app.services.clock()
        )
        assert isinstance(refused, Refused) and "en.answer" in refused.problems
        assert await latest(session) == {}
