"""The fakes answer the real clients the way the platforms do."""

from slack_sdk.web.async_client import AsyncWebClient
from telegram import Bot

from tests.fakes.slack_api import TOKEN as SLACK_TOKEN
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import TOKEN, FakeTelegram


async def test_telegram_fake_answers_ptb_bot() -> None:
    async with FakeTelegram() as fake:
        async with Bot(TOKEN, base_url=fake.base_url) as bot:
            message = await bot.send_message(chat_id=10001, text="hi")
        assert message.text == "hi"
        assert [call.method for call in fake.calls] == ["getMe", "sendMessage"]


async def test_slack_fake_answers_web_client() -> None:
    async with FakeSlack() as fake:
        client = AsyncWebClient(token=SLACK_TOKEN, base_url=fake.api_url)
        response = await client.chat_postMessage(channel="C0001", text="hi")
        assert response["ok"] and fake.called("chat.postMessage")[0].params["text"] == "hi"
        await client.files_upload_v2(channel="D0001", content=b"BEGIN:VCALENDAR", filename="a.ics")
        assert fake.uploads["F0001"] == b"BEGIN:VCALENDAR"
