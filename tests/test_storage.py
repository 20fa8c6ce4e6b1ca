"""The schema comes from the migrations, the same on SQLite and PostgreSQL."""

from sqlalchemy import inspect

from bot.storage import Base, Database


async def test_migrations_create_every_table_and_run_twice(database_url: str) -> None:
    database = Database(database_url)
    try:
        await database.upgrade()
        await database.upgrade()
        async with database.engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    finally:
        await database.dispose()
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


async def test_models_and_migrations_agree(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    database = Database(database_url)
    try:
        await database.upgrade()
        async with database.engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
    finally:
        await database.dispose()
    assert diff == []


async def test_issue_24_migration_0002_moves_members_chats_out_of_groups(
    database_url: str,
) -> None:
    """Members first seen in a group had the group stored as their chat."""
    from alembic import command
    from sqlalchemy import text

    from bot.storage.database import alembic_config

    database = Database(database_url)
    rows = [
        ("telegram", "10001", "-1001000000001"),
        ("telegram", "10002", "10002"),
        ("slack", "U1", "C0001"),
        ("slack", "U2", "G0002"),
        ("slack", "U3", "D0003"),
        ("console", "anke", "anke"),
    ]
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "0001"))
            for number, (channel, user, chat) in enumerate(rows, 1):
                await connection.execute(
                    text(
                        "INSERT INTO members (id, language_explicit, announcements, created_at)"
                        " VALUES (:id, false, false, CURRENT_TIMESTAMP)"
                    ),
                    {"id": number},
                )
                await connection.execute(
                    text(
                        "INSERT INTO channel_identities (channel, user_id, chat_id, member_id,"
                        " created_at) VALUES (:channel, :user, :chat, :id, CURRENT_TIMESTAMP)"
                    ),
                    {"channel": channel, "user": user, "chat": chat, "id": number},
                )
        await database.upgrade()
        async with database.engine.connect() as connection:
            result = await connection.execute(
                text("SELECT user_id, chat_id FROM channel_identities")
            )
            chats = {user: chat for user, chat in result.all()}
    finally:
        await database.dispose()
    assert chats == {
        "10001": "10001",
        "10002": "10002",
        "U1": "U1",
        "U2": "U2",
        "U3": "D0003",
        "anke": "anke",
    }
