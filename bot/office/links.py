"""The one-time sign-in link a staff member gets from ``/office`` in the chat or the CLI."""

from __future__ import annotations

import socket

from sqlalchemy.ext.asyncio import AsyncSession

from bot.office.staff import NotStaff, StaffMember, is_configured
from bot.office.tokens import new_link
from bot.settings import Settings
from bot.turn import Services

PREFIX = "/office"


def base_url(settings: Settings) -> str:
    """``OPTOBOT_PUBLIC_URL``, else the address the HTTP server listens on."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = settings.http_host
    if host in ("0.0.0.0", "::", ""):
        host = socket.getfqdn()
    return f"http://{host}:{settings.http_port}"


def secure_cookies(settings: Settings) -> bool:
    return (settings.public_url or "").lower().startswith("https://")


async def sign_in_link(session: AsyncSession, services: Services, staff: StaffMember) -> str:
    """A link that signs ``staff`` in once within 15 minutes; NotStaff for anyone else."""
    if not is_configured(services.settings, staff.key):
        raise NotStaff(f"{staff.key} is not in OPTOBOT_STAFF_TELEGRAM_IDS/OPTOBOT_STAFF_SLACK_IDS")
    token = await new_link(session, staff, services.clock())
    return f"{base_url(services.settings)}{PREFIX}/signin/{token}"
