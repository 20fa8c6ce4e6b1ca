"""What the office receives about a lead, per target, in the staff language.

Slack and Telegram get the card as a serialised :class:`~bot.messages.Reply` (Markdown and
the Claim · Contacted · Close buttons) that the channel's Sender renders and escapes for its
platform; e-mail gets a subject, plain text and HTML (autoescaped). Member text always goes
into the Markdown through the ``md`` filter, so it arrives literally on every target.
"""

from __future__ import annotations

import re
import secrets
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.outbox import replies_to_json
from bot.delivery.staff import enqueue_for_staff, is_chat, staff_chat
from bot.markdown import to_plain
from bot.messages import Choice, Reply
from bot.settings import Settings
from bot.storage import Lead, OutboxMessage
from bot.templates import Templates
from bot.turn import Services

ACTION_PREFIX = "lead:"
"""The start of the card buttons' actions (:func:`card_action`)."""
BUTTONS = {
    "new": ("claim", "contacted", "close"),
    "claimed": ("contacted", "close"),
    "answered": ("contacted", "close"),
    "contacted": ("close",),
    "closed": (),
}
VERB_STATUS = {"claim": "claimed", "contacted": "contacted", "close": "closed"}
CARD_EDIT = "lead_card"
"""The kind of the outbox rows that edit a card already sent."""
PLAIN_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)*\.[a-zA-Z]{2,}$")
"""Only addresses this plain become a mailto link; anything else is shown as text."""


def rows(templates: Templates, language: str, lead: Lead) -> list[tuple[str, str]]:
    """The lead's fields as (label, text): the snapshot taken at submission, else raw."""
    if lead.fields.get("_display"):
        return [(str(label), str(text)) for *_, label, text in lead.fields["_display"]]
    shown = []
    for name, value in lead.fields.items():
        if name.startswith("_") or value in (None, "", []):
            continue
        label = (
            templates.render_block(language, "staff/labels", f"label_{name}")
            if templates.has_block(language, "staff/labels", f"label_{name}")
            else name
        )
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        shown.append((label, text))
    return shown


def _context(templates: Templates, settings: Settings, lead: Lead) -> dict[str, Any]:
    language = settings.staff_language
    email = str(lead.fields.get("email") or "")
    return {
        "lead": lead,
        "rows": rows(templates, language, lead),
        "member_language": templates.render(language, "language_name", code=lead.language),
        "mailto": email if PLAIN_EMAIL.match(email) else None,
    }


def card_action(verb: str, ref: str) -> str:
    """A button of a lead card (``claim``, ``contacted``, ``close``), the staff handler's."""
    return f"{ACTION_PREFIX}{verb}:{ref}"


def lead_card(templates: Templates, settings: Settings, lead: Lead) -> Reply:
    """The staff message of a lead, with the buttons its status still allows."""
    language = settings.staff_language
    text = templates.render(language, "staff/lead", **_context(templates, settings, lead))
    choices = tuple(
        Choice(templates.render(language, f"staff/button_{verb}"), card_action(verb, lead.ref))
        for verb in BUTTONS[lead.status]
    )
    return Reply(text, choices)


@cache
def _html_environment(directories: tuple[str, ...]) -> Environment:
    """E-mail HTML needs HTML escaping, not Markdown escaping: its own environment."""
    return Environment(
        loader=FileSystemLoader(directories),
        undefined=StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def lead_email(templates: Templates, settings: Settings, lead: Lead) -> dict[str, str]:
    language = settings.staff_language
    context = _context(templates, settings, lead)
    card = templates.render(language, "staff/lead", **context)
    footer = templates.render(language, "email/lead_footer", **context)
    html = _html_environment(tuple(str(d) for d in templates.directories)).get_template(
        f"{language}/email/lead_html.j2"
    )
    return {
        "to": settings.office_email or "",
        "subject": templates.render(language, "email/lead_subject", **context),
        "text": to_plain(f"{card}\n\n{footer}"),
        "html": html.render(lang=language, office=settings.office, **context),
        "reply_to": context["mailto"] or "",
    }


def lead_key(ref: str) -> str:
    """The outbox key of a lead's cards; every other message about the lead (an edit of a
    card, a note to the member) has a key that starts with it and a colon."""
    return f"lead:{ref}"


def lead_messages(lead: str) -> Select[OutboxMessage]:
    """The outbox rows about the lead keyed ``lead``, but its cards themselves."""
    return select(OutboxMessage).where(OutboxMessage.key.startswith(f"{lead}:", autoescape=True))


def card_key(ref: str, target: str) -> str:
    """The outbox key of a lead's card in a staff chat, which its edits name in ``replaces``."""
    return f"{lead_key(ref)}:{target}"


def card_edits(card: str) -> Select[OutboxMessage]:
    """The outbox rows that edit the card keyed ``card``: messages about its lead, of the
    edit kind, to the card's chat."""
    lead, _, target = card.rpartition(":")
    return lead_messages(lead).where(
        OutboxMessage.kind == CARD_EDIT, OutboxMessage.target == target
    )


def staff_payload(
    templates: Templates, settings: Settings, lead: Lead, target: str
) -> dict[str, Any]:
    if target == "email":
        return lead_email(templates, settings, lead)
    return {
        "channel": target,
        "chat_id": staff_chat(settings, target),
        "replies": replies_to_json([lead_card(templates, settings, lead)]),
    }


async def update_staff_cards(
    session: AsyncSession, services: Services, lead: Lead, *, updated_in: str | None = None
) -> list[str]:
    """After a status change, the card in every staff chat shows it.

    Each update is a row of its own, which the worker turns into an edit of the card's
    message (``replaces``) once that was sent, in the order the edits were made. The chat
    the button was pressed in (``updated_in``) has its card edited by its channel at once
    and gets a row only while an earlier edit of that card still waits: that one may land
    after the channel's edit, and the row puts the new status back on top.
    """
    settings = services.settings
    targets = [
        target
        for target in settings.staff_targets()
        if is_chat(target) and (target != updated_in or await _edit_waiting(session, lead, target))
    ]
    return await enqueue_for_staff(
        session,
        settings,
        lambda target: {
            **staff_payload(services.templates, settings, lead, target),
            "replaces": card_key(lead.ref, target),
        },
        key=f"{lead_key(lead.ref)}:{lead.status}:{secrets.token_hex(4)}",
        kind=CARD_EDIT,
        due=services.clock(),
        targets=targets,
    )


async def _edit_waiting(session: AsyncSession, lead: Lead, target: str) -> bool:
    query = card_edits(card_key(lead.ref, target)).where(OutboxMessage.status == "pending")
    return (await session.execute(query.limit(1))).first() is not None


async def notify_staff(session: AsyncSession, services: Services, lead: Lead) -> list[str]:
    """The lead's card to every configured target, once."""
    return await enqueue_for_staff(
        session,
        services.settings,
        lambda target: staff_payload(services.templates, services.settings, lead, target),
        key=lead_key(lead.ref),
        kind=f"lead_{lead.kind}",
        due=services.clock(),
    )
