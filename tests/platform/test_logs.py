"""Log records lose activation tokens on the way out, and nothing else."""

from __future__ import annotations

import logging

from openivan.platform.logs import RedactSecrets

TOKEN = "0123456789abcdef" * 4


def _record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("django.request", logging.WARNING, __file__, 1, message, args, None)


def test_a_token_in_the_arguments_is_masked() -> None:
    record = _record("Unprocessable Content: %s", f"/kich-hoat/{TOKEN}")
    assert RedactSecrets().filter(record)
    assert record.getMessage() == "Unprocessable Content: /kich-hoat/…"


def test_a_message_without_a_token_keeps_its_arguments() -> None:
    record = _record("Not Found: %s", "/co-quan/ho-so/BHXH-20261122-000001/")
    assert RedactSecrets().filter(record)
    assert record.args == ("/co-quan/ho-so/BHXH-20261122-000001/",)


def test_a_shorter_hex_run_is_not_a_token() -> None:
    record = _record("/kich-hoat/%s", TOKEN[:40])
    RedactSecrets().filter(record)
    assert TOKEN[:40] in record.getMessage()
