"""Logs never carry tokens or e-mail addresses, and JSON logs are one object per line."""

import json
import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.logs import JsonFormatter, RedactingFilter, Throttled, configure_logging, redact
from bot.settings import Settings


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
        await chat.say(
            "what is the minimum wage for zebrabread bakers in Canada, ask anke.meier@example.org"
        )
        await chat.press("fwd:")
        await chat.say("/idea")
        await chat.say("Zebrabread welding with ultrashort pulses")
    assert caplog.records  # something was logged
    logged = " ".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert "zebrabread" not in logged.lower() and "anke.meier" not in logged


def _logged(capsys, log_format: str, level: str = "INFO", **secrets: str) -> str:  # type: ignore[no-untyped-def]
    """What one failure with secrets in its exception, and a DEBUG line, write to stderr."""
    configure_logging(Settings(_env_file=None, log_format=log_format, log_level=level, **secrets))
    log = logging.getLogger("bot.test")
    try:
        raise RuntimeError(
            "GET https://api.telegram.org/bot123456:bogus/getMe failed; "
            "[SQL: INSERT INTO members (name) VALUES (?)]\n"
            "[parameters: ('Anke Meier', 'Photonik GmbH')]\n"
            "signing 8f742231b10e8888abcd99yyyzzz85a5, db postgresql://optobot:pw-Zebra9@db/x"
        )
    except RuntimeError:
        log.exception("sending failed for %s", "anke.meier@example.org")
    log.debug("calling bot123456:bogus with token 123456:bogus")
    return capsys.readouterr().err


SECRET_BITS = ("bogus", "Anke Meier", "Photonik", "8f742231b10e", "pw-Zebra9", "anke.meier")


def test_an_exception_text_and_traceback_are_masked_in_text_logs(capsys) -> None:  # type: ignore[no-untyped-def]
    """Issue 24, item 5: before, only the message was cleaned."""
    err = _logged(capsys, "text", "DEBUG", slack_signing_secret="8f742231b10e8888abcd99yyyzzz85a5")
    assert "Traceback" in err and "RuntimeError" in err and "[parameters: ***]" in err
    for bit in SECRET_BITS:
        assert bit not in err, bit
    assert "calling bot*** with token ***" in err  # the DEBUG line, short token and all


def test_the_json_exception_field_is_masked(capsys) -> None:  # type: ignore[no-untyped-def]
    err = _logged(capsys, "json", slack_signing_secret="8f742231b10e8888abcd99yyyzzz85a5")
    [entry] = [json.loads(line) for line in err.splitlines()]
    assert entry["message"] == "sending failed for ***"
    assert "RuntimeError" in entry["exception"] and "bot***/getMe" in entry["exception"]
    for bit in SECRET_BITS:
        assert bit not in err, bit


def test_references_of_two_numbers_stay_readable() -> None:
    assert redact("outbox -1001234567:42 and 1712345678.000100:U0ABCDEF") == (
        "outbox -1001234567:42 and 1712345678.000100:U0ABCDEF"
    )


async def test_database_errors_do_not_carry_the_row_values(app) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DBAPIError) as caught:
        async with app.database.transaction() as session:
            await session.execute(text("SELECT :name + no_such_column"), {"name": "Anke Meier"})
    assert "no_such_column" in str(caught.value) and "Anke Meier" not in str(caught.value)


def test_a_warning_anyone_can_cause_is_logged_once_a_minute(caplog) -> None:  # type: ignore[no-untyped-def]
    now = [0.0]
    throttled = Throttled(logging.getLogger("bot.test"), every=60, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING):
        for second in range(0, 120, 10):
            now[0] = second
            throttled.warning("bad secret from %s", "10.0.0.1")
    assert [r.getMessage() for r in caplog.records] == [
        "bad secret from 10.0.0.1",
        "bad secret from 10.0.0.1 (and 5 more like it since the last such line)",
    ]
