"""``optobot serve`` with Telegram by webhook on our own HTTP server, and a wrong token."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import stat
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.channels.base import ChannelStartError
from bot.channels.telegram import WEBHOOK_PATH
from bot.server import serve
from bot.settings import Settings
from bot.webhook_secret import SECRET_FILE
from tests.channels.telegram_support import (
    ALICE,
    RecordingTelegram,
    fixture,
    press_update,
    telegram_settings,
    text_update,
)

HEADER = "X-Telegram-Bot-Api-Secret-Token"
STARTUP_SECONDS = 30
"""How long ``serve`` may take to register its webhook: the whole start (schema, knowledge
base, getMe) on a loaded machine took more than the fake's usual 5 s."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def serving(
    make_settings: Callable[..., Settings],
    fake: RecordingTelegram | None = None,
    **overrides: Any,
) -> AsyncIterator[tuple[RecordingTelegram, str, Settings]]:
    """``serve`` with the webhook on a free port; yields the fake, our base URL, the settings."""
    async with AsyncExitStack() as stack:
        fake = fake or await stack.enter_async_context(RecordingTelegram())
        async with launched(make_settings, fake, **overrides) as (url, settings, _, _):
            await fake.wait_for("setWebhook", seconds=STARTUP_SECONDS)
            yield fake, url, settings


@asynccontextmanager
async def launched(
    make_settings: Callable[..., Settings],
    fake: RecordingTelegram,
    ready: Callable[[], None] | None = None,
    **overrides: Any,
) -> AsyncIterator[tuple[str, Settings, asyncio.Event, asyncio.Task[None]]]:
    """``serve`` started on a free port, not yet waited for; stopped at the end."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = make_settings(
        **telegram_settings(fake),
        public_url=url,
        http_host="127.0.0.1",
        http_port=port,
        **overrides,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop, ready=ready))
    try:
        yield url, settings, stop, task
    finally:
        stop.set()
        await task


async def test_ready_is_called_once_the_webhook_is_set_and_the_port_answers(
    make_settings: Callable[..., Settings],
) -> None:
    webhooks_when_ready: list[int] = []
    called = asyncio.Event()

    def ready() -> None:
        webhooks_when_ready.append(len(fake.called("setWebhook")))
        called.set()

    async with RecordingTelegram() as fake, launched(make_settings, fake, ready) as launch:
        url = launch[0]
        await asyncio.wait_for(called.wait(), timeout=10)
        async with aiohttp.ClientSession() as session, session.get(url + "/healthz") as health:
            status = health.status
    assert webhooks_when_ready == [1] and status == 200


class HeldTelegram(RecordingTelegram):
    """Holds its answers to the methods in ``held`` until the test sets ``release``."""

    def __init__(self, *held: str) -> None:
        super().__init__()
        self.held = set(held)
        self.release = asyncio.Event()

    async def on_getMe(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        await self._hold("getMe")
        return await super().on_getMe(params, files)

    async def on_sendMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        await self._hold("sendMessage")
        return await super().on_sendMessage(params, files)

    async def _hold(self, method: str) -> None:
        if method in self.held:
            await self.release.wait()


async def post(url: str, update: dict[str, Any], secret: str | None) -> int:
    status, _ = await post_for_answer(url, update, secret)
    return status


async def post_for_answer(
    url: str, update: dict[str, Any], secret: str | None
) -> tuple[int, dict[str, Any] | None]:
    """The status and the method call our response asks Telegram to run, if any."""
    headers = {HEADER: secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url + WEBHOOK_PATH, json=update, headers=headers) as response,
    ):
        body = await response.read()
        return response.status, (await response.json() if body else None)


async def test_webhook_is_registered_with_a_generated_secret_kept_private(
    make_settings: Callable[..., Settings],
) -> None:
    async with serving(make_settings) as (fake, url, settings):
        [registered] = fake.called("setWebhook")
        async with aiohttp.ClientSession() as session, session.get(url + "/healthz") as health:
            report = await health.json()
    secret_file = Path(settings.data_dir) / SECRET_FILE
    assert registered.params["url"] == url + WEBHOOK_PATH
    assert registered.params["secret_token"] == secret_file.read_text()
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert report["channels"]["telegram"] is True
    assert not fake.called("getUpdates")  # no polling beside the webhook


async def test_webhook_with_the_right_secret_is_answered_once(
    make_settings: Callable[..., Settings],
) -> None:
    async with serving(make_settings, telegram_webhook_secret="s3cret_-token") as (fake, url, _):
        update = text_update("/start", ALICE) | {"update_id": 700001}
        assert await post(url, update, "s3cret_-token") == 200
        assert await post(url, update, "s3cret_-token") == 200  # Telegram's redelivery
        [sent] = fake.called("sendMessage")
    assert sent.params["chat_id"] == ALICE["id"] and "Welcome" in sent.params["text"]
    assert fake.called("setWebhook")[0].params["secret_token"] == "s3cret_-token"


async def test_a_sticker_and_an_edit_redelivered_get_their_note_once(
    make_settings: Callable[..., Settings],
) -> None:
    async with serving(make_settings, telegram_webhook_secret="s3cret") as (fake, url, _):
        sticker = fixture("update_sticker") | {"update_id": 700001}
        edit = fixture("update_edited_message") | {"update_id": 700002}
        for update in (sticker, sticker, edit, edit):
            assert await post(url, update, "s3cret") == 200
        texts = [call.params["text"] for call in fake.called("sendMessage")]
    assert len(texts) == 2
    assert texts[0].startswith("I read text only") and "new message" in texts[1]


async def test_a_press_is_answered_in_the_webhook_response_not_by_a_call(
    make_settings: Callable[..., Settings],
) -> None:
    async with serving(make_settings, telegram_webhook_secret="s3cret") as (fake, url, _):
        start = text_update("/language", ALICE) | {"update_id": 700001}
        assert await post(url, start, "s3cret") == 200
        message, button = fake.last_with_button("lang:de", ALICE["id"])
        press = press_update(message, button["callback_data"], ALICE) | {"update_id": 700002}
        status, answer = await post_for_answer(url, press, "s3cret")
        [_, confirmed] = fake.called("sendMessage")
    assert status == 200
    assert answer == {
        "method": "answerCallbackQuery",
        "callback_query_id": press["callback_query"]["id"],
    }
    assert not fake.called("answerCallbackQuery")
    assert fake.called("editMessageReplyMarkup")  # the pressed keyboard is gone
    assert confirmed.params["chat_id"] == ALICE["id"]


async def test_webhook_without_or_with_a_wrong_secret_is_refused(
    make_settings: Callable[..., Settings],
) -> None:
    async with serving(make_settings, telegram_webhook_secret="s3cret") as (fake, url, _):
        update = fixture("update_command_start")
        assert await post(url, update, None) == 403
        assert await post(url, update, "guess") == 403
        assert await post(url, update, "") == 403
        assert await post(url, update, "s3cret") == 200
        assert len(fake.called("sendMessage")) == 1


async def test_webhook_garbage_is_a_bad_request(make_settings: Callable[..., Settings]) -> None:
    async with serving(make_settings, telegram_webhook_secret="s3cret") as (fake, url, _):
        async with (
            aiohttp.ClientSession() as session,
            session.post(url + WEBHOOK_PATH, data=b"{not json", headers={HEADER: "s3cret"}) as r,
        ):
            assert r.status == 400
        assert not fake.called("sendMessage")


async def test_serve_with_a_wrong_token_fails_fast_with_one_clear_line(tmp_path: Path) -> None:
    async with RecordingTelegram() as fake:
        env = {key: value for key, value in os.environ.items() if not key.startswith("OPTOBOT_")}
        env.update(
            TELEGRAM_BOT_TOKEN="90001:WRONG_TOKEN_VALUE",
            TELEGRAM_API_BASE_URL=fake.base_url,
            OPTOBOT_DATA_DIR=str(tmp_path / "var"),
            OPTOBOT_HTTP_HOST="127.0.0.1",
            OPTOBOT_HTTP_PORT=str(free_port()),
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "serve",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    errors = stderr.decode()
    assert process.returncode == 1
    assert errors.strip().splitlines()[-1] == (
        "optobot serve: Telegram rejected TELEGRAM_BOT_TOKEN (Unauthorized): "
        "copy the token from @BotFather again"
    )
    assert "Traceback" not in errors and "WRONG_TOKEN_VALUE" not in errors


async def test_the_port_opens_only_once_the_channel_can_handle_updates(
    make_settings: Callable[..., Settings],
) -> None:
    """With several workers on one port, one still starting must not take an update."""
    async with HeldTelegram("getMe") as fake, launched(make_settings, fake) as (url, *_):
        await fake.wait_for("getMe")
        with pytest.raises(aiohttp.ClientConnectionError):
            await post(url, text_update("/start", ALICE) | {"update_id": 700001}, None)
        fake.release.set()
        await fake.wait_for("setWebhook", seconds=STARTUP_SECONDS)
        async with aiohttp.ClientSession() as session, session.get(url + "/healthz") as health:
            assert health.status == 200


async def test_an_update_in_flight_at_shutdown_is_finished(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    """Stop taking updates, finish the ones in flight: the reply of a webhook update that
    is mid-send when the stop comes still reaches the member."""
    fake = HeldTelegram("sendMessage")
    async with fake, launched(make_settings, fake, telegram_webhook_secret="s3cret") as launch:
        url, _, stop, task = launch
        await fake.wait_for("setWebhook", seconds=STARTUP_SECONDS)
        update = text_update("/start", ALICE) | {"update_id": 700001}
        posting = asyncio.create_task(post(url, update, "s3cret"))
        await fake.wait_for("sendMessage")
        stop.set()
        await asyncio.sleep(0.3)
        assert not task.done()  # waiting for the update in flight
        with pytest.raises(aiohttp.ClientConnectionError):  # but taking no new one
            await post(url, update | {"update_id": 700002}, "s3cret")
        with caplog.at_level(logging.WARNING):
            fake.release.set()
            assert await posting == 200
    assert [
        record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING
    ] == []
    [sent] = fake.messages
    assert sent["chat"]["id"] == ALICE["id"] and "Welcome" in sent["text"]


async def test_a_generated_secret_refuses_a_post_without_the_header(
    make_settings: Callable[..., Settings],
) -> None:
    """Issue 24, item 1, through the real webhook route of ``serve``."""
    async with serving(make_settings) as (fake, url, settings):
        update = text_update("/mydata", ALICE) | {"update_id": 700001}
        assert await post(url, update, None) == 403
        assert await post(url, update, "") == 403
        secret = (Path(settings.data_dir) / SECRET_FILE).read_text()
        assert await post(url, update | {"update_id": 700002}, secret) == 200
        [sent] = fake.called("sendMessage") or fake.called("sendDocument")
    assert sent.params["chat_id"] == ALICE["id"]


async def test_an_empty_secret_file_stops_serve_with_one_line(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / SECRET_FILE).write_text("")  # what a crash left before the fix
    async with RecordingTelegram() as fake:
        settings = make_settings(**telegram_settings(fake), public_url="http://127.0.0.1:1")
        with pytest.raises(ChannelStartError, match="is empty: delete it"):
            await serve(settings)
        assert not fake.called("setWebhook")


async def test_wrong_secrets_log_one_warning_a_minute(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    async with serving(make_settings, telegram_webhook_secret="s3cret") as (_, url, _):
        with caplog.at_level(logging.WARNING):
            for number in range(20):
                update = text_update("/start", ALICE) | {"update_id": 700001 + number}
                assert await post(url, update, "guess") == 403
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["Telegram webhook call without the right secret from 127.0.0.1"]


async def test_metrics_answer_on_their_own_port_not_on_the_webhooks(
    make_settings: Callable[..., Settings],
) -> None:
    """Issue 24, item 15."""
    metrics_port = free_port()
    async with (
        serving(make_settings, metrics_port=metrics_port) as (_, url, _),
        aiohttp.ClientSession() as session,
    ):
        async with session.get(url + "/metrics") as public:
            assert public.status == 404
        async with session.get(f"http://127.0.0.1:{metrics_port}/metrics") as scrape:
            assert scrape.status == 200 and "optobot_outbox" in await scrape.text()
