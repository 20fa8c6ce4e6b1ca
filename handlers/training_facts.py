"""Questions about one training answered from the live catalogue: "Was kostet das
Korea-Training?", "when is the next Japan training", "is the Korea seminar full?".

The FAQ knows only what the trainings have in common; the fee, the dates and the free seats
live in the database. A question that names a training (its country or topic, narrowed by
words of its title) and asks for such a fact gets those facts for the coming dates of that
topic, with a button to register (or join the waiting list) and one for the details. The
seats are counted by :mod:`bot.trainings.catalogue`; the buttons are the ``tr:`` actions of
:mod:`handlers.trainings`, so registering works exactly as from the list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.messages import Choice, Reply
from bot.storage import Registration, Training
from bot.trainings import actions
from bot.trainings.catalogue import Listed, upcoming
from bot.trainings.registrations import active_registration, refusal_for
from bot.turn import Turn
from handlers.trainings import MAX_PHRASE_LENGTH, TOPIC_WORDS, topic_in
from knowledge.text import fold

TRAINING = re.compile(r"\b(trainings?|seminare?|workshops?|kurse?|kurs\w*|courses?|schulung\w*)\b")
FACT = re.compile(
    r"\b(kost\w*|preis\w*|gebühr\w*|gebuehr\w*|teuer|price\w*|costs?|fees?|how much|wie ?viel|"
    r"euro|wann|when|nächst\w*|naechst\w*|next|datum|dates?|termin\w*|frei\w*|plätze|plaetze|"
    r"platz|voll|ausgebucht|warteliste|full|seats?|places?|spots?|booked|waiting list|"
    r"available|verfügbar)\b|€"
)
MAX_SHOWN = 3
MIN_TITLE_WORD = 5


@dataclass(frozen=True)
class Fact:
    """What a member needs to decide about one training, as of now."""

    training: Training
    free: int
    waiting: int
    refusal: str | None
    mine: Registration | None


def asks_about_a_training(text: str) -> str | None:
    """The topic of a training whose fee, dates or seats the text asks about, else None."""
    folded = text.strip().lower()
    if not folded or len(folded) > MAX_PHRASE_LENGTH or folded.startswith("/"):
        return None
    if not (TRAINING.search(folded) and FACT.search(folded)):
        return None
    return topic_in(folded)


class TrainingFacts:
    def check(self, turn: Turn) -> bool:
        if turn.incoming.action is not None or turn.incoming.command is not None:
            return False
        return asks_about_a_training(turn.text) is not None

    async def handle(self, turn: Turn) -> list[Reply]:
        topic = asks_about_a_training(turn.text)
        items = _named(await upcoming(turn.session, now=turn.now, topic=topic), turn.text)
        everything = turn.choice("trainings/button_all", actions.LIST)
        if not items:
            return [turn.reply("trainings/list_empty", topic=topic, choices=[everything])]
        facts = [await _fact(turn, item) for item in items[:MAX_SHOWN]]
        choices: list[Choice] = []
        for fact in facts:
            if fact.refusal is None and fact.mine is None:
                choices.append(
                    turn.choice(
                        "trainings/button_register_for",
                        actions.register(fact.training.id),
                        training=fact.training,
                        free=fact.free,
                    )
                )
            choices.append(
                turn.choice("trainings/button_training", actions.show(fact.training.id), item=fact)
            )
        if any(fact.mine is not None for fact in facts):
            choices.append(turn.choice("trainings/button_mine", actions.MINE))
        choices.append(everything)
        more = len(items) > MAX_SHOWN
        return [turn.reply("trainings/facts", facts=facts, topic=topic, more=more, choices=choices)]


def _named(items: list[Listed], text: str) -> list[Listed]:
    """The one training whose title the text quotes best ("Japan advanced", "Südkorea vor
    Ort"), or all of the topic when no title word stands out."""
    words = set(re.findall(r"\w+", fold(text)))
    topic_words = {fold(word).strip() for group in TOPIC_WORDS.values() for word in group}

    def score(item: Listed) -> int:
        titles = " ".join(item.training.texts["title"].values())
        title_words = {w for w in re.findall(r"\w+", fold(titles)) if len(w) >= MIN_TITLE_WORD}
        return len((title_words - topic_words - GENERIC) & words)

    scores = [score(item) for item in items]
    best = max(scores, default=0)
    if best and scores.count(best) == 1:
        return [items[scores.index(best)]]
    return items


GENERIC = {fold(word) for word in ("training", "trainings", "business", "geschäftskultur")}
"""Title words that name no training in particular."""


async def _fact(turn: Turn, item: Listed) -> Fact:
    training = item.training
    mine = await active_registration(turn.session, training.id, turn.member.id)
    refusal = refusal_for(training, turn.now)
    return Fact(training, item.free, item.waiting, refusal, mine)
