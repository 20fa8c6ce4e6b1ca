"""The console channel: a REPL for a person, and a line-per-message script for tests.

When stdin is a terminal, choices are numbered and can be answered by number or label.
When it is not, every line is one member message and the replies are printed in the same
plain form, so a whole conversation runs as a subprocess.

A session is one member's terminal: messages the assistant sends on its own (reminders,
notices) are delivered here only when they are this member's (see ``chat_id``); the others
wait in the outbox for their own member's session.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import uuid
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.markdown import to_plain
from bot.messages import Choice, Incoming, Reply, plain_number

if TYPE_CHECKING:  # the assistant imports every handler; the console needs only its type
    from bot.assistant import Assistant

CHANNEL = "console"


class ConsoleChannel:
    name = CHANNEL

    def __init__(
        self,
        assistant: Assistant,
        *,
        user: str = "console",
        language: str | None = None,
        downloads: Path = Path("var/downloads"),
        stdin: TextIO = sys.stdin,
        stdout: TextIO = sys.stdout,
    ) -> None:
        self.assistant = assistant
        self.user = user
        self.language = language
        self.downloads = downloads
        self.stdin = stdin
        self.stdout = stdout
        self.interactive = stdin.isatty()
        self._session = uuid.uuid4().hex[:8]
        self._count = 0
        self._choices: list[Choice] = []

    async def run(self) -> None:
        if self.interactive:
            await self.handle("/start")
        while True:
            line = await self._next_line()
            if line is None:
                break
            if line.strip() in ("/quit", "/exit") and self.interactive:
                break
            await self.handle(line.rstrip("\r\n"))

    async def handle(self, line: str) -> None:
        self.show(await self.assistant.handle(self.incoming(line)))

    @property
    def chat_id(self) -> str:
        """The one chat this session reaches: its member's."""
        return self.user

    def incoming(self, line: str) -> Incoming:
        """A number or a button's label presses that button; anything else is text."""
        self._count += 1
        event_id = f"{self._session}-{self._count}"
        pressed = self._pressed(line.strip())
        return Incoming(
            channel=CHANNEL,
            user_id=self.user,
            chat_id=self.chat_id,
            event_id=event_id,
            text=line if pressed is None else None,
            action=None if pressed is None else pressed.action,
            locale=self.language,
            display_name=self.user,
        )

    def _pressed(self, text: str) -> Choice | None:
        number = plain_number(text, maximum=len(self._choices))
        if number is not None and number >= 1:
            return self._choices[number - 1]
        folded = text.casefold()
        return next((c for c in self._choices if c.label.casefold() == folded), None)

    def show(self, replies: Sequence[Reply]) -> None:
        self._choices = [choice for reply in replies for choice in reply.choices]
        number = 0
        for reply in replies:
            self._write(to_plain(reply.text))
            for choice in reply.choices:
                number += 1
                self._write(f"  [{number}] {choice.label}")
            if reply.attachment is not None:
                path = self._save(reply.attachment.filename, reply.attachment.content)
                self._write(f"  📎 {path}")
            self._write("")
        self.stdout.flush()

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> list[str]:
        """A message the assistant sends on its own (a reminder, a promoted seat)."""
        self.show(replies)
        return []

    async def send_in_thread(
        self, chat_id: str, replies: Sequence[Reply], thread: str | None
    ) -> list[str]:
        """A terminal has no threads: shown like any message sent on its own."""
        return await self.send(chat_id, replies)

    async def replace_sent(self, chat_id: str, refs: Sequence[str], reply: Reply) -> None:
        """A terminal cannot change what it printed: the new version is shown below."""
        self.show([reply])

    def _save(self, filename: str, content: bytes) -> Path:
        self.downloads.mkdir(parents=True, exist_ok=True)
        path = self.downloads / Path(filename).name
        path.write_bytes(content)
        return path

    async def _next_line(self) -> str | None:
        """The next line, read in a daemon thread: Ctrl-C ends the session at once, where
        a thread of the loop's executor would hold the exit until one more Enter."""
        loop = asyncio.get_running_loop()
        line: asyncio.Future[str | None] = loop.create_future()

        def deliver(text: str | None, error: Exception | None) -> None:
            if line.done():
                return
            if error is not None:
                line.set_exception(error)
            else:
                line.set_result(text)

        def read() -> None:
            text, error = None, None
            try:
                text = self._read()
            except Exception as failed:  # raised in the session, not lost in the thread
                error = failed
            with suppress(RuntimeError):  # the loop is gone: the session ended meanwhile
                loop.call_soon_threadsafe(deliver, text, error)

        threading.Thread(target=read, name="console-input", daemon=True).start()
        return await line

    def _read(self) -> str | None:
        if self.interactive:
            try:
                return input("> ")
            except EOFError:
                return None
        line = self.stdin.readline()
        return line or None

    def _write(self, text: str) -> None:
        print(text, file=self.stdout)
