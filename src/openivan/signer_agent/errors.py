"""The agent's own error codes, beside core's (TOKEN_*, XML_*, CERT_*), with their HTTP status.

Kept here rather than in `core.errors` because only the agent and its page-side client use them.
"""

from __future__ import annotations

from openivan.core.errors import OpenIvanError, register

MESSAGES: dict[str, tuple[str, str]] = {
    "ORIGIN_MISSING": (
        "Yêu cầu không có tiêu đề Origin: chỉ trang web đã được cho phép mới gọi được trình ký.",
        "The request has no Origin header: only approved web pages may call the agent.",
    ),
    "ORIGIN_INVALID": ("Origin {origin} không hợp lệ.", "Invalid origin {origin}."),
    "ORIGIN_NOT_APPROVED": (
        "Trang {origin} chưa được phép dùng trình ký số trên máy này. Hãy kết nối (ghép đôi) "
        "và bấm \"Cho phép\" trong cửa sổ của trình ký.",
        "{origin} is not approved on this computer. Pair it and press \"Allow\" in the "
        "agent's window.",
    ),
    "PAIRING_REFUSED": (
        "Người dùng đã từ chối cho trang {origin} dùng trình ký số.",
        "The user refused {origin}.",
    ),
    "PAIRING_UNKNOWN": ("Không có yêu cầu ghép đôi này.", "No such pairing request."),
    "AGENT_BUSY": (
        "Trình ký số đang mở một cửa sổ khác; hãy hoàn tất cửa sổ đó rồi thử lại.",
        "The agent's window is already open for another request; finish it and try again.",
    ),
    "AGENT_NO_WINDOW": (
        "Trình ký số không mở được cửa sổ (không có màn hình); không thể ký khi người dùng "
        "không xem được tài liệu.",
        "The agent cannot open its window (no display); nothing is signed unseen.",
    ),
    "USER_CANCELLED": ("Người dùng đã hủy.", "The user cancelled."),
    "WINDOW_TIMEOUT": (
        "Hết thời gian chờ người dùng trả lời trong cửa sổ của trình ký.",
        "The user did not answer in the agent's window in time.",
    ),
    "REQUEST_INVALID": ("Yêu cầu không hợp lệ: {reason}", "Invalid request: {reason}"),
    "REQUEST_TOO_LARGE": (
        "Yêu cầu vượt quá {limit} byte.", "The request is larger than {limit} bytes."),
    "NOT_FOUND": ("Không có địa chỉ {path}.", "No such path {path}."),
    "TOKEN_ABSENT": (
        "Không tìm thấy USB token nào. Hãy cắm token và cài trình điều khiển của nhà cung cấp.",
        "No token found. Plug in the token and install its vendor's driver.",
    ),
    "CERT_NOT_ON_TOKEN": (
        "Không có chứng thư số {certificate} trên token nào đang cắm.",
        "Certificate {certificate} is on no plugged-in token.",
    ),
    "PIN_WRONG": (
        "Mã PIN không đúng. Số lần thử còn lại: {tries_left}.",
        "Wrong PIN. Tries left: {tries_left}.",
    ),
    "SESSION_ENDED": (
        "Phiên ký của token đã hết; hãy nhập lại mã PIN.",
        "The token's signing session has ended; type the PIN again.",
    ),
    "DOC_MST_MISMATCH": (
        "Mã số thuế trên tài liệu ({document}) khác mã số thuế trên chứng thư số "
        "({certificate}).",
        "The document's tax code ({document}) differs from the certificate's ({certificate}).",
    ),
    "DOC_ID_MISMATCH": (
        "Số giấy tờ trên tài liệu ({document}) khác số trên chứng thư số ({certificate}).",
        "The document's ID number ({document}) differs from the certificate's "
        "({certificate}).",
    ),
    "DOC_NOT_SIGNABLE": (
        "Tài liệu {form} không phải loại người dùng ký bằng trình ký số.",
        "{form} is not a document a user signs with the agent.",
    ),
}

# The HTTP status the agent answers each code with (its own, and some of core's); others 422.
STATUS: dict[str, int] = {
    "ORIGIN_MISSING": 403, "ORIGIN_INVALID": 403, "ORIGIN_NOT_APPROVED": 403,
    "PAIRING_REFUSED": 403, "PAIRING_UNKNOWN": 404, "NOT_FOUND": 404, "AGENT_BUSY": 409,
    "AGENT_NO_WINDOW": 503, "USER_CANCELLED": 409, "WINDOW_TIMEOUT": 408,
    "REQUEST_INVALID": 400, "REQUEST_TOO_LARGE": 413, "XML_TOO_LARGE": 413,
    "TOKEN_ABSENT": 404, "CERT_NOT_ON_TOKEN": 404, "TOKEN_NOT_FOUND": 404,
    "PIN_WRONG": 401, "SESSION_ENDED": 401, "TOKEN_PIN_LOCKED": 423, "TOKEN_ERROR": 502,
}


register(MESSAGES, layer="signer_agent",
         status={code: status for code, status in STATUS.items() if code in MESSAGES})


class AgentError(OpenIvanError):
    """An `OpenIvanError` whose code may be one of the agent's (or one of core's)."""


def status_of(error: OpenIvanError) -> int:
    return STATUS.get(error.code, 422)
