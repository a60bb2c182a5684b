"""Error codes notify raises, with their HTTP status where they have their own
(registered with `openivan.core.errors` when the package is imported; the catalogue is
docs/error-codes.md, `openivan manage error_codes`)."""

from __future__ import annotations

from openivan.core.errors import register

MESSAGES: dict[str, tuple[str, str]] = {
    "NOTIFICATION_NOT_FAILED": (
        "Chỉ gửi lại được thư đã gửi không thành công; thư này đang chờ gửi hoặc đã gửi.",
        "Only an email that failed can be sent again; this one is waiting or was sent.",
    ),
    "NOTIFICATION_OUTDATED": (
        "Không gửi lại thư này: mã xác nhận trong thư đã hết hiệu lực lúc {at}. Đơn vị cần "
        "nộp lại tờ khai qua I-VAN để nhận mã mới.",
        "This email is not sent again: the confirmation code in it stopped working at {at}. "
        "The unit must send its declaration again through its I-VAN provider for a new code.",
    ),
}

register(MESSAGES, layer="notify")
