"""The staff buttons of a lead card: Claim · Contacted · Close (``lead:<verb>:<ref>``).

Channel-agnostic: any channel that carries the action here gets back the updated card as a
``Reply(edit=True)`` to replace the pressed message. Whether the presser is staff is checked
against the configured ids on every press, never remembered.
"""

from __future__ import annotations

import dataclasses

from bot.leads.cards import ACTION_PREFIX, VERB_STATUS, lead_card
from bot.leads.records import LeadError, find_lead, set_status
from bot.messages import Reply
from bot.office.audit import lead_subject, record
from bot.office.staff import StaffMember
from bot.routing import owns
from bot.storage import Lead
from bot.turn import Turn


class StaffActions:
    prefixes = frozenset({ACTION_PREFIX})
    """The buttons of the lead cards, which :func:`bot.leads.cards.card_action` builds."""

    def check(self, turn: Turn) -> bool:
        return owns(self, turn.incoming.action)

    async def handle(self, turn: Turn) -> list[Reply]:
        if not turn.is_staff:
            return [turn.reply("staff/not_staff", notice=True)]
        _, verb, ref = [*(turn.incoming.action or "").split(":", 2), "", ""][:3]
        status = VERB_STATUS.get(verb)
        lead = await find_lead(turn.session, ref, lock=True)
        if status is None or lead is None:
            return [turn.reply("staff/unknown_lead", notice=True, ref=ref)]
        incoming = turn.incoming
        before = lead.status
        try:
            changed = await set_status(
                turn.session,
                turn.services,
                lead,
                status,
                by=incoming.display_name or incoming.user_id,
                by_id=f"{incoming.channel}:{incoming.user_id}",
                updated_in=incoming.channel,
            )
        except LeadError as refused:
            return [
                turn.reply(f"staff/{refused.reason}", notice=True, lead=lead),
                self._card(turn, lead),
            ]
        if changed:
            await _record(turn, lead, before)
        return [self._card(turn, lead)]

    @staticmethod
    def _card(turn: Turn, lead: Lead) -> Reply:
        card = lead_card(turn.services.templates, turn.services.settings, lead)
        return dataclasses.replace(card, edit=True)


async def _record(turn: Turn, lead: Lead, before: str) -> None:
    """The press in the lead's history, as the office records its own buttons: who, what,
    when, and ``via`` the chat it was pressed in, so the lead page's history is complete."""
    incoming = turn.incoming
    presser = StaffMember(
        incoming.channel, incoming.user_id, incoming.display_name or incoming.user_id
    )
    await record(
        turn.session,
        presser,
        f"lead_{lead.status}",
        turn.services.clock(),
        subject=lead_subject(lead.ref),
        before=before,
        after=lead.status,
        via=incoming.channel,
    )
