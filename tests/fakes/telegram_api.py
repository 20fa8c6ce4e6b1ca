"""A fake Telegram Bot API: what python-telegram-bot talks to in tests.

Serves ``POST /bot<token>/<method>`` for getMe, getUpdates, setWebhook, deleteWebhook,
setMyCommands, sendMessage, editMessageText, editMessageReplyMarkup, answerCallbackQuery and
sendDocument; form values that are JSON (ints, markup) are decoded as PTB sends them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

from aiohttp import web

from tests.fakes.server import Call, FakeServer

BOT_ID = 90001
TOKEN = f"{BOT_ID}:TEST_TOKEN"
BOT_USERNAME = "test_bot"


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


class FakeTelegram(FakeServer):
    def __init__(self, token: str = TOKEN) -> None:
        super().__init__()
        self.token = token
        self.updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(500)
        self._new_update = asyncio.Event()

    @property
    def base_url(self) -> str:
        """For ``Bot(token, base_url=…)`` and ``TELEGRAM_API_BASE_URL``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/bot{token}/{method}", self._handle)

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates; gives it an update_id if it has none."""
        update = {"update_id": next(self._update_ids), **update}
        self.updates.append(update)
        self._new_update.set()
        return update

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params, files = await self._params(request)
        await self.record(Call(method, params, files, dict(request.headers)))
        failure = self.take_failure(method)
        if failure is not None:
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        answer = getattr(self, f"on_{method}", None)
        if answer is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                status=404,
            )
        result = await answer(params, files)
        return web.json_response({"ok": True, "result": result})

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.filename:  # type: ignore[union-attr]
                    files[part.name] = await part.read()  # type: ignore[union-attr]
                    params[f"{part.name}_filename"] = part.filename  # type: ignore[union-attr]
                else:
                    params[part.name] = _decode(await part.text())  # type: ignore[union-attr]
        else:
            form = await request.post()
            params = {key: _decode(str(value)) for key, value in form.items()}
        return params, files

    # answers ---------------------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "optobot",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        chat_type = "private" if isinstance(chat_id, int) and chat_id > 0 else "supergroup"
        message: dict[str, Any] = {
            "message_id": params.get("message_id") or next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": chat_type},
            "from": self.bot_user(),
        }
        if "text" in params:
            message["text"] = str(params["text"])
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        message.update(extra)
        return message

    async def on_getMe(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self.bot_user()

    async def on_getUpdates(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 1.0)
        pending = [u for u in self.updates if u["update_id"] >= offset]
        if not pending and timeout:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout)
            except TimeoutError:
                return []
            pending = [u for u in self.updates if u["update_id"] >= offset]
        return pending[: int(params.get("limit") or 100)]

    async def on_setWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    async def on_deleteWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    async def on_setMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    async def on_answerCallbackQuery(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return True

    async def on_sendMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self.message(params)

    async def on_editMessageText(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self.message(params, edit_date=int(time.time()))

    async def on_editMessageReplyMarkup(
        self, params: dict[str, Any], files: dict[str, bytes]
    ) -> Any:
        return self.message(params, edit_date=int(time.time()), text="…")

    async def on_sendDocument(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        content = files.get("document", b"")
        document = {
            "file_id": "DOC-" + str(len(self.calls)),
            "file_unique_id": "U" + str(len(self.calls)),
            "file_name": params.get("document_filename"),
            "mime_type": "text/calendar",
            "file_size": len(content),
        }
        return self.message(params, document=document)
