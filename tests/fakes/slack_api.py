"""A fake Slack Web API: what slack_sdk's AsyncWebClient (inside Bolt) talks to in tests.

``AsyncWebClient(base_url=f"{fake.url}/api/")``. Arguments are merged from the JSON body,
a form body and the query string, as the real API takes them.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from typing import Any

from aiohttp import web

from tests.fakes.server import Call, FakeServer

TEAM = "T0001"
BOT_USER = "U0BOT"
BOT_ID = "B0001"
TOKEN = "xoxb-test"
SIGNING_SECRET = "test-signing-secret"


def sign(
    body: str | bytes, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """Headers Slack sends with a request: a real HMAC-SHA256 signature of the raw body."""
    raw = body.encode() if isinstance(body, str) else body
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + stamp.encode() + b":" + raw
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


class FakeSlack(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.locales: dict[str, str] = {}
        self.uploads: dict[str, bytes] = {}
        self._ts = itertools.count(1)
        self._files = itertools.count(1)
        self._held: dict[str, asyncio.Event] = {}

    def hold(self, method: str) -> asyncio.Event:
        """Calls of ``method`` wait until the returned event is set (work kept in flight)."""
        return self._held.setdefault(method, asyncio.Event())

    @property
    def api_url(self) -> str:
        """For ``SLACK_API_URL``: keep the trailing slash."""
        return f"{self.url}/api/"

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/response/{token}", self._response_url)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.body_exists:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update({k: str(v) for k, v in (await request.post()).items()})
        await self.record(Call(method, params, headers=dict(request.headers)))
        if method in self._held:
            await self._held[method].wait()
        failure = self.take_failure(method)
        if failure is not None:
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        answer = getattr(self, "on_" + method.replace(".", "_"), None)
        if answer is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response({"ok": True, **answer(params)})

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        self.uploads[file_id] = await request.read()
        await self.record(Call("upload", {"file_id": file_id}, {file_id: self.uploads[file_id]}))
        return web.Response(text="OK - " + str(len(self.uploads[file_id])))

    async def _response_url(self, request: web.Request) -> web.Response:
        """Slack's answer to a post to a response_url is a plain "ok"."""
        params = await request.json()
        await self.record(Call("response_url", {**params, "token": request.match_info["token"]}))
        return web.Response(text="ok")

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    # answers ---------------------------------------------------------------------------

    def on_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://optonet-test.slack.com/",
            "team": "OptoNet Test",
            "user": "optobot",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def on_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        ts = self._next_ts()
        message = {
            "type": "message",
            "text": params.get("text", ""),
            "user": BOT_USER,
            "bot_id": BOT_ID,
            "ts": ts,
            "blocks": params.get("blocks", []),
        }
        return {"channel": params.get("channel"), "ts": ts, "message": message}

    def on_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "channel": params.get("channel"),
            "ts": params.get("ts"),
            "text": params.get("text", ""),
            "message": {"text": params.get("text", ""), "blocks": params.get("blocks", [])},
        }

    def on_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"message_ts": self._next_ts()}

    def on_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        view = params.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        return {"view": {**(view or {}), "id": "V0001"}}

    def on_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.on_views_open(params)

    def on_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.on_views_open(params)

    def on_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = params.get("user", "U0001")
        info: dict[str, Any] = {
            "id": user,
            "team_id": TEAM,
            "name": user.lower(),
            "real_name": f"User {user}",
            "is_bot": False,
            "profile": {"real_name": f"User {user}", "display_name": user},
        }
        if str(params.get("include_locale")).lower() in ("1", "true") and user in self.locales:
            info["locale"] = self.locales[user]
        return {"user": info}

    def on_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"channel": {"id": "D" + str(params.get("users", "U0001")).split(",")[0][1:]}}

    def on_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._files):04d}"
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def on_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        files = params.get("files", "[]")
        files = json.loads(files) if isinstance(files, str) else files
        return {"files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}
