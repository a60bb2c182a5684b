"""Logs without live secrets: an activation link's token never reaches a log line.

With a token, anyone could open the unit's activation page and spend its tries at the code;
logs are kept, copied and read more widely than the database. Django logs the path of every
refused request ("Unprocessable Content: /kich-hoat/<token>" after a wrong code), gunicorn's
access log every request line and referrer."""

from __future__ import annotations

import logging
import re

ACTIVATION_TOKEN = re.compile(r"(/kich-hoat/)[0-9A-Fa-f]{64}")


def redact(text: str) -> str:
    return ACTIVATION_TOKEN.sub(r"\1…", text)


class RedactSecrets(logging.Filter):
    """On a handler: the record's message with its tokens masked (formatted once, here)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
