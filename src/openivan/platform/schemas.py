"""The API's error shape, for the OpenAPI description of every router."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    """Every refusal and outage of the API (4xx, 503): switch on `code`, show `message`."""

    code: str  # stable (XML_MALFORMED, SIG_INVALID, DOSSIER_NOT_FOUND, RATE_LIMITED, …)
    message: str  # Vietnamese
    message_en: str
    details: dict[str, Any]  # what the message names (a line, a certificate, a limit)
    # A refused dossier only: the agency's signed technical answer (TuChoi) with the code.
    technical_answer_xml_base64: str | None = None


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """Responses for an operation's OpenAPI description: each status with the error shape.
    Every authenticated call may also answer 401, 429 and 503."""
    return dict.fromkeys((401, 429, 503, *statuses), ErrorOut)
