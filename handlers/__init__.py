"""The dialogues, one module per capability, in the order the router tries them.

Nothing here imports a platform library: handlers see only :class:`bot.messages.Incoming`
and return :class:`bot.messages.Reply` s.
"""

from __future__ import annotations

from bot.routing import Handler
from bot.turn import Services
from handlers.answers import MemberAnswers, StaffAnswers
from handlers.commands import Commands
from handlers.dialogue import ActiveForm
from handlers.fallback import Fallback
from handlers.faq import Faq
from handlers.ideas import Ideas
from handlers.privacy import Privacy
from handlers.smalltalk import SmallTalk
from handlers.staff import StaffActions
from handlers.training_facts import TrainingFacts
from handlers.trainings import Trainings


def build_handlers(services: Services) -> list[Handler]:
    """A staff answer to a question card first (only the channels' staff hooks mark one),
    a follow-up being written, a running form (it hands on what interrupts it), then the
    commands, the capabilities and the fallback."""
    return [
        StaffAnswers(),
        MemberAnswers(),
        ActiveForm(),
        Commands(),
        StaffActions(),
        Privacy(),
        Trainings(services),
        TrainingFacts(),
        Ideas(services),
        SmallTalk(),
        Faq(services),
        Fallback(),
    ]


__all__ = ["build_handlers"]
