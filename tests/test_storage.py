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
