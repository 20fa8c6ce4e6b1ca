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
