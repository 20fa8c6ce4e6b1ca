"""Who may use the office: a staff id of the settings, written ``telegram:123`` or ``slack:U01``."""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import Settings

CHANNELS = ("telegram", "slack")


class NotStaff(ValueError):
    """The id is not of the form ``telegram:ID``/``slack:ID`` or is not configured as staff."""


@dataclass(frozen=True)
class StaffMember:
    """A signed-in (or signing-in) staff member; ``key`` is what the audit log records."""

    channel: str
    user_id: str
    name: str

    @property
    def key(self) -> str:
        return f"{self.channel}:{self.user_id}"


def staff_of(key: str, name: str) -> StaffMember:
    channel, user_id = parse_staff(key)
    return StaffMember(channel, user_id, name)


def parse_staff(text: str) -> tuple[str, str]:
    channel, _, user_id = text.strip().partition(":")
    if channel not in CHANNELS or not user_id.strip():
        raise NotStaff(f"{text!r} is not telegram:ID or slack:ID")
    return channel, user_id.strip()


def is_configured(settings: Settings, key: str) -> bool:
    """Checked at every request, so removing an id from the settings ends its sessions."""
    try:
        channel, user_id = parse_staff(key)
    except NotStaff:
        return False
    ids = settings.staff_telegram_ids if channel == "telegram" else settings.staff_slack_ids
    return user_id in ids
