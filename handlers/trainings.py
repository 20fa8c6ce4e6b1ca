"""Trainings in the chat: the list and its topic filter, details, registration, /mytrainings
with cancellation, and /announcements on|off.

Actions (all ``tr:``, each ≤ 64 bytes): ``tr:list``, ``tr:topic:<topic>``, ``tr:show:<id>``,
``tr:reg:<id>``, ``tr:mine``, ``tr:cancel:<uid>`` (asks), ``tr:drop:<uid>`` (does),
``tr:keep``, ``tr:ics:<uid>``. Seats are counted in :mod:`bot.trainings.registrations`; what the
assistant tells others afterwards goes through :mod:`bot.trainings.notices`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.forms import Form, Step, person_name
from bot.messages import Choice, Reply
from bot.routing import owns
from bot.storage import Registration, Training
from bot.trainings import actions
from bot.trainings.calendar import calendar_attachment, cancellation_attachment
from bot.trainings.catalogue import Listed, listed, topics, upcoming
from bot.trainings.notices import TrainingNotices, fee_for
from bot.trainings.registrations import (
    ACTIVE,
    Applicant,
    active_registration,
    book,
    cancel,
    count,
    refusal_for,
    waiting_position,
)
from bot.turn import Services, Turn
from knowledge.catalogue import TOPICS

COMMANDS = {
    "trainings",
    "schulungen",
    "mytrainings",
    "meinetrainings",
    "announcements",
    "ankuendigungen",
}
FORM = "registration"
PLURAL = re.compile(
    r"\b(trainings|schulungen|seminare|workshops|trainingstermine|trainingsangebot\w*)\b"
)
LISTING = re.compile(
    r"\b(welche|was für|gibt es|which|what|are there|kommende\w*|upcoming|next|nächste\w*|"
    r"liste|list|zeig\w*|show|alle|all|termine|dates|angebot|offer|anmelden|register|buchen|book)\b"
)
REGISTER = re.compile(
    r"\b(anmelden|anmeldung|registrieren|register|sign up|buchen|book)\b.*\btraining"
    r"|\btraining\w*\b.*\b(anmelden|buchen|register|book)\b"
)
TOPIC_WORDS = {
    "japan": ("japan",),
    "korea": ("korea",),
    "usa": ("usa", "amerika", "america", "rochester", "us-"),
    "canada": ("kanada", "canada", "québec", "quebec", "ontario"),
    "ip": ("patent", "schutzrecht", "intellectual property", " ip "),
    "funding": ("förder", "foerder", "funding", "zim", "eurostars"),
}
MAX_PHRASE_LENGTH = 120
PERSONAL = {"reg", "mine", "cancel", "drop", "keep", "ics"}
"""The actions about a member's own bookings: private chats only."""


def wants_list(text: str) -> bool:
    """ "welche Trainings gibt es", "which trainings are there", "training buchen" …"""
    folded = text.strip().lower()
    if not folded or len(folded) > MAX_PHRASE_LENGTH or folded.startswith("/"):
        return False
    if folded.rstrip("?!. ") in {"training", "trainings", "schulungen", "seminare"}:
        return True
    return bool(PLURAL.search(folded) and LISTING.search(folded)) or bool(REGISTER.search(folded))


def topic_in(text: str) -> str | None:
    folded = f" {text.lower()} "
    found = [topic for topic, words in TOPIC_WORDS.items() if any(w in folded for w in words)]
    return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class MineRow:
    registration: Registration
    training: Training
    position: int | None


class Trainings:
    commands = frozenset(COMMANDS)
    prefixes = frozenset({actions.PREFIX})

    def __init__(self, services: Services) -> None:
        services.forms.register(registration_form())

    def check(self, turn: Turn) -> bool:
        action = turn.incoming.action
        if action is not None:
            return owns(self, action)
        command = turn.incoming.command
        if command is not None:
            return command[0] in COMMANDS
        return wants_list(turn.text)

    def menu(self, turn: Turn) -> Choice:
        return turn.choice("trainings/menu", actions.LIST)

    async def handle(self, turn: Turn) -> list[Reply]:
        action = turn.incoming.action
        if action is not None:
            return await self._action(turn, action)
        command = turn.incoming.command
        if command is not None:
            name, argument = command
            if name in ("mytrainings", "meinetrainings"):
                pointer = turn.private_only()
                return [pointer] if pointer is not None else await self._mine(turn)
            if name in ("announcements", "ankuendigungen"):
                return self._announcements(turn, argument.lower())
            topic = argument.lower() if argument.lower() in TOPICS else topic_in(argument)
            return await self._list(turn, topic)
        return await self._list(turn, topic_in(turn.text))

    async def _action(self, turn: Turn, action: str) -> list[Reply]:
        verb, value = actions.parse(action)
        pointer = turn.private_only() if verb in PERSONAL else None
        if pointer is not None:
            return [pointer]
        if verb == "list":
            return await self._list(turn, None)
        if verb == "topic":
            return await self._list(turn, value if value in TOPICS else None)
        if verb == "show":
            return await self._details(turn, value)
        if verb == "reg":
            return await self._register(turn, value)
        if verb == "mine":
            return await self._mine(turn)
        if verb == "cancel":
            return await self._ask_cancel(turn, value)
        if verb == "drop":
            return await self._cancel(turn, value)
        if verb == "keep":
            return [turn.reply("trainings/cancel_kept")]
        if verb == "ics":
            return await self._calendar(turn, value)
        return [turn.reply("unknown_action", notice=True)]

    # browsing --------------------------------------------------------------------------

    async def _list(self, turn: Turn, topic: str | None) -> list[Reply]:
        items = await upcoming(turn.session, now=turn.now, topic=topic)
        filters = [
            turn.choice("trainings/button_topic", actions.topic(t), topic=t)
            for t in await topics(turn.session, now=turn.now)
            if t != topic
        ]
        if topic:
            filters.append(turn.choice("trainings/button_all", actions.LIST))
        if not items:
            return [turn.reply("trainings/list_empty", topic=topic, choices=filters)]
        buttons = [
            turn.choice("trainings/button_training", actions.show(item.training.id), item=item)
            for item in items
        ]
        return [turn.reply("trainings/list", items=items, topic=topic, choices=buttons + filters)]

    async def _details(self, turn: Turn, training_id: str) -> list[Reply]:
        item = await listed(turn.session, training_id)
        if item is None or not item.training.in_catalogue:
            return [turn.reply("trainings/unknown")]
        mine = await active_registration(turn.session, training_id, turn.member.id)
        refusal = refusal_for(item.training, turn.now)
        choices = []
        if refusal is None and mine is None:
            label = "trainings/button_register" if item.free else "trainings/button_waitlist"
            choices.append(turn.choice(label, actions.register(training_id)))
        if mine is not None:
            choices.append(turn.choice("trainings/button_mine", actions.MINE))
        choices.append(turn.choice("trainings/button_all", actions.LIST))
        return [self._details_reply(turn, item, refusal, mine, choices)]

    @staticmethod
    def _details_reply(
        turn: Turn,
        item: Listed,
        refusal: str | None,
        mine: Registration | None,
        choices: list[Choice],
    ) -> Reply:
        return turn.reply(
            "trainings/details",
            training=item.training,
            free=item.free,
            waiting=item.waiting,
            refusal=refusal,
            mine=mine,
            choices=choices,
        )

    # registering -----------------------------------------------------------------------

    async def _register(self, turn: Turn, training_id: str) -> list[Reply]:
        training = await turn.session.get(Training, training_id)
        refusal = refusal_for(training, turn.now)
        if refusal is None and await active_registration(turn.session, training_id, turn.member.id):
            refusal = "already"
        if training is None or refusal == "unknown":
            return [turn.reply("trainings/unknown")]
        if refusal is not None:
            return [turn.reply("trainings/refused", training=training, refusal=refusal)]
        title = training.texts["title"][turn.language]
        return await turn.services.forms.start(
            turn,
            FORM,
            training=training_id,
            training_title=title,
            training_cancellation=training.texts.get("cancellation"),
        )

    # the member's registrations --------------------------------------------------------

    async def _mine(self, turn: Turn) -> list[Reply]:
        query = (
            select(Registration, Training)
            .join(Training, Registration.training_id == Training.id)
            .where(
                Registration.member_id == turn.member.id,
                Registration.status.in_(ACTIVE),
                Training.ends_at > turn.now,
            )
            .order_by(Training.starts_at)
        )
        rows = []
        for registration, training in (await turn.session.execute(query)).all():
            position = (
                await waiting_position(turn.session, registration)
                if registration.status == "waiting"
                else None
            )
            rows.append(MineRow(registration, training, position))
        if not rows:
            return [turn.reply("trainings/mine_empty", choices=[self.menu(turn)])]
        choices = []
        for row in rows:
            title = _short(row.training.texts["title"][turn.language])
            if row.registration.status == "confirmed" and row.training.status != "cancelled":
                choices.append(
                    turn.choice(
                        "trainings/button_calendar",
                        actions.calendar(row.registration.uid),
                        title=title,
                    )
                )
            if row.training.status != "cancelled" and row.training.starts_at > turn.now:
                choices.append(
                    turn.choice(
                        "trainings/button_cancel_registration",
                        actions.ask_cancel(row.registration.uid),
                        title=title,
                    )
                )
        return [turn.reply("trainings/mine", rows=rows, choices=choices)]

    async def _own(self, turn: Turn, uid: str) -> tuple[Registration, Training] | None:
        registration = await turn.session.scalar(
            select(Registration).where(
                Registration.uid == uid, Registration.member_id == turn.member.id
            )
        )
        if registration is None or registration.status not in ACTIVE:
            return None
        training = await turn.session.get(Training, registration.training_id)
        return (registration, training) if training is not None else None

    async def _ask_cancel(self, turn: Turn, uid: str) -> list[Reply]:
        own = await self._own(turn, uid)
        if own is None:
            return [turn.reply("trainings/cancel_unknown")]
        registration, training = own
        choices = [
            turn.choice("trainings/button_cancel_yes", actions.drop(uid)),
            turn.choice("trainings/button_keep", actions.KEEP),
        ]
        waiting = await count(turn.session, training.id, "waiting")
        return [
            turn.reply(
                "trainings/cancel_confirm",
                registration=registration,
                training=training,
                waiting=waiting,
                choices=choices,
            )
        ]

    async def _cancel(self, turn: Turn, uid: str) -> list[Reply]:
        if await self._own(turn, uid) is None:
            return [turn.reply("trainings/cancel_unknown")]
        cancellation = await cancel(turn.session, uid, now=turn.now)
        if cancellation is None:
            return [turn.reply("trainings/cancel_unknown")]
        told = await _notices(turn).after_cancellation(cancellation)
        training, registration = cancellation.training, cancellation.registration
        removal = (
            cancellation_attachment(training, registration, language=turn.language, now=turn.now)
            if cancellation.was_confirmed
            else None
        )
        return [
            turn.reply(
                "trainings/cancel_done",
                training=training,
                notified=told > 0,
                calendar=removal is not None,
                attachment=removal,
            )
        ]

    async def _calendar(self, turn: Turn, uid: str) -> list[Reply]:
        own = await self._own(turn, uid)
        if own is None or own[0].status != "confirmed":
            return [turn.reply("trainings/cancel_unknown")]
        registration, training = own
        attachment = calendar_attachment(
            training, registration, language=turn.language, now=turn.now
        )
        return [Reply(training.texts["title"][turn.language], attachment=attachment)]

    # announcements ---------------------------------------------------------------------

    def _announcements(self, turn: Turn, argument: str) -> list[Reply]:
        state = {"on": True, "an": True, "ein": True, "off": False, "aus": False}.get(argument)
        if state is not None:
            turn.member.announcements = state
        return [
            turn.reply("trainings/announcements", state=state, current=turn.member.announcements)
        ]


# the registration form -----------------------------------------------------------------


def registration_form() -> Form:
    return Form(
        name=FORM,
        steps=(
            Step(
                "name",
                min_length=2,
                max_length=200,
                validate=person_name,
                prefill=lambda t: t.member.contact_name,
            ),
            Step(
                "organisation",
                min_length=2,
                max_length=200,
                prefill=lambda t: t.member.organisation,
            ),
            Step("email", "email", prefill=lambda t: t.member.email),
            Step("member", "choice", options=("yes", "no")),
            Step("consent", "consent"),
        ),
        on_confirm=_confirm,
    )


async def _confirm(turn: Turn, data: dict[str, Any]) -> list[Reply]:
    member = turn.member
    member.contact_name, member.organisation, member.email = (
        data["name"],
        data["organisation"],
        data["email"],
    )
    consent_at = data.get("consent_at")
    applicant = Applicant(
        member_id=member.id,
        name=data["name"],
        organisation=data["organisation"],
        email=data["email"],
        is_member=data["member"] == "yes",
        language=turn.language,
        consent_at=datetime.fromisoformat(consent_at) if consent_at else turn.now,
    )
    booking = await book(turn.session, str(data["training"]), applicant, now=turn.now)
    training, registration = booking.training, booking.registration
    if booking.refusal == "unknown" or training is None:
        return [turn.reply("trainings/unknown")]
    if booking.refusal is not None or registration is None:
        return [turn.reply("trainings/refused", training=training, refusal=booking.refusal)]
    await _notices(turn).after_booking(booking)
    fee = fee_for(training, registration)
    mine = turn.choice("trainings/button_mine", actions.MINE)
    if booking.confirmed:
        attachment = calendar_attachment(
            training, registration, language=turn.language, now=turn.now
        )
        return [
            turn.reply(
                "trainings/confirmed",
                training=training,
                registration=registration,
                fee=fee,
                attachment=attachment,
                choices=[mine],
            )
        ]
    return [
        turn.reply(
            "trainings/waiting",
            training=training,
            registration=registration,
            fee=fee,
            position=booking.waiting_position,
            choices=[mine],
        )
    ]


def _notices(turn: Turn) -> TrainingNotices:
    services = turn.services
    return TrainingNotices(turn.session, services.settings, services.templates, turn.now)


def _short(title: str, limit: int = 40) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"
