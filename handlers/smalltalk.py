"""Hello, thanks, bye and "who are you": a short friendly reply instead of a fallback."""

from __future__ import annotations

from bot.messages import Reply
from bot.turn import Turn
from knowledge.text import fold

PHRASES = {
    "hello": {"hallo", "hi", "hey", "hello", "moin", "servus", "guten tag", "guten morgen",
              "good morning", "good afternoon", "hallo zusammen", "hi there", "gruss gott"},
    "thanks": {"danke", "danke schon", "vielen dank", "dankeschon", "thanks", "thank you",
               "thx", "merci", "super danke", "thanks a lot", "many thanks", "top danke"},
    "bye": {"tschuss", "bye", "ciao", "auf wiedersehen", "goodbye", "bis bald", "see you",
            "schonen tag noch", "have a nice day", "bye bye"},
    "who": {"wer bist du", "was bist du", "who are you", "what are you", "bist du ein bot",
            "are you a bot", "bist du ein mensch", "are you human", "are you a human"},
}  # fmt: skip
KIND = {phrase: kind for kind, phrases in PHRASES.items() for phrase in phrases}


def kind_of(text: str) -> str | None:
    """The small-talk kind of a whole message, punctuation and emoji aside."""
    return KIND.get(fold(text))


class SmallTalk:
    def check(self, turn: Turn) -> bool:
        return turn.incoming.action is None and kind_of(turn.text) is not None

    async def handle(self, turn: Turn) -> list[Reply]:
        return [turn.reply(f"smalltalk/{kind_of(turn.text)}")]
