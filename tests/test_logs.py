"""Logs never carry tokens or e-mail addresses, and JSON logs are one object per line."""

import json
import logging

from bot.logs import JsonFormatter, RedactingFilter, redact


def test_tokens_and_addresses_are_masked() -> None:
    line = (
        "POST https://api.telegram.org/bot90001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage "
        "slack xoxb-1234-5678-abcdefgh app xapp-1-A0-123-abc mail anke.meier@example.org"
    )
    masked = redact(line)
    for secret in ("AAHdqTcvCH1vGWJx", "xoxb-1234", "xapp-1-A0", "anke.meier@example.org"):
        assert secret not in masked
    assert masked.count("***") == 4


def test_the_filter_masks_formatted_arguments_as_json() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "lead from %s", ("a@b.de",), None)
    assert RedactingFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "lead from ***" and entry["level"] == "INFO"


async def test_a_conversation_logs_no_member_text_at_info(app, caplog) -> None:  # type: ignore[no-untyped-def]
    from tests.conversation import Conversation

    chat = Conversation(app.assistant, locale="en")
    with caplog.at_level(logging.INFO):
        await chat.say("how do I bake sourdough zebrabread, ask anke.meier@example.org")
        await chat.press("fwd:")
        await chat.say("/idea")
        await chat.say("Zebrabread welding with ultrashort pulses")
    assert caplog.records  # something was logged
    logged = " ".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert "zebrabread" not in logged.lower() and "anke.meier" not in logged
