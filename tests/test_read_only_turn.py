"""The Assistant's read-only turn and the one rule for a member's language."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.messages import Incoming
from bot.storage import ChannelIdentity, DialogueState, Member
from bot.turn import Turn


async def _counts(app: Any) -> tuple[int, int, int]:
    async with app.database.transaction() as session:
        return tuple(  # type: ignore[return-value]
            [
                (await session.execute(select(func.count()).select_from(table))).scalar_one()
                for table in (Member, ChannelIdentity, DialogueState)
            ]
        )


async def test_a_read_only_turn_of_a_stranger_writes_nothing(app: Any) -> None:
    async def draw(turn: Turn) -> tuple[str, str | None]:
        return turn.language, turn.member.display_name

    seen = await app.assistant.read_only("slack", "U0NEW", draw, locale="en-GB", display_name="Ada")
    assert seen == ("en", "Ada")
    assert await _counts(app) == (0, 0, 0)


async def test_a_read_only_turn_speaks_the_language_the_member_chose(app: Any) -> None:
    event = Incoming("slack", "U0ADA", "U0ADA", "e1", text="/language en", locale="de-DE")
    await app.assistant.handle(event)
    before = await _counts(app)

    async def draw(turn: Turn) -> str:
        return turn.render("error", code="X")

    english = await app.assistant.read_only("slack", "U0ADA", draw, locale="de-DE")
    assert english == app.services.templates.render("en", "error", code="X")
    assert await _counts(app) == before


def test_the_language_of_someone_unknown_is_the_locale_or_the_default(app: Any) -> None:
    assistant = app.assistant
    assert assistant.language_of(None, locale="en-US") == "en"
    assert assistant.language_of(None, locale="fr-FR") == app.settings.default_language
    chosen = Member(language="en", language_explicit=True)
    assert assistant.language_of(chosen, locale="de-DE", text="Guten Tag, wie geht es?") == "en"
