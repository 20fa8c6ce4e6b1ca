"""Leads as the office reads them: filtered, and every field in words of the page's language.

Labels and options come from the templates the member was asked with (``forms/idea``) and
the staff labels; a value no template names (free text) is shown as the member wrote it.
The few hundred leads of an office are filtered here rather than in SQL, because regions
live in the lead's JSON fields, which SQLite and PostgreSQL query differently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.leads.records import KINDS, STATUSES
from bot.storage import Lead, Member
from bot.turn import Services
from handlers.ideas import STEPS

IDEA_FORM = "forms/idea"
WORDS = "office/words"


def _fixed_options(name: str) -> tuple[str, ...]:
    """The choices of an idea-form step, which the office filters by: fixed ones only."""
    options = next(step.options for step in STEPS if step.name == name)
    if callable(options):
        raise TypeError(f"the idea form's {name!r} step has no fixed options to filter by")
    return tuple(options)


FIELDS = _fixed_options("field")
REGIONS = _fixed_options("regions")
HIDDEN = {"decision", "entry"}
"""Fields of a forwarded question that are the assistant's internals, not the member's."""


@dataclass(frozen=True)
class LeadFilter:
    status: str = ""
    kind: str = ""
    region: str = ""
    field: str = ""
    search: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> LeadFilter:
        def pick(name: str, allowed: Sequence[str]) -> str:
            value = query.get(name, "")
            return value if value in allowed else ""

        return cls(
            status=pick("status", STATUSES),
            kind=pick("kind", tuple(KINDS)),
            region=pick("region", tuple(REGIONS)),
            field=pick("field", tuple(FIELDS)),
            search=query.get("q", "").strip()[:200],
        )

    def query(self) -> dict[str, str]:
        """The filter as query parameters (the CSV link carries the same)."""
        values = {
            "status": self.status,
            "kind": self.kind,
            "region": self.region,
            "field": self.field,
            "q": self.search,
        }
        return {name: value for name, value in values.items() if value}

    def matches(self, lead: Lead, member_name: str) -> bool:
        fields = lead.fields
        regions = fields.get("regions") or []
        if self.region and self.region not in (regions if isinstance(regions, list) else []):
            return False
        if self.field and fields.get("field") != self.field:
            return False
        if self.search:
            haystack = " ".join(
                str(value)
                for value in (
                    lead.ref,
                    lead.assignee,
                    member_name,
                    *(v for k, v in fields.items() if not k.startswith("_")),
                )
                if value
            )
            return self.search.casefold() in haystack.casefold()
        return True


@dataclass(frozen=True)
class LeadRow:
    """One lead of the list, with the words for its codes."""

    lead: Lead
    title: str
    kind: str
    status: str
    member: str
    organisation: str
    regions: str
    field: str


class Words:
    """The office's words for codes and fields in one language."""

    def __init__(self, services: Services, language: str) -> None:
        self.templates = services.templates
        self.knowledge = services.knowledge
        self.language = language

    def block(self, name: str, block: str) -> str | None:
        if self.templates.has_block(self.language, name, block):
            return self.templates.render_block(self.language, name, block)
        return None

    def word(self, block: str) -> str:
        return self.block(WORDS, block) or block

    def option(self, field: str, value: Any) -> str | None:
        """An answer chosen from the form's options, in words; None for free text."""
        values = value if isinstance(value, list) else [value]
        words = [self._option(field, str(v)) for v in values]
        if not values or any(w is None for w in words):
            return None
        return ", ".join(w for w in words if w)

    def _option(self, field: str, value: str) -> str | None:
        if field == "funding" and self.knowledge is not None:
            entry = self.knowledge.entries.get(value)
            if entry is not None:
                return entry.text(self.language).title
        return self.block(IDEA_FORM, f"opt_{field}_{value}")

    def label(self, lead: Lead, field: str, frozen: str) -> str:
        if lead.kind == "idea":
            found = self.block(IDEA_FORM, f"label_{field}")
            if found:
                return found
        return self.block("staff/labels", f"label_{field}") or frozen

    def rows(self, lead: Lead) -> list[tuple[str, str]]:
        """Every field of the lead as (label, text); the submission's snapshot gives the
        order and the text of free answers."""
        shown = lead.fields.get("_display") or [
            [name, name, value]
            for name, value in lead.fields.items()
            if not name.startswith("_") and name not in HIDDEN
        ]
        rows = []
        for field, frozen_label, frozen_text in shown:
            value = lead.fields.get(field, frozen_text)
            text = self.option(field, value) if value not in (None, "", []) else None
            if text is None:
                text = ", ".join(map(str, value)) if isinstance(value, list) else str(value or "–")
            rows.append((self.label(lead, field, str(frozen_label)), text))
        return rows

    def row(self, lead: Lead, member: Member | None) -> LeadRow:
        fields = lead.fields
        regions = fields.get("regions")
        field = fields.get("field")
        return LeadRow(
            lead=lead,
            title=str(fields.get("title") or fields.get("question") or ""),
            kind=self.word(f"kind_{lead.kind}"),
            status=self.word(f"status_{lead.status}"),
            member=member_name(lead, member),
            organisation=str(fields.get("organisation") or (member and member.organisation) or ""),
            regions=(self.option("regions", regions) or "") if regions else "",
            field=(self.option("field", field) or str(field)) if field else "",
        )


def member_name(lead: Lead, member: Member | None) -> str:
    return str(
        lead.fields.get("contact_name")
        or (member and (member.contact_name or member.display_name))
        or ""
    )


async def find_leads(session: AsyncSession, wanted: LeadFilter) -> list[tuple[Lead, Member | None]]:
    """The leads the filter lets through, newest first, each with its member (if any)."""
    query = (
        select(Lead, Member)
        .outerjoin(Member, Member.id == Lead.member_id)
        .order_by(Lead.created_at.desc(), Lead.id.desc())
    )
    if wanted.status:
        query = query.where(Lead.status == wanted.status)
    if wanted.kind:
        query = query.where(Lead.kind == wanted.kind)
    found = [(row[0], row[1]) for row in await session.execute(query)]
    return [
        (lead, member) for lead, member in found if wanted.matches(lead, member_name(lead, member))
    ]
