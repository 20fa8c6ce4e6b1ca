"""A real SMTP server in process (aiosmtpd) that records what it accepts."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


class Mailbox:
    """The SMTP handler: keeps accepted messages; ``refuse(n)`` answers 451 n times first."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Any] = []
        self._refusals = 0

    def refuse(self, times: int) -> None:
        self._refusals = times

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self._refusals:
            self._refusals -= 1
            return "451 4.3.0 Mail server temporarily busy"
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield mailbox, controller.port
    finally:
        controller.stop()
