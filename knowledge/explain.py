"""A decision in words, for the office: ``optobot kb ask`` and the office's "Try a question"."""

from __future__ import annotations

from knowledge.entries import Entry
from knowledge.evidence import Match


def describe(match: Match, entries: dict[str, Entry], language: str) -> str:
    """What a member asking this would get, in words, for the office (``kb ask``)."""

    def title(entry_id: str | None) -> str:
        entry = entries.get(entry_id or "")
        return f"“{entry.text(language).title}” ({entry_id})" if entry else str(entry_id)

    if match.decision == "answer":
        return f"answer: the member gets the entry {title(match.id)}"
    if match.decision == "clarify":
        shown = "; ".join(f"{n}. {title(c.id)}" for n, c in enumerate(match.candidates, 1))
        return (
            f"clarify: the member is asked which they mean: {shown}; "
            "or to forward the question to the office"
        )
    if match.decision == "off_topic":
        return (
            "off_topic: outside the cluster's topics; the member is told what the assistant "
            "helps with (funding, IP, trainings, cooperations) and gets the menu, no forward"
        )
    nearest = f" (nearest: {title(match.candidates[0].id)})" if match.candidates else ""
    return (
        "fallback: no entry answers this; the member is offered to forward the question "
        f"to the office{nearest}"
    )
