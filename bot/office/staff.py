"""Who may use the office: a staff id of the settings, written ``telegram:123`` or ``slack:U01``."""

from __future__ import annotations

from dataclasses import dataclass

from bot.channels import registry
from bot.settings import Settings


class NotStaff(ValueError):
    """The id is not of the form ``<channel>:ID`` (``telegram:123``, ``slack:U01``) or is not
    configured as staff."""


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
    if registry.find(channel) is None or not user_id.strip():
        forms = " or ".join(f"{spec.name}:ID" for spec in registry.specs())
        raise NotStaff(f"{text!r} is not {forms}")
    return channel, user_id.strip()


def is_configured(settings: Settings, key: str) -> bool:
    """Checked at every request, so removing an id from the settings ends its sessions."""
    try:
        channel, user_id = parse_staff(key)
    except NotStaff:
        return False
    spec = registry.find(channel)
    return spec is not None and user_id in spec.staff_ids(settings)
