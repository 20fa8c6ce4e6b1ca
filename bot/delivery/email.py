"""E-mail to the office over SMTP (aiosmtplib): one message, plain text with an HTML part."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from bot.settings import Settings


def one_line(text: str) -> str:
    """A header value on one line: a line break in a header is refused by the ``email``
    package (the row would fail on every try), and rows queued before the forms refused
    line breaks may still hold one."""
    return " ".join(text.split())


class EmailTransport:
    """Sends an outbox row's ``{to, subject, text, html, reply_to}``; raises so it is retried."""

    def __init__(self, settings: Settings, *, timeout: float = 30) -> None:
        self.settings = settings
        self.timeout = timeout

    @property
    def configured(self) -> bool:
        return bool(self.settings.smtp_host)

    def message(self, payload: dict[str, str]) -> EmailMessage:
        settings = self.settings
        message = EmailMessage()
        message["From"] = settings.smtp_sender
        message["To"] = payload.get("to") or settings.office_email or ""
        message["Subject"] = one_line(payload["subject"])
        message["Message-ID"] = make_msgid(domain=settings.smtp_sender.rpartition("@")[2])
        if payload.get("reply_to"):
            message["Reply-To"] = one_line(payload["reply_to"])
        message.set_content(payload["text"])
        if payload.get("html"):
            message.add_alternative(payload["html"], subtype="html")
        return message

    async def send(self, payload: dict[str, str]) -> str:
        """Hand the message to the SMTP server; returns its Message-ID."""
        settings = self.settings
        message = self.message(payload)
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user,
            password=password,
            start_tls=settings.smtp_starttls,
            timeout=self.timeout,
        )
        return str(message["Message-ID"])
