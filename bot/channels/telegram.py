"""The Telegram channel: python-telegram-bot's Application in front of the Assistant.

Updates arrive by long polling, or by webhook on the one HTTP server of ``serve`` when
``OPTOBOT_PUBLIC_URL`` is set. Each update is read as an :class:`Incoming`
(:mod:`bot.channels.telegram_incoming`), answered by the Assistant, and the replies are
sent back by :class:`TelegramSender`. A pressed button is always answered, and its message
loses its keyboard (or is edited) so an answered question cannot be pressed again. On a
webhook, that answer rides in our response to Telegram's POST, one API call less per press.
"""

from __future__ import annotations

import hmac
import json
import logging
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypedDict

from aiohttp import web
from telegram import BotCommand, CallbackQuery, Message, Update
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import AIORateLimiter, Application, ContextTypes, ExtBot, TypeHandler
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from bot.channels.base import ChannelStartError
from bot.channels.telegram_http import AiohttpRequest
from bot.channels.telegram_incoming import CHANNEL, Reading, read_update
from bot.channels.telegram_render import alert_text
from bot.channels.telegram_send import TelegramSender
from bot.channels.telegram_staff import read_staff_reply
from bot.logs import Throttled
from bot.messages import Reply
from bot.settings import LANGUAGES, Settings
from bot.webhook_secret import WebhookSecretError, webhook_secret

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_WEBHOOK_ANSWER: ContextVar[dict[str, Any] | None] = ContextVar("webhook_answer", default=None)
"""While a webhook update is handled: where the press's answer waits for our response."""
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
RATE_LIMIT_RETRIES = 5
"""How often a message is retried after a 429 before the error reaches the caller."""
START_ATTEMPTS = 5
POLL_TIMEOUT = 10


def _rate_limiter(settings: Settings) -> AIORateLimiter:
    return AIORateLimiter(
        overall_max_rate=settings.telegram_messages_per_second,
        max_retries=RATE_LIMIT_RETRIES,
    )


def _token(settings: Settings) -> str:
    if settings.telegram_bot_token is None:
        raise ChannelStartError("TELEGRAM_BOT_TOKEN is not set")
    return settings.telegram_bot_token.get_secret_value()


class _Urls(TypedDict, total=False):
    base_url: str
    base_file_url: str


def _urls(settings: Settings) -> _Urls:
    urls = _Urls()
    if settings.telegram_api_base_url:
        urls["base_url"] = settings.telegram_api_base_url
    if settings.telegram_api_base_file_url:
        urls["base_file_url"] = settings.telegram_api_base_file_url
    return urls


def make_sender(settings: Settings) -> TelegramSender:
    """A sender without a running Application, for the outbox worker of ``optobot chat``.

    The bot connects on first use; call ``close()`` when done.
    """
    bot = ExtBot(
        _token(settings),
        rate_limiter=_rate_limiter(settings),
        request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(),
        **_urls(settings),
    )
    return TelegramSender(bot, owns_bot=True)


class TelegramChannel:
    name = CHANNEL

    def __init__(self, app: App) -> None:
        self.app = app
        self.settings = app.settings
        self.webhook_url = (
            self.settings.public_url.rstrip("/") + WEBHOOK_PATH
            if self.settings.public_url
            else None
        )
        builder = (
            Application.builder()
            .token(_token(self.settings))
            .rate_limiter(_rate_limiter(self.settings))
            .request(AiohttpRequest())
            .get_updates_request(AiohttpRequest())
            .concurrent_updates(32)
        )
        urls = _urls(self.settings)
        if "base_url" in urls:
            builder = builder.base_url(urls["base_url"])
        if "base_file_url" in urls:
            builder = builder.base_file_url(urls["base_file_url"])
        if self.webhook_url:
            builder = builder.updater(None)
        self.application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self.sender = TelegramSender(self.application.bot)
        self._secret = self._webhook_secret() if self.webhook_url else None
        self._refused = Throttled(log)

    def _webhook_secret(self) -> str:
        try:
            return webhook_secret(self.settings)
        except WebhookSecretError as error:
            raise ChannelStartError(str(error)) from None

    # lifecycle ---------------------------------------------------------------------------

    def install(self, server: web.Application) -> None:
        if self.webhook_url:
            server.router.add_post(WEBHOOK_PATH, self._webhook)

    async def start(self) -> None:
        try:
            await self._connect()
        except InvalidToken:
            raise ChannelStartError(
                "Telegram rejected TELEGRAM_BOT_TOKEN (Unauthorized): copy the token "
                "from @BotFather again"
            ) from None
        except NetworkError as error:
            raise ChannelStartError(f"cannot reach the Telegram Bot API: {error}") from None
        await self._publish_commands()
        await self.application.start()
        if not self.webhook_url:
            assert self.application.updater is not None
            await self.application.updater.start_polling(
                timeout=POLL_TIMEOUT,
                allowed_updates=ALLOWED_UPDATES,
                bootstrap_retries=3,
                error_callback=self._polling_error,
            )
            log.info("Telegram polling as @%s", self.application.bot.username)

    async def announce(self) -> None:
        """Register the webhook; our server listens by now, so Telegram's first post lands."""
        if self.webhook_url:
            await self.application.bot.set_webhook(
                self.webhook_url, secret_token=self._secret, allowed_updates=ALLOWED_UPDATES
            )
            log.info("Telegram webhook at %s", self.webhook_url)

    async def _connect(self) -> None:
        """getMe, retried while the network is away; a wrong token fails at once."""
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception_type(NetworkError),
                wait=wait_exponential(multiplier=1, max=30),
                stop=stop_after_attempt(START_ATTEMPTS),
                reraise=True,
            ):
                with attempt:
                    await self.application.initialize()
        except TelegramError:
            await self.application.bot.shutdown()  # close what initialize() opened
            raise

    async def stop(self) -> None:
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    @property
    def running(self) -> bool:
        updater = self.application.updater
        polling = updater is None or updater.running
        return self.application.running and polling

    async def _publish_commands(self) -> None:
        """The command menu in German and English, and the default language for the rest."""
        templates = self.app.services.templates
        menus = {code: _commands(templates.render(code, "telegram/commands")) for code in LANGUAGES}
        try:
            for code, commands in menus.items():
                await self.application.bot.set_my_commands(commands, language_code=code)
            await self.application.bot.set_my_commands(menus[self.settings.default_language])
        except TelegramError as error:  # a menu is a nicety, not a reason to stay down
            log.warning("could not publish the Telegram commands: %s", error)

    @staticmethod
    def _polling_error(error: TelegramError) -> None:
        log.warning("Telegram polling failed, retrying with backoff: %s", error)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("Telegram update failed: %s", context.error, exc_info=context.error)

    # webhook ---------------------------------------------------------------------------

    async def _webhook(self, request: web.Request) -> web.Response:
        """Telegram's POST: refused without our secret, else handled before we answer 200."""
        given = request.headers.get(SECRET_HEADER, "")
        assert self._secret  # never empty: checked with the settings or the file
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            self._refused.warning(
                "Telegram webhook call without the right secret from %s", request.remote
            )
            return web.Response(status=403)
        if not self.application.running:
            return web.Response(status=503)
        try:
            update = Update.de_json(await request.json(), self.application.bot)
        except (ValueError, KeyError, TypeError, json.JSONDecodeError):
            return web.Response(status=400)
        answer: dict[str, Any] = {}
        handling = _WEBHOOK_ANSWER.set(answer)
        try:
            await self.application.process_update(update)
        finally:
            _WEBHOOK_ANSWER.reset(handling)
        return web.json_response(answer) if answer else web.Response(status=200)

    # updates ---------------------------------------------------------------------------

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        bot = self.application.bot.bot
        reading = read_staff_reply(update, bot, self.settings) or read_update(update, bot)
        if reading.kind == "incoming":
            await self._converse(update, reading)

    async def _converse(self, update: Update, reading: Reading) -> None:
        assert reading.incoming is not None and reading.chat_id is not None
        replies = await self.app.assistant.handle(reading.incoming)
        if update.callback_query is not None:
            await self._after_press(update.callback_query, reading.chat_id, replies)
            return
        message = update.message
        quote = message.message_id if message and not reading.incoming.private else None
        await self.sender.deliver(reading.chat_id, replies, reply_to=quote)

    async def _after_press(self, query: CallbackQuery, chat_id: int, replies: list[Reply]) -> None:
        """Answer the press, then edit or disarm the pressed message, then send the rest."""
        notices = [reply for reply in replies if reply.notice]
        alert = alert_text("\n\n".join(reply.text for reply in notices)) if notices else None
        rest = [reply for reply in replies if not reply.notice or alert is None]
        await _answer(query, alert)
        pressed = query.message if isinstance(query.message, Message) else None
        if pressed is None:
            await self.sender.deliver(chat_id, rest)
            return
        edit = next((reply for reply in rest if reply.edit), None)
        if edit is not None:
            if await self.sender.edit(chat_id, pressed.message_id, edit):
                rest.remove(edit)
            else:
                await self.sender.clear_keyboard(chat_id, pressed.message_id)
        elif rest:
            await self.sender.clear_keyboard(chat_id, pressed.message_id)
        await self.sender.deliver(chat_id, rest)


async def _answer(query: CallbackQuery, text: str | None) -> None:
    """Every press is answered, or the member's button keeps spinning: on a webhook by our
    response to it (Telegram runs the one method it names), else by a call."""
    webhook = _WEBHOOK_ANSWER.get()
    if webhook is not None and not webhook:
        webhook.update(method="answerCallbackQuery", callback_query_id=query.id)
        if text:
            webhook.update(text=text, show_alert=True)
        return
    try:
        await query.answer(text=text, show_alert=bool(text))
    except BadRequest as error:  # too old to answer: the member has moved on
        log.info("callback %s not answered: %s", query.id, error.message)


def _commands(listing: str) -> list[BotCommand]:
    commands = []
    for line in listing.splitlines():
        name, _, description = line.partition(":")
        if name.strip() and description.strip():
            commands.append(BotCommand(name.strip(), description.strip()))
    return commands


__all__ = ["TelegramChannel", "TelegramSender", "make_sender"]
