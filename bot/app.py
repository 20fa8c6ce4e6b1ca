"""Putting the assistant together: database, templates, forms, handlers, Assistant."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from bot.assistant import Assistant
from bot.curation.reload import reloader
from bot.forms import FormEngine
from bot.private_files import private_directory
from bot.routing import Router
from bot.settings import Settings
from bot.storage import Database, utcnow
from bot.templates import Templates
from bot.turn import Services
from handlers import build_handlers
from handlers.office import OfficeSignIn
from knowledge.base import KnowledgeBase

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    services: Services
    assistant: Assistant

    @property
    def database(self) -> Database:
        return self.services.database


async def build_app(
    settings: Settings, *, clock: Callable[[], datetime] = utcnow, migrate: bool = True
) -> App:
    private_directory(settings.data_dir)
    database = Database(settings.effective_database_url)
    if migrate:
        await database.upgrade()
    templates = Templates(office=settings.office)
    knowledge = KnowledgeBase(
        settings.knowledge_dir / "entries", vectors=settings.data_dir / "knowledge-vectors.npz"
    )
    services = Services(settings, templates, database, knowledge, FormEngine(), clock=clock)
    if migrate:  # the office's saved versions, served from the first answer on
        await reloader(services).refresh()
    handlers = [OfficeSignIn(), *build_handlers(services)]  # /office: the web app's sign-in
    services.router = Router(handlers)
    assistant = Assistant(services)
    return App(settings, services, assistant)


@asynccontextmanager
async def open_app(
    settings: Settings, *, clock: Callable[[], datetime] = utcnow, migrate: bool = True
) -> AsyncIterator[App]:
    app = await build_app(settings, clock=clock, migrate=migrate)
    try:
        yield app
    finally:
        await app.database.dispose()
