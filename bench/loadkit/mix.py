"""What the simulated members do, session by session.

Mostly FAQ questions (the evaluation set's realistic phrasing, in the member's language,
sometimes with a thumbs up or down), some project ideas (the whole form, as in the channel
scenarios) and some training registrations (list, details, the form; a member already
registered looks at /mytrainings and cancels instead, freeing the seat). The echo
baselines get texts only: an echo bot has no buttons to press.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from bench.loadkit.generator import Pick, Session
from bench.loadkit.members import Member, exact, starts
from handlers.ideas import PHRASES as OPENS_THE_IDEA_FORM
from knowledge.evaluation import read_cases

SHARES = {"faq": 0.75, "idea": 0.10, "registration": 0.15}
"""Sessions, not updates: an idea is 16 steps, a registration about 9, a question 1–2."""
FEEDBACK = 0.25
TITLES = (
    "Ultrashort-pulse laser for glass drilling",
    "Inline metrology for freeform optics",
    "Fibre sensors for bridge monitoring",
    "Quantum dot LEDs for displays",
)
DESCRIPTION = (
    "We drill micro holes in glass with ultrashort pulses and look for a research partner "
    "with experience in beam shaping."
)


@dataclass(frozen=True)
class Questions:
    """The evaluation set's questions by language, in scope and out of it, but for those
    the assistant answers with the idea form ("ich habe eine Projektidee", "looking for a
    partner in Korea"): those are idea sessions, and the mix has its own. Left in, the
    member's next session could start before the form's first question arrived, see no
    form to leave, and answer that question by mistake."""

    by_language: dict[str, tuple[str, ...]]

    @classmethod
    def read(cls, path: Path) -> Questions:
        cases = [case for case in read_cases(path) if not OPENS_THE_IDEA_FORM.search(case.question)]
        languages = {case.language for case in cases}
        return cls(
            {
                lang: tuple(case.question for case in cases if case.language == lang)
                for lang in languages
            }
        )

    def any(self, language: str, rng: random.Random) -> str:
        return rng.choice(self.by_language[language])


def assistant_mix(questions: Questions) -> Pick:
    async def faq(member: Member, rng: random.Random) -> None:
        await _leave_form(member)
        await member.say(questions.any(member.language, rng))
        if rng.random() < FEEDBACK and member.has(starts("fb:")):
            await member.press(starts("fb:", rng.choice((":up", ":down"))))

    sessions: dict[str, Session] = {"faq": faq, "idea": idea, "registration": registration}
    names = list(SHARES)
    weights = [SHARES[name] for name in names]

    def pick(rng: random.Random) -> tuple[str, Session]:
        name = rng.choices(names, weights)[0]
        return name, sessions[name]

    return pick


def echo_mix(questions: Questions) -> Pick:
    async def echo(member: Member, rng: random.Random) -> None:
        await member.say(questions.any(member.language, rng))

    return lambda rng: ("echo", echo)


async def idea(member: Member, rng: random.Random) -> None:
    """The idea form of the Telegram and Slack scenarios, started by command or phrase."""
    await _leave_form(member)
    opening = "/idea" if member.channel == "telegram" else "I have a project idea"
    await member.say(opening)
    await member.say(f"{rng.choice(TITLES)} {member.number}")
    await member.press(exact("f:field:o:laser"))
    await member.press(exact("f:regions:t:japan"))
    await member.press(exact("f:regions:done"))
    await member.press(exact("f:partner:o:research"))
    await member.say(DESCRIPTION)
    await member.press(exact("f:stage:o:prototype"))
    await member.press(exact("f:funding:o:funding-zim"))
    await member.press(exact("f:timeline:o:next_year"))
    await member.say("Photon GmbH")
    await member.say(f"Member {member.number}")
    await member.say(f"member{member.number}@photon.example")
    await member.say("skip")
    await member.press(exact("f:consent:o:yes"))
    await member.press(exact("f:_sum:ok"))


async def registration(member: Member, rng: random.Random) -> None:
    await _leave_form(member)
    await member.say("/trainings" if rng.random() < 0.5 else _which_trainings(member.language))
    await member.press(starts("tr:show:"), rng)
    if not member.has(starts("tr:reg:")):
        await _cancel_one(member)
        return
    await member.press(starts("tr:reg:"))
    await member.say(f"Member {member.number}")
    await member.say("Photon GmbH")
    await member.say(f"member{member.number}@photon.example")
    await member.press(exact("f:member:o:yes"))
    await member.press(exact("f:consent:o:yes"))
    await member.press(exact("f:_sum:ok"))


async def _leave_form(member: Member) -> None:
    """A member whose last turn left a form open (its question still shows the cancel
    button), say a question taken for a request to start one, cancels it first."""
    if member.shows(starts("f:", ":cancel")):
        await member.say("/cancel")


async def _cancel_one(member: Member) -> None:
    """Registered already (or the training is closed): look at mine, cancel one."""
    await member.say("/mytrainings")
    if member.has(starts("tr:cancel:")):
        await member.press(starts("tr:cancel:"))
        await member.press(starts("tr:drop:"))


def _which_trainings(language: str) -> str:
    return "Welche Trainings gibt es?" if language == "de" else "Which trainings are there?"
